"""The benchmark harness: lianfang's throughput and memory, held against the parsing floor.

``python -m benchmarks.run [--quick] [--json FILE] [--md FILE]``

Every figure is a median over repeated runs, and the pipeline's time is always divided by the
floor measured in the same run, floor and pipeline alternating, so a busy machine slows both
(see README.md for the targets and what each measurement does). Parts of the pipeline that do
not exist yet are reported as "not available"; the harness itself never needs them.

The hidden ``--_one`` and ``--_batch`` modes are what the harness runs in fresh processes.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import CORPUS_DIR, RESULTS_DIR

_log = logging.getLogger(__name__)

STAGES = ("parse", "segment", "extract", "link", "checks", "write")
MB = 1024 * 1024


# ----------------------------------------------------------------------------------------------
# targets (the numbers) and the pure functions that judge them
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    key: str  # the result key holding the measured value
    label: str
    limit: float | bool
    op: str  # "<=" | "<" | ">=" | "=="
    unit: str


TARGETS: tuple[Target, ...] = (
    Target("docx_ratio", ".docx end to end ÷ raw lxml floor (10 pages)", 5.0, "<=", "×"),
    Target("pdf_ratio", ".pdf end to end ÷ pdfplumber text+tables floor (10 pages)", 1.25, "<=", "×"),
    Target("scaling_2_workers", "2 workers ÷ 1 worker throughput (200 documents)", 1.8, ">=", "×"),
    Target("help_s", "`lianfang --help`", 0.3, "<=", "s"),
    Target("first_doc_s", "first document in a fresh process", 2.5, "<=", "s"),
    Target("peak_rss_mb", "peak RSS per worker, 300-page .docx", 400.0, "<=", "MB"),
    Target("rss_flat", "worker RSS flat across the batch", True, "==", ""),
    Target("projection_10k_s", "10,000 ten-page .docx on 2 cores", 300.0, "<", "s"),
)


def ratio(pipeline_s: float | None, floor_s: float | None) -> float | None:
    """Pipeline time over floor time; None when either is missing or the floor is zero."""
    if pipeline_s is None or floor_s is None or floor_s <= 0:
        return None
    return pipeline_s / floor_s


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def evaluate(target: Target, measured: float | bool | None) -> dict[str, Any]:
    """Pass/miss of one target and, on a miss, by how much (as words a reader can act on)."""
    out: dict[str, Any] = {"key": target.key, "label": target.label, "limit": target.limit, "op": target.op,
                           "unit": target.unit, "measured": measured, "pass": None, "miss_by": None}
    if measured is None:
        out["miss_by"] = "not available"
        return out
    if target.op == "==":
        out["pass"] = bool(measured) == bool(target.limit)
        if not out["pass"]:
            out["miss_by"] = "not flat" if target.limit else "unexpectedly flat"
        return out
    m, lim = float(measured), float(target.limit)
    ok = {"<=": m <= lim, "<": m < lim, ">=": m >= lim}[target.op]
    out["pass"] = ok
    if not ok:
        if target.op in ("<=", "<"):
            out["miss_by"] = f"{m / lim:.2f}× the limit ({m - lim:+.3g}{_sep(target.unit)})"
        else:
            out["miss_by"] = f"{m / lim:.0%} of the minimum ({m - lim:+.3g}{_sep(target.unit)})"
    return out


def _sep(unit: str) -> str:
    return unit if unit in ("×", "") else " " + unit


def fmt_value(v: float | bool | None, unit: str = "") -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if unit == "×":
        return f"{v:.2f}×"
    if unit == "s":
        return f"{v:.3f} s" if v < 10 else f"{v:.1f} s"
    if unit == "MB":
        return f"{v:.0f} MB"
    return f"{v:.3g}"


def stage_split(stages: dict[str, float | None]) -> list[tuple[str, float, float]]:
    """``(stage, seconds, share)`` of the measured stages, largest first."""
    have = {k: v for k, v in stages.items() if v is not None}
    total = sum(have.values())
    if total <= 0:
        return []
    return sorted(((k, v, v / total) for k, v in have.items()), key=lambda x: -x[1])


Proc = tuple[int, int, float]  # (pid, depth below the sampled process, RSS in MB)
Sample = tuple[float, float, list[Proc]]  # (seconds since start, the process's own RSS, its descendants)


def worker_series(samples: list[Sample]) -> list[tuple[float, float, list[float]]]:
    """``(t, parent_mb, [worker_mb, …])`` for the samples taken while workers were alive.

    Workers are the descendants at depth 2 when there are any (a fork server at depth 1 starts
    them) and otherwise those at depth 1. The rule is chosen once for the whole run, so that the
    idle fork server left at the end is not taken for a worker.
    """
    deep = any(d >= 2 for _, _, procs in samples for _, d, _ in procs)
    out = []
    for t, parent, procs in samples:
        ws = [mb for _, d, mb in procs if (d >= 2 if deep else d == 1)]
        if ws:
            out.append((t, parent, ws))
    return out


def summarise_rss(samples: list[Sample], n_docs: int | None = None,
                  tolerance_mb: float = 25.0, tolerance_frac: float = 0.10) -> dict[str, Any]:
    """First/last/max of the workers' RSS over a batch and whether it stayed flat.

    The worker series is the largest worker at each sample taken while workers were alive
    (workers are recycled, so it saws up and down); "first" and "last" are medians over the first
    and last fifth of those samples (the first tenth, the workers' start-up, skipped), which a
    single recycled worker cannot swing. Flat: last ≤
    first × (1 + tolerance_frac) + tolerance_mb. The parent's RSS is summarised over all samples.
    """
    active = worker_series(samples)
    series = [max(ws) for _, _, ws in active]
    parent = [p for _, p, _ in samples]
    out: dict[str, Any] = {"samples": len(samples), "worker_samples": len(series),
                           "workers_seen": len({pid for _, _, procs in samples for pid, _, _ in procs}),
                           "worker_first_mb": None, "worker_last_mb": None,
                           "worker_max_mb": None, "parent_first_mb": None, "parent_last_mb": None,
                           "parent_max_mb": max(parent) if parent else None, "flat": None}
    if len(series) < 4:
        return out
    w = max(1, len(series) // 5)
    skip = len(series) // 10  # the first workers' start-up (imports, lexicons) is not a trend
    first, last = statistics.median(series[skip:skip + w]), statistics.median(series[-w:])
    pa = [p for _, p, _ in active]  # the parent while the workers ran: it collects their results
    pfirst, plast = statistics.median(pa[skip:skip + w]), statistics.median(pa[-w:])
    out.update(worker_first_mb=first, worker_last_mb=last, worker_max_mb=max(series),
               parent_first_mb=pfirst, parent_last_mb=plast,
               flat=last <= first * (1 + tolerance_frac) + tolerance_mb)
    if n_docs:
        # growth while the workers run; the end of the run (summary, imports) is reported apart
        out["parent_growth_mb_per_1000_docs"] = (plast - pfirst) / n_docs * 1000
        out["parent_end_of_run_max_mb"] = max(parent)
    return out


def best_speedup(batch: dict[str, Any]) -> float | None:
    """The fastest 1-worker run ÷ the fastest 2-worker run: on a shared host other work only ever adds
    time, so the best runs show what the code does; the medians are the target's figure."""
    runs = batch.get("runs") or {}
    one, two = runs.get("jobs1_s") or [], runs.get("jobs2_s") or []
    return min(one) / min(two) if one and two and min(two) > 0 else None


def amdahl_serial_fraction(speedup: float | None, workers: int = 2) -> float | None:
    """The serial share of the 1-worker time that explains ``speedup`` on ``workers`` workers."""
    if not speedup or speedup <= 0:
        return None
    return max(0.0, min(1.0, (workers / speedup - 1) / (workers - 1)))


# ----------------------------------------------------------------------------------------------
# the machine
# ----------------------------------------------------------------------------------------------

LIBRARIES = ("lxml", "python-docx", "pdfplumber", "pdfminer.six", "pypdfium2", "openpyxl", "jieba", "spacy",
             "pydantic", "click", "networkx", "Jinja2", "PyYAML")


def cpu_ticks() -> list[int] | None:
    """The machine's CPU time so far by kind (``/proc/stat``: user nice system idle iowait irq
    softirq steal …), in clock ticks; None off Linux."""
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def steal_share(before: list[int] | None, after: list[int] | None) -> float | None:
    """The share of the CPU time between two readings that the hypervisor gave to other guests
    (steal): on a shared virtual machine it slows everything, whatever our own load."""
    if not before or not after or len(before) < 8 or len(after) < 8:
        return None
    total = sum(after[:8]) - sum(before[:8])
    return (after[7] - before[7]) / total if total > 0 else None


def busy_seconds(before: list[int] | None, after: list[int] | None) -> float | None:
    """CPU seconds the machine spent working between two readings (user, nice, system, irq, softirq;
    not idle, iowait or steal), on all cores together."""
    if not before or not after or len(before) < 8 or len(after) < 8:
        return None
    d = [b - a for a, b in zip(before, after, strict=False)]
    return (d[0] + d[1] + d[2] + d[5] + d[6]) / os.sysconf("SC_CLK_TCK")


def host_speed(t1: list[float], t2: list[float], c1: list[float], c2: list[float]) -> dict[str, Any]:
    """The same work costs more CPU when both cores are busy on a shared host (siblings of one
    physical core, a neighbour's load, steal): ``cpu_ratio`` is the 2-worker runs' CPU over the
    1-worker runs' (medians; 1.0 on a host whose cores do not slow each other). The speed-up times
    that ratio is the one our code gets — what is left of 2× is its own idle and serial time."""
    m1, m2, k1, k2 = median(t1), median(t2), median(c1), median(c2)
    if not (m1 and m2 and k1 and k2):
        return {}
    ratio = k2 / k1
    idle2 = [max(0.0, 1 - c / (2 * w)) for w, c in zip(t2, c2, strict=False) if w > 0]
    return {"cpu1_s": k1, "cpu2_s": k2, "cpu_ratio": ratio, "speedup_host_corrected": m1 / m2 * ratio,
            "idle_share_2": median(idle2)}


def measure_fixed(folder: Path, use_check: bool, jobs1_s: float | None, repeats: int = 3) -> dict[str, Any]:
    """The batch's fixed cost: `check` over its first unit folder alone, 1 worker (start-up, the
    workers' warm-up, one unit, the summary, exit), and the speed-up ceiling it sets on the batch:
    with ``s`` fixed out of ``jobs1_s``, two workers at best take s + (jobs1_s - s) / 2."""
    if not use_check:
        return {"available": False, "reason": "`lianfang check` is not available"}
    first = next((d for d in sorted(folder.iterdir()) if d.is_dir()), None)
    if first is None:
        return {"available": False, "reason": f"{folder} has no unit folder"}
    walls = []
    for _ in range(repeats):
        r = run_batch(first, 1, use_check, sample=False)
        if not r["ok"]:
            return {"available": False, "reason": f"exit {r['rc']}: {r['stderr_tail']}"}
        walls.append(r["wall_s"])
    s = min(walls)  # what start-up costs when nothing else slows it
    res: dict[str, Any] = {"available": True, "unit": first.name, "runs_s": walls, "fixed_s": s}
    if jobs1_s and jobs1_s > s:
        res["ceiling"] = jobs1_s / (s + (jobs1_s - s) / 2)
    return res


def machine() -> dict[str, Any]:
    from importlib import metadata

    info: dict[str, Any] = {"python": platform.python_version(), "implementation": platform.python_implementation(),
                            "os": platform.platform(), "cores": os.cpu_count()}
    try:
        info["cores_usable"] = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    info["libraries"] = {}
    for lib in LIBRARIES:
        try:
            info["libraries"][lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            info["libraries"][lib] = None
    try:
        from pipeline import __version__

        info["lianfang"] = __version__
    except ImportError:
        info["lianfang"] = None
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe:
        try:
            out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
            info["libreoffice"] = out.splitlines()[0] if out else None
        except (subprocess.TimeoutExpired, OSError):
            info["libreoffice"] = None
    try:
        root = Path(__file__).resolve().parent.parent
        info["git_commit"] = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                            capture_output=True, text=True, timeout=10).stdout.strip() or None
    except (subprocess.TimeoutExpired, OSError):
        info["git_commit"] = None
    info["loadavg_start"] = os.getloadavg()
    info["cpu_ticks_start"] = cpu_ticks()
    return info


# ----------------------------------------------------------------------------------------------
# memory of processes (Linux /proc)
# ----------------------------------------------------------------------------------------------

def _status_kb(pid: int | str, field: str) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def rss_mb(pid: int | str = "self") -> float | None:
    kb = _status_kb(pid, "VmRSS:")
    return kb / 1024 if kb is not None else None


def hwm_mb(pid: int | str = "self") -> float | None:
    kb = _status_kb(pid, "VmHWM:")
    return kb / 1024 if kb is not None else None


def cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) a living process has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


