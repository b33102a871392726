"""Isolated worker processes: one stuck, greedy or crashing document never takes the batch down.

Why not ``concurrent.futures.ProcessPoolExecutor``: it cannot kill one stuck task, and a worker
that dies breaks the whole pool. Here every worker is a process of its own session (so
``killpg`` also reaches a LibreOffice child it started), runs under an address-space limit
(``RLIMIT_AS``) and a per-task CPU-time limit (``RLIMIT_CPU``), and the parent enforces a
wall-clock deadline per task. A worker that overruns or dies is replaced and the task is
reported as failed with a stable code; workers are also retired after ``max_tasks`` tasks so
that memory stays flat over thousands of documents.

>>> pool = WorkerPool(_echo, jobs=1, limits=Limits(timeout=30))     # doctest: +SKIP
>>> [r.value for r in pool.run([Task("a", ("x",), "a.txt")])]         # doctest: +SKIP
['x']
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

_log = logging.getLogger(__name__)

# stable failure codes, used in reports and in ErrorItem.code
TIMEOUT, CPU_TIME, MEMORY, CRASHED, ERROR = "timeout", "cpu_time", "memory", "crashed", "worker_error"


@dataclass(frozen=True)
class Limits:
    """Per-task limits. ``cpu`` defaults to the wall-clock ``timeout``; ``None`` disables a limit."""

    timeout: float | None = 300.0
    cpu: float | None = None
    memory_mb: int | None = 2048
    max_tasks: int = 100  # tasks per worker before it is replaced

    @property
    def cpu_seconds(self) -> float | None:
        return self.cpu if self.cpu is not None else self.timeout


@dataclass(frozen=True)
class Task:
    key: Any  # the caller's handle for the result
    args: tuple[Any, ...]
    label: str  # what to name in messages (the file path)


@dataclass
class TaskResult:
    key: Any
    label: str
    ok: bool
    value: Any = None
    code: str | None = None  # on failure: timeout | cpu_time | memory | crashed | worker_error
    message: str | None = None
    seconds: float = 0.0


def _set_limit(which: int, soft: int) -> None:
    import resource

    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY and soft > hard:
        soft = hard
    resource.setrlimit(which, (soft, hard))


def _cpu_used() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _worker_main(conn: Connection, fn: Callable[..., Any], initializer: Callable[..., Any] | None,
                 initargs: tuple[Any, ...], limits: Limits) -> None:
    """The loop of one worker process: receive a task, run it, send the outcome; stop after max_tasks."""
    try:
        os.setsid()  # own session and process group: the parent kills the group, children included
    except OSError:
        pass
    # a worker must die of SIGXCPU rather than ignore it (the default action, made explicit)
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    import resource

    if limits.memory_mb:
        _set_limit(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
    if initializer is not None:
        initializer(*initargs)
    done = 0
    while done < limits.max_tasks:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        args = msg
        if limits.cpu_seconds:
            # RLIMIT_CPU counts the process's whole life: allow this task its share on top of what is used
            _set_limit(resource.RLIMIT_CPU, math.ceil(_cpu_used() + limits.cpu_seconds))
        try:
            out: tuple[str, Any, str | None] = ("ok", fn(*args), None)
        except MemoryError:
            out = ("err", MEMORY, "ran out of memory")
        except Exception as e:  # report, never die: the next task deserves a worker
            out = ("err", ERROR, f"{type(e).__name__}: {e}")
            _log.debug("task failed\n%s", traceback.format_exc())
        try:
            conn.send(out)
        except MemoryError:
            conn.send(("err", MEMORY, "ran out of memory while returning the result"))
        done += 1


def prestart(preload: tuple[str, ...]) -> bool:
    """Start the fork server now, importing ``preload``, and return at once: its imports and warm-up
    then run while the caller still starts up and reads its inputs. A pool made later with the same
    preload uses it. False where there is no fork server (the pool then spawns, as always)."""
    if "forkserver" not in mp.get_all_start_methods():
        return False
    from multiprocessing import forkserver

    mp.get_context("forkserver").set_forkserver_preload(list(preload))
    forkserver.ensure_running()
    return True


@dataclass
class _Slot:
    proc: Any
    conn: Connection
    task: Task | None = None
    started: float = 0.0
    done: int = 0
    retired: bool = False


@dataclass
class WorkerPool:
    """Run ``fn(*task.args)`` for many tasks in isolated worker processes (see the module docstring)."""

    fn: Callable[..., Any]
    jobs: int = 0  # 0: all cores
    limits: Limits = field(default_factory=Limits)
    initializer: Callable[..., Any] | None = None
    initargs: tuple[Any, ...] = ()
    start_method: str = "forkserver"
    # modules the fork server imports once, so each new worker starts warm; naming any also makes the
    # fork server inherit our sys.path (needed to unpickle functions defined outside the package)
    preload: tuple[str, ...] = ("pipeline.workers",)

    def __post_init__(self) -> None:
        self.jobs = self.jobs or os.cpu_count() or 1
        method = self.start_method if self.start_method in mp.get_all_start_methods() else "spawn"
        self._ctx = mp.get_context(method)
        if method == "forkserver" and self.preload:
            self._ctx.set_forkserver_preload(list(self.preload))
        self._slots: list[_Slot] = []
        self.started_workers = 0

    # -- process management ------------------------------------------------------------------
    def _start(self) -> _Slot:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_worker_main, args=(child, self.fn, self.initializer, self.initargs, self.limits),
                                 daemon=True, name="lianfang-worker")
        proc.start()
        child.close()
        self.started_workers += 1
        slot = _Slot(proc=proc, conn=parent)
        self._slots.append(slot)
        return slot

    def _kill(self, slot: _Slot) -> None:
        pid = slot.proc.pid
        try:
            os.killpg(pid, signal.SIGKILL)  # the worker and anything it started (soffice)
        except (ProcessLookupError, PermissionError, OSError):
            try:
                slot.proc.kill()
            except Exception:  # already gone
                pass
        slot.proc.join(5)
        self._drop(slot)

    def _drop(self, slot: _Slot) -> None:
        try:
            slot.conn.close()
        except OSError:
            pass
        if slot in self._slots:
            self._slots.remove(slot)

    def close(self) -> None:
        """Stop every worker: politely first, then by force."""
        for s in list(self._slots):
            if s.task is None:
                try:
                    s.conn.send(None)
                except (OSError, ValueError):
                    pass
        deadline = time.monotonic() + 2
        for s in list(self._slots):
            if s.task is None:
                s.proc.join(max(0.0, deadline - time.monotonic()))
            if s.proc.is_alive() or s.task is not None:
                self._kill(s)
            else:
                self._drop(s)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running -------------------------------------------------------------------------------
    def _death_reason(self, slot: _Slot) -> tuple[str, str]:
        slot.proc.join(1)
        code = slot.proc.exitcode
        if code is not None and code < 0:
            sig = -code
            if sig == signal.SIGXCPU:
                return CPU_TIME, f"exceeded the CPU-time limit of {self.limits.cpu_seconds:g} s"
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
            if sig == signal.SIGKILL and self.limits.memory_mb:
                # the kernel's OOM killer, or our own memory guard
                return MEMORY, f"killed by SIGKILL (memory limit {self.limits.memory_mb} MB or out of memory)"
            return CRASHED, f"the worker process crashed ({name})"
        return CRASHED, f"the worker process exited unexpectedly (exit code {code})"

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        """Yield one result per task, in completion order. Stop early by closing the generator.

        Given a ``deque``, the pool works from it directly: the caller may add tasks while it
        consumes results (``appendleft`` to run one next among those not yet sent: a freed worker
        has its next task before its result is yielded), and the pool runs until the deque is
        empty and no task is running.
        """
        queue: deque[Task] = tasks if isinstance(tasks, deque) else deque(tasks)
        try:
            while queue or any(s.task is not None for s in self._slots):
                self._fill(queue)
                busy = [s for s in self._slots if s.task is not None]
                if not busy:
                    continue
                timeout = None
                if self.limits.timeout:
                    first = min(s.started for s in busy) + self.limits.timeout
                    timeout = max(0.0, first - time.monotonic())
                ready = set(wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout))
                now = time.monotonic()
                done: list[TaskResult] = []
                for slot in busy:
                    task = slot.task
                    assert task is not None
                    result: TaskResult | None = None
                    if slot.conn in ready:
                        try:
                            status, value, msg = slot.conn.recv()
                        except (EOFError, OSError):
                            code, why = self._death_reason(slot)
                            result = TaskResult(task.key, task.label, False, code=code, message=f"{task.label}: {why}")
                            self._kill(slot)
                        else:
                            elapsed = now - slot.started
                            if status == "ok":
                                result = TaskResult(task.key, task.label, True, value=value, seconds=elapsed)
                            else:
                                detail = msg or ""
                                if value == MEMORY and self.limits.memory_mb:
                                    detail += f" (memory limit {self.limits.memory_mb} MB)"
                                result = TaskResult(task.key, task.label, False, code=value,
                                                    message=f"{task.label}: {detail}", seconds=elapsed)
                            slot.task = None
                            slot.done += 1
                            if slot.done >= self.limits.max_tasks:
                                slot.retired = True  # it exits by itself; reap it
                                slot.proc.join(5)
                                if slot.proc.is_alive():
                                    self._kill(slot)
                                else:
                                    self._drop(slot)
                    elif slot.proc.sentinel in ready:
                        code, why = self._death_reason(slot)
                        result = TaskResult(task.key, task.label, False, code=code, message=f"{task.label}: {why}",
                                            seconds=now - slot.started)
                        self._kill(slot)
                    elif self.limits.timeout and now - slot.started >= self.limits.timeout:
                        self._kill(slot)
                        result = TaskResult(task.key, task.label, False, code=TIMEOUT, seconds=now - slot.started,
                                            message=f"{task.label}: exceeded the time limit of {self.limits.timeout:g} s")
                    if result is not None:
                        done.append(result)
                # the freed workers get their next task before the caller handles these results:
                # otherwise each waits idle while the parent digests the result it just sent
                self._fill(queue)
                for result in done:
                    if not result.ok:
                        _log.warning("%s", result.message)
                    yield result
        finally:
            self.close()

    def _fill(self, queue: deque[Task]) -> None:
        """Give every idle slot a task from ``queue`` (starting workers up to ``jobs``)."""
        while queue and (len(self._slots) < self.jobs or any(s.task is None and not s.retired for s in self._slots)):
            slot = next((s for s in self._slots if s.task is None and not s.retired), None) or self._start()
            task = queue.popleft()
            try:
                slot.conn.send(task.args)
            except (OSError, ValueError):  # it died while idle: replace it and retry the task
                self._kill(slot)
                queue.appendleft(task)
                continue
            slot.task, slot.started = task, time.monotonic()
