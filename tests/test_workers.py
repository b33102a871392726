"""Isolated workers: a task that hangs, eats memory, burns CPU or segfaults is reported; the others finish."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from pipeline.workers import CPU_TIME, CRASHED, MEMORY, TIMEOUT, Limits, Task, WorkerPool


# -- task functions (module level: workers import them by name) ------------------------------------
def behave(kind: str, arg: str = "") -> object:
    if kind == "ok":
        return (arg.upper(), os.getpid())
    if kind == "sleep":
        time.sleep(10_000)
    if kind == "alloc":
        hog = []
        while True:  # grows until the address-space limit stops it
            hog.append(bytearray(64 * 1024 * 1024))
    if kind == "spin":
        x = 0
        while True:
            x += 1
    if kind == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if kind == "child":
        # a grandchild that would outlive a plain kill of the worker; its pid goes to a file
        p = subprocess.Popen(["sleep", "1000"])
        with open(arg, "w") as f:
            f.write(str(p.pid))
        time.sleep(10_000)
    if kind == "raise":
        raise ValueError("bad cell in " + arg)
    raise AssertionError(kind)


def _run(tasks: list[Task], **limits: object) -> dict[str, object]:
    pool = WorkerPool(behave, jobs=2, limits=Limits(**limits))  # type: ignore[arg-type]
    return {r.key: r for r in pool.run(tasks)}


BAD_CASES = [
    # (kind, limits, expected code, words the message must contain)
    ("sleep", {"timeout": 1.5, "memory_mb": None}, TIMEOUT, ["time limit", "1.5"]),
    ("alloc", {"timeout": 30, "memory_mb": 600}, MEMORY, ["memory", "600"]),
    ("spin", {"timeout": 30, "cpu": 1, "memory_mb": None}, CPU_TIME, ["CPU", "1 s"]),
    ("segv", {"timeout": 30, "memory_mb": None}, CRASHED, ["crash", "SIGSEGV"]),
]


@pytest.mark.parametrize("kind,limits,code,words", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_task_is_reported_and_others_finish(kind: str, limits: dict, code: str, words: list[str]) -> None:
    tasks = [Task("good1", ("ok", "a"), "good1.docx"), Task("bad", (kind,), f"坏的/{kind}.docx"),
             Task("good2", ("ok", "b"), "good2.docx"), Task("good3", ("ok", "c"), "good3.docx")]
    res = _run(tasks, **limits)
    assert set(res) == {"good1", "bad", "good2", "good3"}
    bad = res["bad"]
    assert not bad.ok and bad.code == code
    assert bad.message.startswith(f"坏的/{kind}.docx: "), bad.message  # names the file
    for w in words:
        assert w in bad.message
    assert [res[k].value[0] for k in ("good1", "good2", "good3")] == ["A", "B", "C"]


def test_exception_in_task_is_an_error_result_and_worker_survives() -> None:
    pool = WorkerPool(behave, jobs=1, limits=Limits(timeout=30, memory_mb=None))
    res = {r.key: r for r in pool.run([Task(1, ("raise", "x.docx"), "x.docx"), Task(2, ("ok", "y"), "y.docx")])}
    assert res[1].code == "worker_error" and "bad cell in x.docx" in res[1].message
    assert res[2].ok and res[2].value[0] == "Y"
    assert pool.started_workers == 1  # an exception is not a reason to replace the worker


def test_workers_are_recycled_after_max_tasks() -> None:
    pool = WorkerPool(behave, jobs=1, limits=Limits(timeout=30, memory_mb=None, max_tasks=2))
    res = list(pool.run([Task(i, ("ok", str(i)), f"{i}.txt") for i in range(5)]))
    assert all(r.ok for r in res)
    pids = {r.value[1] for r in res}
    assert len(pids) == 3 and pool.started_workers == 3  # 2 + 2 + 1 tasks


def test_timeout_kills_the_whole_process_group(tmp_path) -> None:
    pidfile = tmp_path / "child.pid"
    res = _run([Task("c", ("child", str(pidfile)), "c.doc")], timeout=2, memory_mb=None)
    assert res["c"].code == TIMEOUT
    child = int(pidfile.read_text())
    for _ in range(50):  # the grandchild was killed with the group (it may linger briefly as a zombie)
        try:
            with open(f"/proc/{child}/stat") as f:
                state = f.read().split(")")[-1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the worker's child process survived the timeout kill")


def test_early_close_kills_busy_workers() -> None:
    pool = WorkerPool(behave, jobs=2, limits=Limits(timeout=60, memory_mb=None))
    gen = pool.run([Task("q", ("ok", "q"), "q"), Task("s", ("sleep",), "s"), Task("s2", ("sleep",), "s2")])
    first = next(gen)
    assert first.key == "q"
    procs = [s.proc for s in pool._slots]
    t = time.monotonic()
    gen.close()  # --fail-fast: stop now
    assert time.monotonic() - t < 10
    assert all(not p.is_alive() for p in procs)


def test_tasks_added_while_running_run_too_and_appendleft_goes_first() -> None:
    # the batch runner queues a folder's check task when the folder's last file comes back; the
    # worker that sent that file already has its next task (doc2), so the folder's goes after it
    from collections import deque

    queue = deque(Task(f"doc{i}", ("ok", str(i)), f"{i}.docx") for i in range(6))
    pool = WorkerPool(behave, jobs=1, limits=Limits(timeout=30, memory_mb=None))
    order = []
    for r in pool.run(queue):
        order.append(r.key)
        if r.key == "doc1":  # pushed ahead of doc3…doc5, which are still waiting
            queue.appendleft(Task("folder", ("ok", "f"), "folder"))
        if r.key == "doc5":  # the queue is empty now: the run must still pick this up
            queue.append(Task("last", ("ok", "z"), "last"))
    assert order == ["doc0", "doc1", "doc2", "folder", "doc3", "doc4", "doc5", "last"]


def test_a_freed_worker_has_its_next_task_before_the_caller_sees_the_result() -> None:
    # the parent digests each result (decoding, summary rows); the worker must not wait for that
    pool = WorkerPool(behave, jobs=1, limits=Limits(timeout=30, memory_mb=None))
    tasks = [Task(f"doc{i}", ("ok", str(i)), f"{i}.docx") for i in range(3)]
    running = []
    for r in pool.run(tasks):
        running.append((r.key, [s.task.key for s in pool._slots if s.task is not None]))
    assert running == [("doc0", ["doc1"]), ("doc1", ["doc2"]), ("doc2", [])]