class CpuSampler(threading.Thread):
    """The CPU used by a process and every descendant, read from /proc every ``interval`` seconds.

    Workers are children of the fork server, which is orphaned when the batch ends, so their time
    never reaches ``os.times()`` of the benchmark; a worker's last ``interval`` is not seen."""

    def __init__(self, root: int, interval: float = 0.5):
        super().__init__(daemon=True, name="cpu-sampler")
        self.root, self.interval = root, interval
        self.seen: dict[int, float] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            for pid in [self.root] + [p for p, _ in descendants(self.root)]:
                c = cpu_s(pid)
                if c is not None:
                    self.seen[pid] = max(c, self.seen.get(pid, 0.0))
            self._stop_event.wait(self.interval)

    def stop(self) -> dict[int, float]:
        self._stop_event.set()
        self.join(5)
        return self.seen


def descendants(root: int) -> list[tuple[int, int]]:
    """``(pid, depth)`` of every living descendant of ``root`` (fork server and workers included)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields start after the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out: list[tuple[int, int]] = []
    todo = [(root, 0)]
    while todo:
        pid, depth = todo.pop()
        for c in children.get(pid, []):
            out.append((c, depth + 1))
            todo.append((c, depth + 1))
    return out


class RssSampler(threading.Thread):
    """Samples the RSS of a process and of its descendants every ``interval`` seconds."""

    def __init__(self, root: int, interval: float = 0.5, exclude: Sequence[int] = ()):
        super().__init__(daemon=True, name="rss-sampler")
        self.root, self.interval, self.exclude = root, interval, set(exclude)
        self.samples: list[Sample] = []
        self._stop_event = threading.Event()
        self._t0 = time.monotonic()

    def run(self) -> None:
        while not self._stop_event.is_set():
            parent = rss_mb(self.root)
            if parent is None:
                break
            kids = [(p, d, m) for p, d in descendants(self.root) if p not in self.exclude
                    for m in [rss_mb(p)] if m is not None]
            self.samples.append((time.monotonic() - self._t0, parent, kids))
            self._stop_event.wait(self.interval)

    def stop(self) -> list[Sample]:
        self._stop_event.set()
        self.join(5)
        return self.samples


# ----------------------------------------------------------------------------------------------
# the pipeline in this process, stage by stage
# ----------------------------------------------------------------------------------------------

class InProcessPipeline:
    """parse → each stage of pipeline.stages → checks → contract JSON written, timed per stage.

    It calls the same pieces as ``pipeline.api.process_file`` / ``lianfang check`` (parse_file,
    the stage modules' ``run``, ``pipeline.checks.check_documents``, the contract JSON written
    atomically), one at a time so that each can be timed. A piece that is missing is listed in
    ``missing``.
    """

    def __init__(self) -> None:
        from pipeline.stages import DEFAULT_STAGES, Context

        self.ctx = Context()
        self.written = 0
        self.stages: list[Any] = []
        self.missing: dict[str, str] = {}
        for name in DEFAULT_STAGES:
            try:
                self.stages.append(importlib.import_module(f"pipeline.{name}"))
            except Exception as e:  # a stage not written yet, or broken: measure without it
                self.missing[name] = f"{type(e).__name__}: {e}"
        self.check: Callable[[list[Any]], Any] | None = None
        try:
            from pipeline.checks import check_documents

            self.check = check_documents
        except Exception as e:
            self.missing["checks"] = f"{type(e).__name__}: {e}"

    def run(self, path: str | Path, out_dir: Path) -> tuple[float, dict[str, float | None], Any]:
        from pipeline.fsutil import atomic_write_text
        from pipeline.parse import parse_file

        times: dict[str, float | None] = dict.fromkeys(STAGES)
        t_start = t = time.perf_counter()
        doc = parse_file(path)
        doc.lexicon_fingerprint = self.ctx.lexicons.fingerprint
        times["parse"] = (t2 := time.perf_counter()) - t
        for m in self.stages:
            t = t2
            if doc.status != "failed":
                try:
                    out = m.run(doc, self.ctx)
                    if out is not None:
                        doc = out
                        doc.stages.append(m.NAME)
                except Exception as e:  # as run_stages does: the document goes on, partial
                    doc.add_error(m.NAME, "stage_failed", f"{path}: stage {m.NAME} failed ({type(e).__name__}: {e})")
            times[m.__name__.rsplit(".", 1)[1]] = (t2 := time.perf_counter()) - t
        if self.check is not None:
            t = t2
            try:
                self.check([doc])
            except Exception as e:
                _log.warning("checks failed on %s: %s", path, e)
            times["checks"] = (t2 := time.perf_counter()) - t
        t = t2
        # the contract JSON (Document.to_contract) serialised as `lianfang check` writes it; a new
        # name each time, as in a batch: replacing an existing file costs ~2 ms more on ext4 with
        # online discard (freeing the old blocks), a cost of repeating runs, not of the pipeline
        self.written += 1
        atomic_write_text(out_dir / f"{Path(path).name}.{self.written}.json",
                          doc.model_dump_json(exclude_none=True, exclude={"blocks", "sections"}, indent=1))
        times["write"] = (t2 := time.perf_counter()) - t
        return t2 - t_start, times, doc


def forget() -> None:
    """Empty the pipeline's per-text memos (``pipeline.memo``), where it has them."""
    try:
        from pipeline.memo import clear_all
    except ImportError:
        return
    clear_all()


