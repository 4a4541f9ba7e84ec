"""Run a function over a list of configs: in-process, on a local process pool, or on a Dask cluster.

Every finished point goes to the store at once; a rerun computes only what the store does not hold. The
function must be importable (a module-level function) and map a JSON-able dict to a JSON-able result.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from ..errors import InputError, SweepError
from ..results import Status
from .store import SweepStore, canonical_json, point_key

__all__ = ["SweepResult", "load_results", "run_sweep"]


@dataclass(frozen=True)
class SweepResult:
    """What a sweep reached: finished results in config order, failures, and what is still missing.

    ``status`` (:class:`~implicit_bias.results.Status`) is ``"success"`` (every point finished), ``"failed"``
    (some point raised) or ``"interrupted"`` (Ctrl-C, or a worker died: the missing points are computed by a
    rerun); ``success`` is ``status == "success"``.
    """

    name: str
    results: list[tuple[dict, Any]]
    failures: list[tuple[dict, str]]
    missing: list[dict]
    computed: int
    reused: int
    seconds: float
    status: Status
    message: str = ""
    store: str = field(default="", repr=False)

    @property
    def success(self) -> bool:
        """Every point finished without error."""
        return self.status == Status.SUCCESS

    def raise_for_failures(self) -> None:
        """Raise :class:`~implicit_bias.errors.SweepError` unless every point finished without error."""
        if self.success:
            return
        lines = [f"sweep {self.name!r}: {self.status}; {len(self.results)} done, {len(self.failures)} failed, "
                 f"{len(self.missing)} missing. {self.message}".strip()]
        for config, error in self.failures[:3]:
            lines.append(f"config {config}:\n{error.rstrip()}")
        if self.missing:
            lines.append("rerun the same sweep to compute the missing points; finished ones are kept in "
                         f"{self.store or 'the store'}")
        raise SweepError("\n".join(lines))


def _call(func: Callable[[dict], Any], config: dict) -> tuple[bool, Any, float]:
    """Run one point in a worker: (ok, result or traceback text, seconds). Never raises for the point's errors."""
    start = time.perf_counter()
    try:
        return True, func(config), time.perf_counter() - start
    except Exception:
        return False, traceback.format_exc(), time.perf_counter() - start


def _serial(func: Callable, todo: list[tuple[int, dict]]) -> Iterator[tuple[int, tuple[bool, Any, float]]]:
    for i, config in todo:
        yield i, _call(func, config)


def _one_blas_thread() -> None:
    """Pool-worker initializer: one BLAS/OpenMP thread per worker, so ``workers`` processes use ``workers`` cores
    (otherwise each worker's BLAS starts a thread per core and the workers oversubscribe the machine:
    sec6_width's points ran 3x slower that way on 2 cores)."""
    from threadpoolctl import threadpool_limits

    global _LIMITS
    _LIMITS = threadpool_limits(limits=1)


_LIMITS: Any = None


def _pool(func: Callable, todo: list[tuple[int, dict]], workers: int) -> Iterator[tuple[int, tuple[bool, Any, float]]]:
    # spawn, not fork: the parent may hold threads (heyoka's LLVM, BLAS) and fork would copy their locks
    ctx = multiprocessing.get_context("spawn")
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_one_blas_thread)
    try:
        futures = {pool.submit(_call, func, config): i for i, config in todo}
        for fut in cf.as_completed(futures):
            yield futures[fut], fut.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _dask(func: Callable, todo: list[tuple[int, dict]], client: Any) -> Iterator[tuple[int, tuple[bool, Any, float]]]:
    from distributed import as_completed

    futures = [client.submit(_call, func, config, pure=False) for _i, config in todo]
    index = {fut.key: i for fut, (i, _c) in zip(futures, todo, strict=True)}
    try:
        for fut in as_completed(futures):
            yield index[fut.key], fut.result()
    finally:
        client.cancel(futures)


def _check_configs(configs: Sequence[dict]) -> list[dict]:
    if isinstance(configs, dict | str) or not isinstance(configs, Sequence):
        raise InputError(f"configs = {configs!r:.200} must be a list of dicts, one per point")
    out = []
    for i, c in enumerate(configs):
        if not isinstance(c, dict):
            raise InputError(f"configs[{i}] = {c!r:.200} is not a dict; each point's config is a dict of JSON-able "
                             "values")
        canonical_json(c, what=f"configs[{i}]")
        out.append(c)
    return out


def _connect(client: Any) -> tuple[Any, bool]:
    """A Dask client from a Client or a scheduler address; True if we opened it (and must close it)."""
    if not isinstance(client, str):
        if not hasattr(client, "submit"):
            raise InputError(f"client = {client!r:.200} is neither a dask.distributed.Client nor a scheduler "
                             "address such as 'tcp://127.0.0.1:8786'")
        return client, False
    try:
        from distributed import Client
    except ImportError:
        raise InputError(f"client = {client!r} needs Dask: pip install 'implicit-bias[dask]'") from None
    try:
        return Client(client, timeout=30), True
    except OSError as exc:
        raise InputError(f"client = {client!r}: no Dask scheduler answered ({exc}); start one with "
                         "`dask scheduler` and workers with `dask worker ADDRESS`, or leave client unset to use "
                         "a local process pool") from None


