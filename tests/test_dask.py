"""``--scheduler``: the per-document work on a Dask cluster gives the same outputs as a local run.

The cluster is a small LocalCluster started by the test (in-process, one worker thread), which
runs the very function a remote worker would run (``process_remote``). Needs ``dask[distributed]``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_batch import corrupt_docx, make_submission

from pipeline.batch import BatchOptions, process_remote, run_batch

distributed = pytest.importorskip("distributed", reason="pip install 'dask[distributed]'")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as c:
        yield c


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "submissions").rglob("*.json"))}


def test_dask_run_equals_local_run(cluster, tmp_path: Path) -> None:
    src = tmp_path / "in"
    for n in range(6):
        make_submission(src / f"单位{n % 2}" / f"表{n}.docx", f"单位{n % 2}", n)
    corrupt_docx(src / "单位0" / "坏.docx")
    local = run_batch([src], tmp_path / "local", BatchOptions(jobs=2, use_cache=False))
    remote = run_batch([src], tmp_path / "dask", BatchOptions(scheduler=cluster.scheduler_address, use_cache=False))
    assert remote.parsed == local.parsed == 7
    a, b = _outputs(tmp_path / "local"), _outputs(tmp_path / "dask")
    assert len(a) == 7 and a == b  # byte-identical per-submission JSON, findings and states included
    assert [f.rule for _, f in remote.findings()] == [f.rule for _, f in local.findings()]
    assert (tmp_path / "dask" / "index.html").is_file()


def test_remote_worker_without_the_file(tmp_path: Path) -> None:
    # a cluster machine that cannot see our path works on a private copy and reports our path
    f = make_submission(tmp_path / "甲" / "表.docx", "甲", 1)
    data = f.read_bytes()
    here = process_remote(str(f), data)
    elsewhere = process_remote("/nonexistent/甲/表.docx", data)
    assert elsewhere.replace("/nonexistent/甲/表.docx", str(f)) == here
    assert "/tmp/lianfang-" not in elsewhere


def test_unreachable_scheduler_is_a_config_error(tmp_path: Path) -> None:
    from pipeline.errors import ConfigError

    f = make_submission(tmp_path / "a.docx", "乙", 1)
    with pytest.raises(ConfigError, match="Dask scheduler"):
        run_batch([f], tmp_path / "o", BatchOptions(scheduler="tcp://127.0.0.1:9", use_cache=False, connect_timeout=2))