def measure_item(name: str, item: dict[str, Any], pipe: InProcessPipeline, repeats: int, out_dir: Path,
                 with_reference: bool = False) -> dict[str, Any]:
    """Floor and pipeline, alternating, ``repeats`` times; medians and derived rates."""
    from benchmarks import floors

    path = Path(item["path"])
    fmt = item["format"]
    floor_fn = floors.FLOORS.get(fmt)
    floor_t: list[float] = []
    pipe_t: list[float] = []
    floor_cpu: list[float] = []
    pipe_cpu: list[float] = []
    stage_t: dict[str, list[float]] = {s: [] for s in STAGES}
    floor_chars = None
    doc = None
    inner = 1
    if floor_fn is not None:
        # one untimed run (file cache, lazy imports); a floor of a few ms is then timed 5× per
        # repeat, since one time slice lost to another process would otherwise decide its median
        t = time.perf_counter()
        floor_fn(path)
        inner = 5 if time.perf_counter() - t < 0.05 else 1
    for _ in range(repeats):
        for _ in range(inner if floor_fn is not None else 0):
            c, t = time.process_time(), time.perf_counter()
            floor_chars = floor_fn(path)  # type: ignore[misc]
            floor_t.append(time.perf_counter() - t)
            floor_cpu.append(time.process_time() - c)
        forget()  # a new document for the pipeline, not one whose every text it has seen
        c = time.process_time()
        total, times, doc = pipe.run(path, out_dir)
        pipe_cpu.append(time.process_time() - c)
        pipe_t.append(total)
        for s, v in times.items():
            if v is not None:
                stage_t[s].append(v)
    assert doc is not None
    text = doc.text()
    text_mb = len(text.encode("utf-8")) / MB
    pages = item.get("pages") or item.get("nominal_pages") or 1
    p_med, f_med = median(pipe_t), median(floor_t)
    res: dict[str, Any] = {
        "format": fmt, "pages": pages, "bytes": path.stat().st_size, "repeats": repeats,
        "status": doc.status, "errors": [e.message for e in doc.errors][:3],
        "risks": len(doc.risks), "measures": len(doc.measures), "findings": len(doc.findings),
        "text_chars": len(text), "floor_chars": floor_chars, "text_mb": text_mb,
        "floor_s": f_med, "pipeline_s": p_med, "ratio": ratio(p_med, f_med),
        # CPU time is less disturbed by other work on a shared machine: a second opinion on the ratio
        "floor_cpu_s": median(floor_cpu), "pipeline_cpu_s": median(pipe_cpu),
        "cpu_ratio": ratio(median(pipe_cpu), median(floor_cpu)),
        "stages": {s: median(v) for s, v in stage_t.items()},
        "docs_per_s": 1 / p_med if p_med else None,
        "pages_per_s": pages / p_med if p_med else None,
        "text_mb_per_s": text_mb / p_med if p_med else None,
        "runs": {"floor_s": floor_t, "pipeline_s": pipe_t, "floor_cpu_s": floor_cpu, "pipeline_cpu_s": pipe_cpu},
    }
    if with_reference and fmt in floors.REFERENCES:
        label, fn = floors.REFERENCES[fmt]
        t = time.perf_counter()
        fn(path)
        res["reference"] = {"label": label, "seconds": time.perf_counter() - t}
    _log.info("%-12s floor %s  pipeline %s  ratio %s (CPU %s)  %s", name, _ms(f_med), _ms(p_med),
              fmt_value(res["ratio"], "×"), fmt_value(res["cpu_ratio"], "×"), doc.status)
    return res


def _ms(s: float | None) -> str:
    return "n/a" if s is None else f"{s * 1000:.1f} ms"


# ----------------------------------------------------------------------------------------------
# fresh processes
# ----------------------------------------------------------------------------------------------

def lianfang_cmd() -> list[str]:
    """The ``lianfang`` script installed with this interpreter, else one on PATH, else the package
    run as a module. Beside the interpreter first: a version manager's shim on PATH (pyenv's costs
    ~0.1 s a call) would be timed as part of the tool."""
    beside = Path(sys.executable).with_name("lianfang")
    exe = str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which("lianfang")
    return [exe] if exe else [sys.executable, "-m", "pipeline"]


def precompile() -> dict[str, Any]:
    """Byte-compile the package, as ``pip install`` does: with PYTHONDONTWRITEBYTECODE set (or a
    read-only checkout) an editable install would otherwise compile every module from source in every
    process, ~0.3 s that an installed copy never pays."""
    import compileall

    try:
        import pipeline
    except Exception as e:
        return {"done": False, "reason": f"{type(e).__name__}: {e}"}
    root = Path(pipeline.__file__).resolve().parent
    ok = compileall.compile_dir(str(root), quiet=1, workers=1)
    return {"done": bool(ok), "package": str(root)}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _timed(cmd: list[str], timeout: float = 600, **kw: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_env(), **kw)
    return time.perf_counter() - t, proc


def _tail(text: str, n: int = 300) -> str:
    return " ".join(text.strip().split())[-n:]


def measure_help(repeats: int) -> dict[str, Any]:
    cmd = lianfang_cmd() + ["--help"]
    runs = []
    for _ in range(repeats):
        t, proc = _timed(cmd, timeout=60)
        if proc.returncode != 0:
            return {"available": False, "reason": f"exit {proc.returncode}: {_tail(proc.stderr)}"}
        runs.append(t)
    res: dict[str, Any] = {"available": True, "command": " ".join(cmd), "median_s": median(runs), "runs": runs}
    # the interpreter's own start-up (site-packages .pth files included), which lianfang cannot change
    res["python_startup_s"] = median([_timed([sys.executable, "-c", "pass"], timeout=60)[0] for _ in range(repeats)])
    res["top_imports"] = import_profile([sys.executable, "-X", "importtime", "-m", "pipeline", "--help"])
    return res


