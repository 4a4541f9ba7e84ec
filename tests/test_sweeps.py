"""Sweeps: same results in-process, on a local pool and on a real Dask cluster; killed sweeps resume."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from implicit_bias.errors import InputError, SweepError
from implicit_bias.sweeps import SweepStore, load_results, run_sweep
from implicit_bias.sweeps.demo import hypentropy_point, square

ROOT = Path(__file__).resolve().parents[1]


def _boom(config: dict) -> dict:
    if config["x"] < 0:
        raise ValueError(f"negative x {config['x']}")
    return {"y": config["x"]}


def _nan(config: dict) -> dict:
    return {"y": math.nan}


def test_serial_and_pool_agree(tmp_path: Path) -> None:
    configs = [{"x": x} for x in range(6)]
    serial = run_sweep(square, configs, store=tmp_path / "a.sqlite", workers=0, progress=False)
    pool = run_sweep(square, configs, store=tmp_path / "b.sqlite", workers=2, progress=False)
    assert serial.status == pool.status == "success"
    assert serial.results == pool.results == [({"x": x}, {"y": x * x}) for x in range(6)]
    assert pool.computed == 6 and pool.reused == 0


def test_rerun_reuses_stored_points_and_new_configs_are_new_points(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    run_sweep(square, [{"x": 1}, {"x": 2}], store=store, workers=0, progress=False)
    again = run_sweep(square, [{"x": 2}, {"x": 1}, {"x": 3}, {"x": 3}], store=store, workers=0, progress=False)
    assert (again.computed, again.reused) == (1, 2)
    assert [r["y"] for _c, r in again.results] == [4, 1, 9, 9]
    assert sorted(c["x"] for c, _r in load_results(store, again.name)) == [1, 2, 3]


def test_failures_are_stored_reported_and_retried(tmp_path: Path) -> None:
    store = tmp_path / "f.sqlite"
    res = run_sweep(_boom, [{"x": 1}, {"x": -1}], store=store, workers=0, progress=False)
    assert res.status == "failed" and len(res.results) == 1
    assert "negative x -1" in res.failures[0][1]
    with pytest.raises(SweepError, match="negative x -1"):
        res.raise_for_failures()
    kept = run_sweep(_boom, [{"x": 1}, {"x": -1}], store=store, workers=0, progress=False, retry_failed=False)
    assert kept.computed == 0
    retried = run_sweep(_boom, [{"x": 1}, {"x": -1}], store=store, workers=0, progress=False)
    assert retried.computed == 1


def test_nan_result_is_a_failure_not_a_silent_nan() -> None:
    res = run_sweep(_nan, [{"x": 0}], store=":memory:", workers=0, progress=False)
    assert res.status == "failed" and "NaN" in res.failures[0][1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"configs": {"x": 1}}, "configs = .* must be a list of dicts"),
        ({"configs": [{"x": 1}, 3]}, r"configs\[1\] = 3 is not a dict"),
        ({"configs": [{"x": math.nan}]}, r"configs\[0\] = .*NaN"),
        ({"configs": [{"x": object()}]}, r"configs\[0\] = .*not JSON-able"),
        ({"func": 3}, "func = 3 is not callable"),
        ({"workers": -1}, "workers = -1 must be a whole number"),
        ({"workers": 1.5}, "workers = 1.5 must be a whole number"),
        ({"client": 3}, "client = 3 is neither"),
    ],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    args = {"func": square, "configs": [{"x": 1}], "store": ":memory:", "progress": False, **kwargs}
    func, configs = args.pop("func"), args.pop("configs")
    with pytest.raises(InputError, match=match):
        run_sweep(func, configs, **args)


def test_store_path_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        SweepStore(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        load_results(tmp_path / "nope.sqlite", "x")


def test_dask_local_cluster_matches_local_pool(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    configs = [{"d": 12, "n": 5, "sparsity": 2, "seed": s, "log10_alpha": la} for s in (0, 1) for la in (-3.0, 0.0)]
    local = run_sweep(hypentropy_point, configs, store=tmp_path / "local.sqlite", workers=2, progress=False)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        on_dask = run_sweep(hypentropy_point, configs, store=tmp_path / "dask.sqlite", client=client, progress=False)
    assert local.status == on_dask.status == "success"
    assert on_dask.computed == len(configs)
    assert on_dask.results == local.results


_KILLED = textwrap.dedent("""
    import sys
    from implicit_bias.sweeps import run_sweep
    from implicit_bias.sweeps.demo import square
    run_sweep(square, [{"x": x, "sleep": 0.3} for x in range(12)], store=sys.argv[1], workers=int(sys.argv[2]),
              progress=False)
""")


def _count_done(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(store) as db:
            return db.execute("SELECT COUNT(*) FROM points WHERE status = 'done'").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0


@pytest.mark.parametrize("workers", [0, 2])
def test_killed_sweep_rerun_computes_only_the_missing_points(tmp_path: Path, workers: int) -> None:
    store = tmp_path / "killed.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED, str(store), str(workers)], cwd=ROOT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _count_done(store) < 3:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "the sweep stored nothing in 120 s"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and any pool workers, with no chance to clean up
        proc.wait()
    done_at_kill = _count_done(store)
    assert 3 <= done_at_kill < 12
    configs = [{"x": x, "sleep": 0.3} for x in range(12)]
    rerun = run_sweep(square, configs, store=store, workers=0, progress=False)
    assert rerun.status == "success"
    assert (rerun.reused, rerun.computed) == (done_at_kill, 12 - done_at_kill)
    assert [r["y"] for _c, r in rerun.results] == [x * x for x in range(12)]


def test_ctrl_c_returns_what_was_reached(tmp_path: Path) -> None:
    store = tmp_path / "int.sqlite"
    script = _KILLED.replace("run_sweep(square", "res = run_sweep(square") + "print(res.status, res.computed)\n"
    proc = subprocess.Popen([sys.executable, "-c", script, str(store), "0"], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while _count_done(store) < 2:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    status, computed = out.split()
    assert status == "interrupted"
    assert 2 <= int(computed) < 12
    assert _count_done(store) == int(computed)