def run_sweep(func: Callable[[dict], Any], configs: Sequence[dict], *, store: str | Path = "sweeps.sqlite",
              name: str | None = None, workers: int | None = None, client: Any = None, progress: bool | None = None,
              retry_failed: bool = True) -> SweepResult:
    """Run ``func(config)`` for every config, storing each finished point at once and skipping stored ones.

    Parameters
    ----------
    func : callable
        A module-level function (so worker processes can import it) mapping a JSON-able dict to a JSON-able
        result (dicts, lists, str, int, float, bool, None; no NaN).
    configs : list of dict
        One JSON-able dict per point. A point is identified by ``name`` and its config, so a rerun with the
        same configs finds the finished points and computes only the rest.
    store : path, default ``"sweeps.sqlite"``
        SQLite file of finished points (created if absent); ``":memory:"`` stores nothing on disk.
    name : str, optional
        The sweep's name in the store; default ``"module.function"`` of ``func``.
    workers : int, optional
        Local worker processes (default: as many as cores, at most one per missing point); ``0`` runs in this
        process. Each pool worker runs with one BLAS/OpenMP thread. Ignored when ``client`` is given.
    client : dask.distributed.Client or str, optional
        Run the points on this Dask cluster (a client, or a scheduler address) instead of a local pool.
    progress : bool or None, default None
        Show a progress bar on stderr: ``None`` only on a terminal, ``True`` always, ``False`` never.
    retry_failed : bool, default True
        Recompute points stored as failed; False keeps their stored errors.

    Returns
    -------
    SweepResult
        ``results`` lists ``(config, result)`` for every finished point in config order; ``status`` says whether
        all finished. Ctrl-C returns what was reached with ``status == "interrupted"``; a rerun completes it.

    Examples
    --------
    >>> from implicit_bias.sweeps import run_sweep
    >>> from implicit_bias.sweeps.demo import square
    >>> res = run_sweep(square, [{"x": 2}, {"x": 3}], store=":memory:", workers=0, progress=False)
    >>> [r["y"] for _c, r in res.results], res.success
    ([4, 9], True)
    """
    configs = _check_configs(configs)
    if not callable(func):
        raise InputError(f"func = {func!r:.200} is not callable; pass a module-level function of one dict")
    if name is None:
        name = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 0):
        raise InputError(f"workers = {workers!r} must be a whole number >= 0 (0 runs in this process)")
    start = time.perf_counter()
    db = SweepStore(store)
    try:
        keys = [point_key(name, c) for c in configs]
        stored: dict[str, Any] = {}
        for k, c in zip(keys, configs, strict=True):
            if k not in stored:
                rec = db.get(name, c)
                if rec is not None and (rec.status == "done" or not retry_failed):
                    stored[k] = rec
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            first.setdefault(k, i)
        todo = [(i, configs[i]) for k, i in first.items() if k not in stored]
        reused = len(first) - len(todo)
        status, message = Status.SUCCESS, ""
        opened = False
        outcomes: Iterator[tuple[int, tuple[bool, Any, float]]]
        if not todo:
            outcomes = iter(())
        elif client is not None:
            client, opened = _connect(client)
            outcomes = _dask(func, todo, client)
        elif (workers == 0 or (workers is None and len(todo) == 1)):
            outcomes = _serial(func, todo)
        else:
            n = workers if workers is not None else max(1, min(os.cpu_count() or 1, len(todo)))
            outcomes = _pool(func, todo, n)
        computed = 0
        bar = tqdm(total=len(first), initial=reused, desc=name.rsplit(".", 1)[-1],
                   disable=None if progress is None else not progress,
                   unit="pt")
        try:
            for i, (ok, value, seconds) in outcomes:
                if ok:
                    try:
                        db.put(name, configs[i], status="done", result=value, seconds=seconds)
                    except InputError as exc:
                        db.put(name, configs[i], status="failed", error=f"the result could not be stored: {exc}",
                               seconds=seconds)
                else:
                    db.put(name, configs[i], status="failed", error=value, seconds=seconds)
                computed += 1
                bar.update(1)
        except KeyboardInterrupt:
            status, message = Status.INTERRUPTED, "interrupted by Ctrl-C."
        except cf.process.BrokenProcessPool as exc:
            status, message = Status.INTERRUPTED, f"a worker process died ({exc})."
        finally:
            bar.close()
            if hasattr(outcomes, "close"):
                outcomes.close()
            if opened:
                client.close()
        results, failures, missing = [], [], []
        for c in configs:
            rec = db.get(name, c)
            if rec is None:
                missing.append(c)
            elif rec.status == "done":
                results.append((c, rec.result))
            else:
                failures.append((c, rec.error or ""))
        if status == Status.SUCCESS and failures:
            status = Status.FAILED
        return SweepResult(name, results, failures, missing, computed, reused, time.perf_counter() - start, status,
                           message, str(store))
    finally:
        db.close()


def load_results(store: str | Path, name: str) -> list[tuple[dict, Any]]:
    """The finished ``(config, result)`` pairs of sweep ``name`` in ``store``, in the order they finished.

    Plotting code reads results this way, without computing anything.
    """
    if str(store) != ":memory:" and not Path(store).is_file():
        raise InputError(f"store = {str(store)!r} does not exist; run the sweep first (run_sweep(..., store=...))")
    with SweepStore(store) as db:
        return [(r.config, r.result) for r in db.records(name) if r.status == "done"]