def import_profile(cmd: list[str], top: int = 6) -> list[tuple[str, float]]:
    """The slowest top-level imports of ``cmd`` (python -X importtime), cumulative seconds."""
    try:
        _, proc = _timed(cmd, timeout=60)
    except (subprocess.TimeoutExpired, OSError):
        return []
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        try:
            _, cum, name = line.split(":", 1)[1].split("|")
            cum_us = float(cum)
        except ValueError:
            continue
        if not name.startswith("  "):  # depth 0 is one space of indent
            rows.append((name.strip(), cum_us / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


def measure_first_doc(path: Path, repeats: int) -> dict[str, Any]:
    """`lianfang extract ONE --out TMP` in a fresh process, and the breakdown of the same in --_one."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="lianfang-bench-") as tmp:
        for k in range(repeats):
            cmd = lianfang_cmd() + ["extract", str(path), "--out", f"{tmp}/o{k}"]
            t, proc = _timed(cmd, timeout=600)
            if proc.returncode != 0 or not any(Path(tmp, f"o{k}").glob("*.json")):
                return {"available": False, "reason": f"exit {proc.returncode}: {_tail(proc.stderr)}"}
            runs.append(t)
    res: dict[str, Any] = {"available": True, "file": path.name, "median_s": median(runs), "runs": runs}
    res["breakdown"] = run_one(path)
    return res


def run_one(path: Path, timeout: float = 1200) -> dict[str, Any]:
    """The whole pipeline on one file in a fresh process: import, context, stages, peak RSS."""
    try:
        t, proc = _timed([sys.executable, "-m", "benchmarks.run", "--_one", str(path)], timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"available": False, "reason": f"timed out after {timeout:g} s"}
    if proc.returncode != 0:
        return {"available": False, "reason": f"exit {proc.returncode}: {_tail(proc.stderr)}"}
    try:
        res: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"available": False, "reason": f"unreadable output: {_tail(proc.stdout)}"}
    res["wall_s"] = t
    res["available"] = True
    return res


def _one_main(path: str) -> int:
    """--_one: what a fresh worker does with its first document, measured from the inside."""
    t0 = time.perf_counter()
    import pipeline.api  # noqa: F401  (the import is what is being timed)

    t_import = time.perf_counter() - t0
    t = time.perf_counter()
    pipe = InProcessPipeline()
    t_ctx = time.perf_counter() - t
    rss_before = rss_mb()
    with tempfile.TemporaryDirectory(prefix="lianfang-bench-") as tmp:
        total, times, doc = pipe.run(path, Path(tmp))
    out = {"import_s": t_import, "context_s": t_ctx, "document_s": total, "stages": times,
           "status": doc.status, "rss_before_mb": rss_before, "peak_rss_mb": hwm_mb(),
           "missing": pipe.missing}
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


# ----------------------------------------------------------------------------------------------
# batches: `lianfang check --jobs N`, with the workers' memory sampled
# ----------------------------------------------------------------------------------------------

def check_available() -> tuple[bool, str]:
    try:
        _, proc = _timed(lianfang_cmd() + ["check", "--help"], timeout=60)
    except (subprocess.TimeoutExpired, OSError) as e:
        return False, str(e)
    return proc.returncode == 0, _tail(proc.stderr or proc.stdout)


def run_batch(folder: Path, jobs: int, use_check: bool, sample: bool = True, limit: int | None = None,
              cpu: bool = False) -> dict[str, Any]:
    """One batch over ``folder`` in a subprocess; wall time, exit code and RSS samples."""
    with tempfile.TemporaryDirectory(prefix="lianfang-bench-") as tmp:
        if use_check:
            cmd = lianfang_cmd() + ["check", str(folder), "--jobs", str(jobs), "--no-cache", "--out",
                                    f"{tmp}/out", "--quiet", "--fail-on", "never"]
        else:
            cmd = [sys.executable, "-m", "benchmarks.run", "--_batch", str(folder), "--jobs", str(jobs),
                   "--out", f"{tmp}/out"] + (["--limit", str(limit)] if limit else [])
        with open(f"{tmp}/stdout", "w") as so, open(f"{tmp}/stderr", "w") as se:
            t = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=so, stderr=se, env=_env())
            sampler = RssSampler(proc.pid) if sample else None
            if sampler:
                sampler.start()
            cpus = CpuSampler(proc.pid) if cpu else None
            if cpus:
                cpus.start()
            rc = proc.wait()
            wall = time.perf_counter() - t
            samples = sampler.stop() if sampler else []
            seen = cpus.stop() if cpus else {}
        err = Path(f"{tmp}/stderr").read_text(errors="replace")
        written = sum(1 for _ in Path(f"{tmp}/out").rglob("*.json")) if Path(f"{tmp}/out").exists() else 0
    return {"jobs": jobs, "wall_s": wall, "rc": rc, "ok": rc in (0, 1), "json_written": written,
            "stderr_tail": _tail(err) if rc not in (0, 1) else "", "samples": samples,
            "parent_cpu_s": seen.get(proc.pid), "tree_cpu_s": sum(v for k, v in seen.items() if k != proc.pid)}


_FALLBACK_CTX: Any = None


def _fallback_task(path: str, out: str) -> str:
    """One document in a fallback worker: what `check` does per document, plus the JSON."""
    global _FALLBACK_CTX
    from pipeline.api import process_file
    from pipeline.fsutil import atomic_write_text
    from pipeline.stages import Context

    if _FALLBACK_CTX is None:
        _FALLBACK_CTX = Context()
    doc = process_file(path, _FALLBACK_CTX)
    atomic_write_text(Path(out) / (Path(path).name + ".json"),
                      json.dumps(doc.to_contract(), ensure_ascii=False, indent=1))
    return doc.status


def _batch_main(folder: str, jobs: int, out: str, limit: int | None = None) -> int:
    """--_batch: the per-document work of a batch over pipeline.workers alone (no checks, no reports).

    Used when `lianfang check` is missing, and to tell a slow pool from a slow parent."""
    # by module name, not as __main__'s: the workers unpickle the function from benchmarks.run
    from benchmarks.run import _fallback_task as task
    from pipeline.parse import iter_inputs
    from pipeline.workers import Limits, Task, WorkerPool

    files = iter_inputs([folder])[:limit]
    # the fork server imports these once so that each worker starts warm, as `check` does
    pool = WorkerPool(task, jobs=jobs, limits=Limits(timeout=600),
                      preload=("pipeline.workers", "pipeline.api", "pipeline.parse.docx"))
    failed = 0
    with pool:
        for r in pool.run(Task(i, (str(f), out), str(f)) for i, f in enumerate(files)):
            failed += not r.ok
    return 2 if failed == len(files) else 0


def measure_batches(folder: Path, n: int, repeats: int, rss_folder: Path | None, rss_n: int | None) -> dict[str, Any]:
    """1 and 2 workers on ``folder`` (alternating, ``repeats`` times), then the RSS batch."""
    use_check, why = check_available()
    res: dict[str, Any] = {"n": n, "method": "lianfang check --no-cache" if use_check else
                           "fallback: pipeline.workers.WorkerPool over api.process_file (no checks/reports)"}
    if not use_check:
        res["check_missing"] = why
        try:
            importlib.import_module("pipeline.workers")
        except Exception as e:
            return {"available": False, "reason": f"neither `lianfang check` nor pipeline.workers: {e}"}
    t1, t2 = [], []
    cpu: dict[int, list[float]] = {1: [], 2: []}
    steal: dict[int, list[float]] = {1: [], 2: []}
    rss_run = None
    for k in range(repeats):
        for jobs, bucket in ((1, t1), (2, t2)):
            _log.info("batch of %d, %d worker(s), run %d/%d …", n, jobs, k + 1, repeats)
            before = cpu_ticks()
            r = run_batch(folder, jobs, use_check)
            after = cpu_ticks()
            if not r["ok"]:
                return {**res, "available": False, "reason": f"exit {r['rc']}: {r['stderr_tail']}"}
            if r["json_written"] < n:
                res.setdefault("warnings", []).append(f"{jobs} worker(s): {r['json_written']} JSON written for {n} documents")
            bucket.append(r["wall_s"])
            busy = busy_seconds(before, after)
            if busy is not None:
                cpu[jobs].append(busy)
                steal[jobs].append(steal_share(before, after) or 0.0)
            if jobs == 2 and rss_folder is None and rss_run is None:
                rss_run = r
    m1, m2 = median(t1), median(t2)
    speedup = m1 / m2 if m1 and m2 else None
    res.update(available=True, jobs1_s=m1, jobs2_s=m2, runs={"jobs1_s": t1, "jobs2_s": t2}, speedup=speedup,
               docs_per_s_1=n / m1 if m1 else None, docs_per_s_2=n / m2 if m2 else None,
               serial_fraction=amdahl_serial_fraction(speedup))
    if cpu[1] and cpu[2]:
        res["runs"].update(cpu1_s=cpu[1], cpu2_s=cpu[2], steal1=steal[1], steal2=steal[2])
        res.update(host_speed(t1, t2, cpu[1], cpu[2]))
    _log.info("start-up and finish alone: one unit folder, 1 worker …")
    res["fixed"] = measure_fixed(folder, use_check, m1)
    if use_check and speedup is not None and speedup < 1.8:
        res["pool_only"] = pool_only_scaling(folder, min(n, 60))
    if rss_folder is not None and rss_n:
        _log.info("RSS batch of %d documents, 2 workers …", rss_n)
        rss_run = run_batch(rss_folder, 2, use_check)
        if not rss_run["ok"]:
            res["rss"] = {"available": False, "reason": f"exit {rss_run['rc']}: {rss_run['stderr_tail']}"}
            return res
    rss_docs = rss_n if rss_folder is not None and rss_n else n
    assert rss_run is not None
    res["rss"] = {"available": True, "n": rss_docs, "jobs": 2, "wall_s": rss_run["wall_s"],
                  "docs_per_s": rss_docs / rss_run["wall_s"],
                  **summarise_rss(rss_run["samples"], rss_docs),
                  # (t, parent MB, largest worker MB) for plotting
                  "series": _thin([(round(t, 1), round(p), round(max(ws)))
                                   for t, p, ws in worker_series(rss_run["samples"])], 120)}
    return res


def measure_tenk(folder: Path, n: int) -> dict[str, Any]:
    """The 10,000 target measured whole: one `lianfang check` over ``n`` documents, 2 workers, no
    cache, every unit report written; wall time and the CPU of the parent and of its children."""
    if not check_available()[0]:
        return {"available": False, "reason": "`lianfang check` is not available"}
    _log.info("%d documents, 2 workers, timed whole …", n)
    before = cpu_ticks()
    r = run_batch(folder, 2, use_check=True, sample=False, cpu=True)
    steal = steal_share(before, cpu_ticks())
    if not r["ok"]:
        return {"available": False, "reason": f"exit {r['rc']}: {r['stderr_tail']}"}
    parent, tree = r["parent_cpu_s"] or 0.0, r["tree_cpu_s"]
    return {"available": True, "n": n, "wall_s": r["wall_s"], "docs_per_s": n / r["wall_s"],
            "json_written": r["json_written"], "cpu_s": parent + tree, "parent_cpu_s": parent,
            "workers_cpu_s": tree, "cpu_ms_per_doc": (parent + tree) / n * 1000, "steal": steal}


# (module, function, label) timed by measure_unit_split: what a worker does for a unit of `check`
UNIT_PARTS: tuple[tuple[str, str, str], ...] = (
    ("pipeline.batch", "_process", "read (parse + extract)"),
    ("pipeline.checks", "run_checks", "checks"),
    ("pipeline.report.view", "build_unit_report", "report model"),
    ("pipeline.report.xlsx", "render_unit", "Excel"),
    ("pipeline.report.html", "render_unit", "HTML"),
    ("pipeline.report.markdown", "render_unit", "Markdown"),
    ("pipeline.report.csv", "to_csv", "CSV"),
    ("pipeline.batch", "_graph_svg", "graph SVG"),
    ("pipeline.batch", "_rows_blob", "summary rows"),
    ("pipeline.batch", "_frag_blob", "summary JSON"),
    ("pipeline.batch", "_write", "files written"),
)


def measure_unit_split(folder: Path, units: int = 20) -> dict[str, Any]:
    """Where the CPU of one unit of `lianfang check` goes: ``units`` unit folders of ``folder`` run
    through the batch's own code in this process (its inline runner instead of worker processes),
    with the pieces of UNIT_PARTS wrapped and timed in CPU time. A piece that does not exist is
    left out; what no piece covers is "other" (walk, cache, JSON, unit grouping …)."""
    try:
        from pipeline import batch
    except Exception as e:
        return {"available": False, "reason": f"{type(e).__name__}: {e}"}
    if not hasattr(batch, "_InlineRunner") or not hasattr(batch, "_Run"):
        return {"available": False, "reason": "pipeline.batch has no inline runner"}
    dirs = sorted(d for d in folder.iterdir() if d.is_dir())
    if len(dirs) < units + 2:
        return {"available": False, "reason": f"{folder} has fewer than {units + 2} unit folders"}
    spent: Counter[str] = Counter()
    patched: list[tuple[Any, str, Any]] = []

    def timed(fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent[label] += time.process_time() - t
        return wrapper

    for mod_name, fn_name, label in UNIT_PARTS:
        try:
            mod = importlib.import_module(mod_name)
        except Exception:
            continue
        fn = getattr(mod, fn_name, None)
        if fn is not None:
            patched.append((mod, fn_name, fn))
            setattr(mod, fn_name, timed(fn, label))
    runner = batch._Run.runner
    batch._Run.runner = lambda self, parsing: batch._InlineRunner(self.queue)  # type: ignore[method-assign]
    # the collector as a worker runs it (fewer young collections, what stays frozen after the first
    # task): under the default settings collections alone added ~8% that no worker pays
    threshold, froze = gc.get_threshold(), False
    gc.set_threshold(*getattr(batch, "WORKER_GC_THRESHOLD", threshold))
    try:
        with tempfile.TemporaryDirectory(prefix="lianfang-bench-units-") as tmp:
            opts = batch.BatchOptions(use_cache=False)
            batch.run_batch([str(d) for d in dirs[:2]], Path(tmp) / "warm", opts)  # imports, templates
            if not gc.get_freeze_count():  # a caller's frozen objects are left as they are
                gc.freeze()
                froze = True
            spent.clear()
            c = time.process_time()
            batch.run_batch([str(d) for d in dirs[2:2 + units]], Path(tmp) / "run", opts)
            total = time.process_time() - c
    except Exception as e:
        return {"available": False, "reason": f"{type(e).__name__}: {e}"}
    finally:
        if froze:
            gc.unfreeze()
        gc.set_threshold(*threshold)
        batch._Run.runner = runner  # type: ignore[method-assign]
        for mod, fn_name, fn in patched:
            setattr(mod, fn_name, fn)
    # nested pieces (the Excel inside a unit's reports) are not nested here: each is its own call
    parts = {k: v / units * 1000 for k, v in spent.most_common()}
    parts["other"] = max(0.0, total / units * 1000 - sum(parts.values()))
    return {"available": True, "units": units, "ms_per_unit": total / units * 1000, "parts_ms": parts}


def pool_only_scaling(folder: Path, n: int) -> dict[str, Any]:
    """The per-document work alone (pipeline.workers, no parent-side checks or reports), 1 vs 2 workers.

    Run when `check` scales badly, to tell a slow pool from a slow parent."""
    _log.info("diagnosis: the worker pool alone on %d documents, 1 and 2 workers …", n)
    r1 = run_batch(folder, 1, use_check=False, sample=False, limit=n)
    r2 = run_batch(folder, 2, use_check=False, sample=False, limit=n)
    if not (r1["ok"] and r2["ok"]):
        return {"available": False, "reason": r1["stderr_tail"] or r2["stderr_tail"]}
    return {"available": True, "n": n, "jobs1_s": r1["wall_s"], "jobs2_s": r2["wall_s"],
            "speedup": r1["wall_s"] / r2["wall_s"], "docs_per_s_2": n / r2["wall_s"]}


def _thin(rows: list[Any], keep: int) -> list[Any]:
    if len(rows) <= keep:
        return rows
    step = len(rows) / keep
    return [rows[int(i * step)] for i in range(keep)] + [rows[-1]]


# ----------------------------------------------------------------------------------------------
# the run
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    items: dict[str, int]  # corpus item → repeats
    pdf_pages: tuple[int, ...]
    batch_n: int
    batch_repeats: int
    rss_n: int | None  # a separate, larger batch for the RSS test (None: sample the scaling run)
    help_repeats: int
    first_repeats: int
    tenk_n: int | None = None  # a batch checked once with 2 workers, timed whole (the 10,000 target)


QUICK = Plan(items={"docx-1p": 3, "docx-10p": 3, "docx-10p-lean": 3, "docx-100p": 1, "pdf-1p": 3, "pdf-10p": 2, "xlsx-10p": 3,
                    "txt-10p": 3}, pdf_pages=(1, 10), batch_n=200, batch_repeats=1, rss_n=None,
             help_repeats=5, first_repeats=3)
FULL = Plan(items={"docx-1p": 5, "docx-10p": 5, "docx-10p-lean": 5, "docx-100p": 3, "docx-300p": 3, "pdf-1p": 5, "pdf-10p": 5,
                   "pdf-100p": 3, "xlsx-10p": 5, "xlsx-100p": 3, "txt-10p": 5, "txt-100p": 3},
            pdf_pages=(1, 10, 100), batch_n=200, batch_repeats=5, rss_n=2000, help_repeats=9, first_repeats=5,
            tenk_n=10_000)

SECTIONS = ("formats", "startup", "peak", "batch", "tenk")


def warm_up_items(manifest: dict[str, dict[str, Any]], wanted: dict[str, int]) -> list[str]:
    """The smallest item of each format to be measured (run once, untimed, before timing)."""
    best: dict[str, str] = {}
    for name in wanted:
        item = manifest.get(name)
        if item is None:
            continue
        fmt = str(item["format"])
        if fmt not in best or int(item["pages"] or 0) < int(manifest[best[fmt]]["pages"] or 0):
            best[fmt] = name
    return list(best.values())


def run(plan: Plan, corpus: Path, skip: set[str]) -> dict[str, Any]:
    from benchmarks import floors
    from benchmarks.generate import build_corpus

    t_run = time.perf_counter()
    results: dict[str, Any] = {"mode": "quick" if plan is QUICK else "full",
                               "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine()}
    results["bytecode"] = precompile()
    _log.info("corpus …")
    batches = (plan.batch_n,) + ((plan.rss_n,) if plan.rss_n else ()) \
        + ((plan.tenk_n,) if plan.tenk_n and "tenk" not in skip else ())
    manifest = build_corpus(corpus, pdf_pages=plan.pdf_pages, batches=batches)
    results["corpus"] = {k: {kk: vv for kk, vv in v.items() if kk != "cached"} for k, v in manifest.items()}

    formats: dict[str, Any] = {}
    missing: dict[str, str] = {}
    if "formats" not in skip:
        floors.warm_up()
        pipe = InProcessPipeline()
        missing = pipe.missing
        with tempfile.TemporaryDirectory(prefix="lianfang-bench-") as tmp:
            # warm: lexicons, jieba's dictionary, spaCy, pdfplumber — a worker pays these once, and
            # which of them a document needs depends on its format and kind: one of each format
            for warm in warm_up_items(manifest, plan.items):
                pipe.run(manifest[warm]["path"], Path(tmp))
            for name, repeats in plan.items.items():
                if name in manifest:
                    formats[name] = measure_item(name, manifest[name], pipe, repeats, Path(tmp),
                                                 with_reference="-10p" in name)
    results["formats"] = formats
    results["missing_pipeline_parts"] = missing

    if "startup" not in skip:
        _log.info("lianfang --help …")
        results["help"] = measure_help(plan.help_repeats)
        _log.info("first document in a fresh process …")
        results["first_doc"] = measure_first_doc(Path(manifest["docx-10p"]["path"]), plan.first_repeats)
        if "txt-10p" in manifest:  # prose-heavy reports load the segmenter: the other first-document case
            results["first_doc_txt"] = measure_first_doc(Path(manifest["txt-10p"]["path"]), plan.first_repeats)
    if "peak" not in skip:
        results["peak"] = {}
        for name in ("docx-300p", "pdf-100p") if plan is FULL else ("docx-300p",):
            if name in manifest:
                _log.info("peak RSS on %s in a fresh process …", name)
                results["peak"][name] = run_one(Path(manifest[name]["path"]))
    batch_dir = Path(manifest[f"batch-{plan.batch_n}"]["path"])  # the batch, and the units split by part
    if "batch" not in skip:
        rss_key = f"batch-{plan.rss_n}" if plan.rss_n else None
        results["batch"] = measure_batches(
            batch_dir, plan.batch_n, plan.batch_repeats,
            Path(manifest[rss_key]["path"]) if rss_key else None, plan.rss_n)
    if "batch" not in skip or (plan.tenk_n and "tenk" not in skip):
        _log.info("CPU of one unit, by part …")
        results["unit_split"] = measure_unit_split(batch_dir)
    if plan.tenk_n and "tenk" not in skip:
        results["tenk"] = measure_tenk(Path(manifest[f"batch-{plan.tenk_n}"]["path"]), plan.tenk_n)
        if results["tenk"].get("available") and (results.get("unit_split") or {}).get("available"):
            # the same units again: the host's speed varies by half within minutes (steal or not), so the
            # 10k run's CPU is read between the two
            _log.info("CPU of one unit again, after the 10,000 …")
            results["unit_split_after"] = measure_unit_split(batch_dir)
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["machine"]["steal"] = steal_share(results["machine"].get("cpu_ticks_start"), cpu_ticks())
    results["duration_s"] = time.perf_counter() - t_run
    headline(results)
    return results


def _times(x: float) -> str:
    """A multiple, with two figures below 10 (0.034×, 2.9×) and none above (43×)."""
    return f"{x:.2g}×" if x < 10 else f"{x:.0f}×"


def headline(results: dict[str, Any]) -> None:
    """The flat keys the issue asks for, and the verdict on every target."""
    f = results.get("formats", {})
    batch = results.get("batch") or {}
    rss = batch.get("rss") or {}
    peak = (results.get("peak") or {}).get("docx-300p") or {}

    def ok_ratio(name: str) -> float | None:
        item = f.get(name)
        return item["ratio"] if item and item["status"] != "failed" else None

    results["docx_ratio"] = ok_ratio("docx-10p")
    results["pdf_ratio"] = ok_ratio("pdf-10p")
    results["scaling_2_workers"] = batch.get("speedup") if batch.get("available") else None
    results["help_s"] = (results.get("help") or {}).get("median_s")
    results["first_doc_s"] = (results.get("first_doc") or {}).get("median_s")
    results["peak_rss_mb"] = peak.get("peak_rss_mb") if peak.get("available") else None
    results["rss_flat"] = rss.get("flat") if rss.get("available") else None
    tenk = results.get("tenk") or {}
    dps = tenk.get("docs_per_s") if tenk.get("available") else None
    dps = dps or (rss.get("docs_per_s") if rss.get("available") else None)
    dps = dps or (batch.get("docs_per_s_2") if batch.get("available") else None)
    results["docs_per_s"] = dps
    # measured whole when the run had the 10,000-document batch, else projected from the largest batch
    results["tenk_measured"] = bool(tenk.get("available")) and tenk.get("n") == 10_000
    results["projection_10k_s"] = (tenk["wall_s"] if results["tenk_measured"] else 10_000 / dps) if dps else None
    results["targets"] = []
    for t in TARGETS:
        v = evaluate(t, results.get(t.key))
        v["dominant"] = explain(t.key, results)  # on a miss, what dominates; otherwise the detail
        results["targets"].append(v)


def explain(key: str, r: dict[str, Any]) -> str:
    """What dominates a missed (or unavailable) target, from the measurements themselves."""
    f = r.get("formats", {})
    if key in ("docx_ratio", "pdf_ratio"):
        item = f.get("docx-10p" if key == "docx_ratio" else "pdf-10p")
        if not item:
            return "not measured"
        if item["status"] == "failed":
            return "the document failed to parse: " + "; ".join(item["errors"])
        split = stage_split(item["stages"])
        parts = ", ".join(f"{s} {v * 1000:.0f} ms ({sh:.0%})" for s, v, sh in split[:4])
        text = f"floor {item['floor_s'] * 1000:.0f} ms; pipeline {item['pipeline_s'] * 1000:.0f} ms = {parts}"
        lean = f.get("docx-10p-lean") if key == "docx_ratio" else None
        if lean and lean.get("ratio"):
            # the same text with a third of the markup: the floor shrinks, the pipeline's work does not
            text += (f"; the same document with lean markup (python-docx-like, no direct formatting): "
                     f"{lean['ratio']:.2f}× (floor {lean['floor_s'] * 1000:.0f} ms, "
                     f"pipeline {lean['pipeline_s'] * 1000:.0f} ms)")
        return text
    b = r.get("batch") or {}
    if key == "scaling_2_workers":
        if not b.get("available"):
            return b.get("reason", "not measured")
        sf = b.get("serial_fraction") or 0.0
        text = (f"{b['jobs1_s']:.1f} s → {b['jobs2_s']:.1f} s for {b['n']} documents ("
                + ("2 workers are slower than 1" if (b.get("speedup") or 0) < 1 else
                   f"by Amdahl ≈{sf:.0%} of the 1-worker time is serial") + ")")
        best = best_speedup(b)
        if best is not None and len(b["runs"]["jobs1_s"]) > 1:
            text += f"; best run against best run: {best:.2f}×"
        if b.get("cpu_ratio"):
            text += (f"; the same work took {b['cpu1_s']:.1f} s of CPU with 1 worker and {b['cpu2_s']:.1f} s with 2 "
                     f"({b['cpu_ratio'] - 1:+.0%}: this host's cores slow each other down), so our code's own "
                     f"speed-up is {b['speedup_host_corrected']:.2f}× with {b['idle_share_2']:.0%} of the 2 cores idle")
        fx = b.get("fixed") or {}
        if fx.get("available") and fx.get("ceiling"):
            text += (f"; start-up, warm-up and summary alone take {fx['fixed_s']:.2f} s (one unit folder), which "
                     f"caps the speed-up on this batch at {fx['ceiling']:.2f}×")
        po = b.get("pool_only") or {}
        if po.get("available"):
            text += (f"; the worker pool alone (parse+extract, no checks/reports) scales {po['speedup']:.2f}× on "
                     f"{po['n']} documents ({po['docs_per_s_2']:.1f} documents/s with 2 workers), so "
                     + ("the parent's serial part (result handling, summary) is what `check` adds"
                        if po["speedup"] >= (b.get("speedup") or 0) + 0.1 else
                        "the per-document work scales no better alone: start-up and the host, not the parent"))
        return text
    if key == "help_s":
        h = r.get("help")
        if not h:
            return "not measured"
        if not h.get("available", True):
            return h.get("reason", "")
        base = h.get("python_startup_s")
        return ((f"a bare `python -c pass` takes {base:.3f} s here; " if base else "")
                + "slowest imports: " + ", ".join(f"{n} {s * 1000:.0f} ms" for n, s in h.get("top_imports", [])[:4]))
    if key == "first_doc_s":
        fd = r.get("first_doc")
        if not fd:
            return "not measured"
        bd = fd.get("breakdown") or {}
        if not fd.get("available", True):
            return fd.get("reason", "")
        if not bd.get("available"):
            return "no breakdown"
        st = ", ".join(f"{s} {v:.2f} s" for s, v, _ in stage_split(bd["stages"])[:3])
        return f"import {bd['import_s']:.2f} s, context {bd['context_s']:.2f} s, first document {bd['document_s']:.2f} s ({st})"
    if key == "peak_rss_mb":
        p = (r.get("peak") or {}).get("docx-300p") or {}
        if not p.get("available"):
            return p.get("reason", "not measured")
        return (f"{p['rss_before_mb']:.0f} MB after imports and lexicons, {p['peak_rss_mb']:.0f} MB at peak "
                f"({p['document_s']:.1f} s on the document)")
    if key == "rss_flat":
        rss = b.get("rss") or {}
        if not rss.get("available"):
            return rss.get("reason", b.get("reason", "not measured"))
        if rss.get("worker_first_mb") is None:
            return f"too few samples with workers alive ({rss.get('worker_samples')})"
        growth = rss.get("parent_growth_mb_per_1000_docs")
        return (f"{rss['n']} documents: workers {rss['worker_first_mb']:.0f} → {rss['worker_last_mb']:.0f} MB "
                f"(max {rss['worker_max_mb']:.0f}, {rss['workers_seen']} processes); the parent (`check`) "
                f"{rss['parent_first_mb']:.0f} → {rss['parent_max_mb']:.0f} MB"
                + (f", {growth:+.0f} MB per 1,000 documents" if growth is not None else ""))
    if key == "projection_10k_s":
        if not r.get("docs_per_s"):
            return b.get("reason", "no batch measurement")
        item = f.get("docx-10p")
        per = f"; one 10-page .docx takes {item['pipeline_s'] * 1000:.0f} ms in one process" if item else ""
        how = ("measured: `lianfang check` over the 10,000 documents, 2 workers" if r.get("tenk_measured")
               else "projected from the largest batch measured")
        text = f"{how}; {r['docs_per_s']:.1f} documents/s with 2 workers{per}"
        tenk = r.get("tenk") or {}
        if tenk.get("available"):
            # 2 cores × 300 s = 600 core-seconds: the budget per document, everything included
            text += (f"; CPU {tenk['cpu_ms_per_doc']:.0f} ms per document against a budget of "
                     f"{2 * 300_000 / 10_000:.0f} ms (2 cores × 300 s ÷ 10,000)")
        split = r.get("unit_split") or {}
        if split.get("available"):
            top = list(split["parts_ms"].items())[:5]
            text += (f"; a unit of two documents takes {split['ms_per_unit']:.0f} ms of CPU in one process: "
                     + ", ".join(f"{k} {v:.0f} ms" for k, v in top))
            after = r.get("unit_split_after") or {}
            if after.get("available") and tenk.get("available"):
                text += (f"; the same units took {after['ms_per_unit']:.0f} ms each after the run, the run's "
                         f"workers {tenk['workers_cpu_s'] * 1000 / (tenk['n'] / 2):.0f} ms per unit"
                         " (the host's speed moves between runs)")
        return text
    return ""


# ----------------------------------------------------------------------------------------------
# output: console and Markdown
# ----------------------------------------------------------------------------------------------

def verdict(t: dict[str, Any]) -> str:
    return "n/a" if t["pass"] is None else ("PASS" if t["pass"] else "MISS")


def limit_text(t: dict[str, Any]) -> str:
    if t["op"] == "==":
        return "flat" if t["limit"] else "not flat"
    return f"{t['op']} {fmt_value(t['limit'], t['unit'])}"


def console_report(r: dict[str, Any]) -> str:
    lines = [f"lianfang benchmarks ({r['mode']}), {r['machine'].get('cpu', '?')}, {r['machine'].get('cores')} cores, "
             f"load {r['machine']['loadavg_start'][0]:.2f} → {r['machine'].get('loadavg_end', [0])[0]:.2f}", ""]
    lines.append(f"{'item':<11} {'pages':>5} {'floor':>9} {'pipeline':>10} {'ratio':>7} {'CPU×':>7} {'docs/s':>7} {'pages/s':>8} "
                 f"{'MB/s':>6}  status   stages (largest first)")
    for name, it in r.get("formats", {}).items():
        split = " ".join(f"{s}={v * 1000:.0f}ms" for s, v, _ in stage_split(it["stages"])[:4])
        lines.append(f"{name:<11} {it['pages']:>5} {_ms(it['floor_s']):>9} {_ms(it['pipeline_s']):>10} "
                     f"{fmt_value(it['ratio'], '×'):>7} {fmt_value(it.get('cpu_ratio'), '×'):>7} {it['docs_per_s'] or 0:>7.2f} {it['pages_per_s'] or 0:>8.1f} "
                     f"{it['text_mb_per_s'] or 0:>6.2f}  {it['status']:<8} {split}")
    if r.get("missing_pipeline_parts"):
        lines.append("not available: " + "; ".join(f"{k} ({v})" for k, v in r["missing_pipeline_parts"].items()))
    lines += ["", f"{'target':<60} {'measured':>10} {'limit':>10}  verdict"]
    for t in r["targets"]:
        lines.append(f"{t['label']:<60} {fmt_value(t['measured'], t['unit']):>10} {limit_text(t):>10}  {verdict(t)}"
                     + (f" — {t['miss_by']}" if t["miss_by"] else ""))
        if t.get("dominant"):
            lines.append(f"{'':<4}↳ {t['dominant']}")
    if noisy(r):
        lines.append("\n" + NOISE_NOTE.replace("**", ""))
    lines.append(f"\n({r['duration_s']:.0f} s)")
    return "\n".join(lines)


def noisy(r: dict[str, Any]) -> bool:
    """Whether other work competed for the cores during the run: load average above the core count,
    or more than 10 % of the CPU time stolen by the hypervisor for other guests."""
    m = r.get("machine", {})
    cores = m.get("cores") or 1
    loads = [m.get("loadavg_start", [0])[0], m.get("loadavg_end", [0])[0]]
    return max(loads) > cores or (m.get("steal") or 0) > 0.10


NOISE_NOTE = ("**Noisy run**: other work competed for the CPU (the load average exceeded the number of cores, "
              "or the hypervisor gave more than 10 % of the CPU time to other guests: *steal*); wall-clock "
              "figures are pessimistic and vary — compare the CPU-time ratios, and re-run on a quiet machine "
              "before quoting numbers.")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0%}"


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown_report(r: dict[str, Any]) -> str:
    """The results as Markdown: machine, targets, per-format figures, batch and start-up."""
    m = r["machine"]
    libs = ", ".join(f"{k} {v}" for k, v in m.get("libraries", {}).items() if v)
    out = [f"# lianfang benchmarks — {r['mode']} run, {r['started']}", "",
           "## Machine", "",
           "| | |", "|---|---|",
           f"| CPU | {_md_escape(str(m.get('cpu', '?')))} |",
           f"| cores | {m.get('cores')} (usable: {m.get('cores_usable', '?')}) |",
           f"| RAM | {m.get('ram_gb', '?')} GB |",
           f"| Python | {m.get('python')} ({m.get('implementation')}) on {_md_escape(str(m.get('os')))} |",
           f"| load average | {m['loadavg_start'][0]:.2f} at start, {m.get('loadavg_end', [float('nan')])[0]:.2f} at end |",
           f"| CPU stolen by the hypervisor | {_pct(m.get('steal'))} of the run's CPU time |",
           f"| lianfang | {m.get('lianfang')} (commit {m.get('git_commit')}) |",
           f"| LibreOffice | {_md_escape(str(m.get('libreoffice')))} |",
           f"| libraries | {_md_escape(libs)} |", ""]
    if noisy(r):
        out += [NOISE_NOTE, ""]
    out += ["## Targets", "",
           "| target | measured | limit | verdict | miss by; what dominates (or detail) |", "|---|---|---|---|---|"]
    for t in r["targets"]:
        note = "; ".join(x for x in (t["miss_by"], t.get("dominant")) if x)
        out.append(f"| {_md_escape(t['label'])} | {fmt_value(t['measured'], t['unit'])} | {_md_escape(limit_text(t))} "
                   f"| {verdict(t)} | {_md_escape(note)} |")
    out += ["", "## Per format (one process, warm; medians)", "",
            "| item | pages | size | floor | pipeline | ratio | CPU ratio | docs/s | pages/s | text MB/s | status | "
            + " | ".join(STAGES) + " |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|" + "---:|" * len(STAGES)]
    for name, it in r.get("formats", {}).items():
        st = " | ".join(_ms(it["stages"].get(s)) for s in STAGES)
        out.append(f"| {name} ×{it['repeats']} | {it['pages']} | {it['bytes'] / 1024:.0f} KB | {_ms(it['floor_s'])} "
                   f"| {_ms(it['pipeline_s'])} | {fmt_value(it['ratio'], '×')} | {fmt_value(it.get('cpu_ratio'), '×')} "
                   f"| {it['docs_per_s'] or 0:.2f} "
                   f"| {it['pages_per_s'] or 0:.1f} | {it['text_mb_per_s'] or 0:.3f} | {it['status']} | {st} |")
    refs = [(n, it["reference"]) for n, it in r.get("formats", {}).items() if it.get("reference")]
    if refs:
        out += ["", "Library references (not floors): " + "; ".join(
            f"{n}: {ref['label']} {ref['seconds'] * 1000:.0f} ms"
            + (f" ({_times(ref['seconds'] / r['formats'][n]['floor_s'])} the floor)" if r["formats"][n].get("floor_s") else "")
            for n, ref in refs) + "."]
    if r.get("missing_pipeline_parts"):
        out += ["", "Not available in this run: " + _md_escape("; ".join(
            f"{k} ({v})" for k, v in r["missing_pipeline_parts"].items())) + "."]
    b = r.get("batch") or {}
    out += ["", "## Batch", ""]
    if b.get("available"):
        out += [f"Method: {b['method']}; {b['n']} ten-page .docx.", "",
                "| workers | wall (median) | documents/s | runs |", "|---:|---:|---:|---|",
                f"| 1 | {b['jobs1_s']:.2f} s | {b['docs_per_s_1']:.1f} | {', '.join(f'{x:.2f}' for x in b['runs']['jobs1_s'])} |",
                f"| 2 | {b['jobs2_s']:.2f} s | {b['docs_per_s_2']:.1f} | {', '.join(f'{x:.2f}' for x in b['runs']['jobs2_s'])} |",
                "", f"Speed-up {fmt_value(b['speedup'], '×')} (medians; best run against best run "
                f"{fmt_value(best_speedup(b), '×')}); serial fraction (Amdahl) {(b['serial_fraction'] or 0):.0%}."]
        if b.get("cpu_ratio"):
            rn = b["runs"]
            out += ["", f"CPU of the machine per run (user + system, both cores): 1 worker "
                    f"{', '.join(f'{x:.1f}' for x in rn['cpu1_s'])} s, 2 workers {', '.join(f'{x:.1f}' for x in rn['cpu2_s'])} s; "
                    f"steal {max(rn['steal1'] + rn['steal2']):.0%} at most. The same work cost "
                    f"{b['cpu_ratio']:.2f}× the CPU with both cores busy; corrected for that, the speed-up is "
                    f"{b['speedup_host_corrected']:.2f}×, and {b['idle_share_2']:.0%} of the two cores stayed idle "
                    f"in the 2-worker runs (median)."]
        fx = b.get("fixed") or {}
        if fx.get("available"):
            out += ["", f"Fixed cost: `check` over one unit folder ({_md_escape(fx['unit'])}, 1 worker) takes "
                    f"{fx['fixed_s']:.2f} s (best of {', '.join(f'{x:.2f}' for x in fx['runs_s'])}): start-up, the "
                    f"workers' warm-up, one unit, the summary."
                    + (f" Paid once by 1 and 2 workers alike, it caps the speed-up on this batch at "
                       f"{fx['ceiling']:.2f}×." if fx.get("ceiling") else "")]
        po = b.get("pool_only") or {}
        if po.get("available"):
            out += ["", f"Diagnosis — the worker pool alone (pipeline.workers over api.process_file, no checks or "
                    f"reports) on {po['n']} documents: 1 worker {po['jobs1_s']:.1f} s, 2 workers {po['jobs2_s']:.1f} s, "
                    f"speed-up {po['speedup']:.2f}×."]
        rss = b.get("rss") or {}
        if rss.get("available") and rss.get("worker_first_mb") is not None:
            out += ["", f"RSS over {rss['n']} documents (2 workers, sampled every 0.5 s, {rss['samples']} samples): "
                    f"workers first {rss['worker_first_mb']:.0f} MB, last {rss['worker_last_mb']:.0f} MB, "
                    f"max {rss['worker_max_mb']:.0f} MB — {'flat' if rss['flat'] else 'NOT flat'}; "
                    f"parent {rss['parent_first_mb']:.0f} → {rss['parent_last_mb']:.0f} MB "
                    f"(max {rss['parent_max_mb']:.0f} MB); {rss['docs_per_s']:.1f} documents/s."]
    else:
        out.append(f"Not available: {_md_escape(str(b.get('reason', 'not run')))}")
    out += ["", "## Start-up and memory", ""]
    h = r.get("help") or {}
    if h.get("available"):
        out.append(f"- `lianfang --help`: {h['median_s'] * 1000:.0f} ms median of {len(h['runs'])} "
                   f"(a bare interpreter start: {(h.get('python_startup_s') or 0) * 1000:.0f} ms) "
                   f"(`{_md_escape(h['command'])}`); slowest imports: "
                   + ", ".join(f"{n} {s * 1000:.0f} ms" for n, s in h.get("top_imports", [])[:5]) + ".")
    for fd in (r.get("first_doc") or {}, r.get("first_doc_txt") or {}):
        if fd.get("available"):
            bd = fd.get("breakdown") or {}
            split = ", ".join(f"{s} {v:.2f} s" for s, v, _ in stage_split(bd.get("stages") or {})[:3])
            out.append(f"- first document (`lianfang extract {fd['file']} --out DIR`, fresh process): "
                       f"{fd['median_s']:.2f} s median of {len(fd['runs'])}"
                       + (f"; inside: import {bd['import_s']:.2f} s, context {bd['context_s']:.2f} s, "
                          f"document {bd['document_s']:.2f} s ({split})." if bd.get("available") else "."))
    for name, p in (r.get("peak") or {}).items():
        if p.get("available"):
            out.append(f"- {name} in a fresh process: peak RSS {p['peak_rss_mb']:.0f} MB "
                       f"({p['rss_before_mb']:.0f} MB before the document), {p['document_s']:.1f} s, status {p['status']}.")
        else:
            out.append(f"- {name}: not available ({_md_escape(str(p.get('reason')))})")
    u = r.get("unit_split") or {}
    if u.get("available"):
        out.append(f"- CPU of one unit of two ten-page .docx in `check` (its code run in one process, "
                   f"{u['units']} units): {u['ms_per_unit']:.0f} ms = "
                   + ", ".join(f"{k} {v:.1f}" for k, v in u["parts_ms"].items()) + " ms.")
    ua = r.get("unit_split_after") or {}
    if ua.get("available"):
        out.append(f"- the same after the 10,000-document run: {ua['ms_per_unit']:.0f} ms = "
                   + ", ".join(f"{k} {v:.1f}" for k, v in ua["parts_ms"].items()) + " ms.")
    t = r.get("tenk") or {}
    if t.get("available"):
        out.append(f"- 10,000 ten-page .docx ({t['n'] // 2:,} units of 2), `lianfang check --jobs 2 --no-cache`, "
                   f"all unit reports: {t['wall_s']:.0f} s wall ({t['docs_per_s']:.1f} documents/s), "
                   f"CPU {t['cpu_s']:.0f} s = {t['cpu_ms_per_doc']:.0f} ms per document (parent "
                   f"{t['parent_cpu_s']:.0f} s, fork server and workers {t['workers_cpu_s']:.0f} s); "
                   f"CPU stolen by the hypervisor meanwhile: {_pct(t.get('steal'))}.")
    elif r.get("docs_per_s"):
        out.append(f"- projection: 10,000 ten-page .docx at {r['docs_per_s']:.1f} documents/s on 2 workers "
                   f"≈ {r['projection_10k_s']:.0f} s.")
    out += ["", f"Run took {r['duration_s']:.0f} s. Generated by `python -m benchmarks.run"
            f"{' --quick' if r['mode'] == 'quick' else ''}`.", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description="lianfang benchmarks (see benchmarks/README.md)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats, 200-document RSS check")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    ap.add_argument("--md", type=Path, help="write the results as Markdown here")
    ap.add_argument("--corpus", type=Path, default=CORPUS_DIR, help="corpus folder (default: benchmarks/corpus)")
    ap.add_argument("--skip", action="append", default=[], choices=SECTIONS, help="leave out a part (repeatable)")
    ap.add_argument("--render", type=Path, metavar="JSON",
                    help="measure nothing: print (and with --md write) the report of an earlier --json file")
    ap.add_argument("--_one", help=argparse.SUPPRESS)
    ap.add_argument("--_batch", help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._one:
        logging.basicConfig(level=logging.WARNING)
        return _one_main(args._one)
    if args._batch:
        logging.basicConfig(level=logging.WARNING)
        return _batch_main(args._batch, args.jobs, args.out, args.limit)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    if args.render:
        results = json.loads(args.render.read_text())
        headline(results)  # the verdicts, recomputed with the current targets
        args.json = None
    else:
        results = run(QUICK if args.quick else FULL, args.corpus, set(args.skip))
    print(console_report(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    if args.md:
        args.md.parent.mkdir(parents=True, exist_ok=True)
        args.md.write_text(markdown_report(results))
    _log.info("results: %s", ", ".join(str(p) for p in (args.json, args.md) if p) or f"(use --json/--md; e.g. {RESULTS_DIR})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
