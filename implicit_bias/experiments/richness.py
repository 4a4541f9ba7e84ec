r"""The richness scale measured (Karkada 2024): update sizes against width, gauges, the standard parametrization.

Every network here is :class:`~implicit_bias.richness.network.Network` (numpy, float64) with the
hyperparameters of :func:`~implicit_bias.richness_table` evaluated at the widths, times one global
learning-rate constant ``lr``. The data of the width experiments are a batch of ``B`` Gaussian inputs in
``R^(n_in)`` (entries of order one) with Gaussian targets in ``R^(n_out)``. Each ``*_point`` function maps a
JSON-able config to a JSON-able result, so :func:`implicit_bias.sweeps.run_sweep` can store and resume it:

* :func:`width_point`: one gradient step; per layer the RMS over the batch of ``||h_l||`` at initialization,
  ``||dL_b/dh_l||``, ``||Delta h_l||`` and its three terms (layer, passthrough, interaction).
* :func:`gauge_point`: the same training in the three gauges; the largest relative difference of the function
  (on probe inputs) at any step, and the same for a change that is *not* a gauge transformation.
* :func:`stability_point`: the largest global learning rate (log2, by bisection) for which the loss never rises
  above its initial value during ``steps`` of gradient descent, for the richness family or the standard
  parametrization.

:func:`richness_sweep` runs :func:`width_point` over widths, ``r`` and seeds and fits the exponent of every
measured size against the width (:func:`fit_exponent`), next to the derived one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_int, check_real
from ..errors import InputError
from ..results import Status
from ..richness.exponents import response_exponents, standard_parametrization
from ..richness.gauges import GAUGES
from ..richness.network import ACTIVATIONS, Network, standard_normal_draws
from ..richness.scaling import evaluate
from ..richness.table import check_r, richness_table

__all__ = ["QUANTITIES", "ExponentFit", "RichnessSweep", "derived_exponents", "fit_exponent", "gauge_point",
           "hyperparameters", "richness_sweep", "stability_point", "standard_response_exponent", "width_point"]

#: Measured per-layer sizes whose width exponents the table predicts (each is a column of the table).
QUANTITIES: tuple[str, ...] = ("h", "grad", "dh", "layer_update", "passthrough")


def _sizes(cfg: dict) -> tuple[int, ...]:
    depth, n = int(cfg.get("depth", 3)), int(cfg["width"])
    return (int(cfg.get("n_in", 16)), *([n] * (depth - 1)), int(cfg.get("n_out", 4)))


def hyperparameters(cfg: dict, *, gauge: str = "multiplier") -> dict[str, list[float]]:
    """``g``, ``sigma``, ``eta`` per layer for a config: ``r`` (a number) or ``"standard"``, times ``lr``.

    Examples
    --------
    >>> hp = hyperparameters({"r": 0.5, "width": 64, "n_in": 4, "n_out": 1, "lr": 2.0})
    >>> hp["g"], hp["eta"]
    ([4.0, 1.0, 0.125], [2.0, 2.0, 2.0])
    """
    depth, n, lr = int(cfg.get("depth", 3)), int(cfg["width"]), float(cfg.get("lr", 1.0))
    sizes = _sizes(cfg)
    n_in, n_out = sizes[0], sizes[-1]
    if cfg["r"] == "standard":
        m = standard_parametrization(depth)
        hp = {k: [evaluate(e, n, n_in, n_out) for e in getattr(m, f"log_{k}")] for k in ("g", "sigma", "eta")}
    else:
        arrays = richness_table(cfg["r"], depth=depth, gauge=gauge).hyperparameters(n, n_in, n_out)
        hp = {k: [float(v) for v in arrays[k]] for k in ("g", "sigma", "eta")}
    hp["eta"] = [lr * e for e in hp["eta"]]
    return hp


def _batch(cfg: dict, rows: int, salt: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([int(cfg.get("seed", 0)), 7919 + salt])
    sizes = _sizes(cfg)
    return rng.standard_normal((rows, sizes[0])), rng.standard_normal((rows, sizes[-1]))


def _network(cfg: dict, hp: dict[str, list[float]]) -> Network:
    draws = standard_normal_draws(_sizes(cfg), int(cfg.get("seed", 0)))
    return Network(draws, g=hp["g"], sigma=hp["sigma"], eta=hp["eta"], activation=cfg.get("activation", "linear"))


def width_point(cfg: dict) -> dict[str, list[float]]:
    """One gradient step of the network of ``cfg``; every per-layer size (see the module docstring).

    Config keys: ``r`` (or ``"standard"``), ``width``; optional ``depth`` (3), ``activation`` ("linear"),
    ``n_in`` (16), ``n_out`` (4), ``batch`` (16), ``lr`` (1), ``seed`` (0).

    Examples
    --------
    >>> out = width_point({"r": 0.5, "width": 32, "seed": 1})
    >>> sorted(out), len(out["dh"])
    (['dh', 'grad', 'h', 'interaction', 'layer_update', 'passthrough'], 3)
    """
    X, Y = _batch(cfg, int(cfg.get("batch", 16)))
    sizes = _network(cfg, hyperparameters(cfg)).step_sizes(X, Y)
    return {k: [float(v) for v in getattr(sizes, k)] for k in
            ("h", "grad", "dh", "layer_update", "passthrough", "interaction")}


def _trajectory(cfg: dict, hp: dict[str, list[float]], X: np.ndarray, Y: np.ndarray, probe: np.ndarray
                ) -> np.ndarray:
    net = _network(cfg, hp)
    outs = [net(probe)]
    with np.errstate(all="ignore"):  # a run that is not a gauge image may diverge; _max_relative reports it
        for _ in range(int(cfg.get("steps", 10))):
            net.step(X, Y)
            outs.append(net(probe))
    return np.array(outs)


def _max_relative(a: np.ndarray, b: np.ndarray) -> float | None:
    """Largest over steps of ``max |a_t - b_t| / max |b_t|`` (the function's difference in units of its size);
    ``None`` if either run diverged (a non-finite output)."""
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    return float(np.max(np.max(np.abs(a - b), axis=(1, 2)) / np.max(np.abs(b), axis=(1, 2))))


def gauge_point(cfg: dict) -> dict[str, Any]:
    """The training of ``cfg`` in every gauge of :data:`~implicit_bias.richness.gauges.GAUGES`, compared step by step.

    The hyperparameters of each gauge come from its own table (``richness_table(r, gauge=...)``); the weights
    are ``sigma_l Z_l`` with the same draws ``Z_l``. Returns ``max_rel[gauge]`` for the learning-rate and
    rescaling gauges: the largest relative difference of the function on 32 probe inputs from the multiplier
    gauge's, over ``steps`` steps (``None`` if a run diverged); ``control``: the same for the multiplier gauge
    with ``g_1`` multiplied by 1.25 and nothing compensated (not a gauge transformation: the dynamics must
    differ); ``scale``: the largest output on the probes.

    Examples
    --------
    >>> out = gauge_point({"r": 0.25, "width": 16, "steps": 3, "activation": "tanh"})
    >>> out["max_rel"]["rescaling"] < 1e-12 < 1e-3 < out["control"]
    True
    """
    X, Y = _batch(cfg, int(cfg.get("batch", 16)))
    probe, _ = _batch(cfg, 32, salt=1)
    base_hp = hyperparameters(cfg)
    base = _trajectory(cfg, base_hp, X, Y, probe)
    max_rel = {g: _max_relative(_trajectory(cfg, hyperparameters(cfg, gauge=g), X, Y, probe), base)
               for g in GAUGES if g != "multiplier"}
    wrong = {**base_hp, "g": [1.25 * base_hp["g"][0], *base_hp["g"][1:]]}
    return {"max_rel": max_rel, "control": _max_relative(_trajectory(cfg, wrong, X, Y, probe), base),
            "scale": float(np.max(np.abs(base)))}


def _trains(cfg: dict, log2_lr: float, X: np.ndarray, Y: np.ndarray) -> bool:
    """The loss never rises above its initial value and ends below it.

    "Ends below it" alone is not monotone in the learning rate: above the edge of stability a loss that first
    blows up can come back down within the steps (a catapult), sooner at small widths, and bisection would then
    land on a width-dependent catapult threshold instead of the edge.
    """
    net = _network(cfg, hyperparameters({**cfg, "lr": 2.0**log2_lr}))
    start = net.loss(X, Y)
    with np.errstate(all="ignore"):
        for _ in range(int(cfg.get("steps", 10))):
            if not net.step(X, Y) <= start:
                return False
        end = net.loss(X, Y)
    return bool(math.isfinite(end) and end < start)


def stability_point(cfg: dict) -> dict[str, float]:
    """The largest ``log2(lr)`` for which the loss never rises above its start in ``steps`` full-batch steps and
    ends below it (bisection).

    Config keys as :func:`width_point`, plus ``steps`` (10), ``lo``/``hi`` (bracket of ``log2 lr``, -16/16) and
    ``halvings`` (10). ``r`` may be ``"standard"``. Returns ``log2_lr`` (the last stable point of the bisection).

    Examples
    --------
    >>> stability_point({"r": "standard", "width": 16, "halvings": 4})["log2_lr"]
    -2.0
    """
    X, Y = _batch(cfg, int(cfg.get("batch", 16)))
    lo, hi = float(cfg.get("lo", -16.0)), float(cfg.get("hi", 16.0))
    if not _trains(cfg, lo, X, Y):
        raise InputError(f"lo={lo}: the network does not train even at lr = 2^{lo}; lower the bracket")
    for _ in range(int(cfg.get("halvings", 10))):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _trains(cfg, mid, X, Y) else (lo, mid)
    return {"log2_lr": lo}


# ------------------------------------------------------------------------------------------------ fits
def fit_exponent(widths: Sequence[float], values: Sequence[float]) -> float:
    """Least-squares slope of ``log(values)`` against ``log(widths)``.

    Examples
    --------
    >>> round(fit_exponent([64, 256, 1024], [8.0, 16.0, 32.0]), 6)
    0.5
    """
    w, v = np.asarray(widths, float), np.asarray(values, float)
    if len(v) < 2 or len(w) != len(v) or not (np.all(np.isfinite(v)) and np.all(v > 0) and np.all(w > 0)):
        raise InputError(f"values={list(values)}: need at least two positive finite values (one per width) to fit "
                         "an exponent")
    return float(np.polyfit(np.log(w), np.log(v), 1)[0])


def derived_exponents(r: Any, depth: int) -> dict[str, list[float | None]]:
    """The table's n-exponents of every measured quantity per layer (``None`` where the term does not exist)."""
    t = richness_table(r, depth=depth)
    return {q: [None if e is None else float(e) for e in t.exponents(q)] for q in QUANTITIES}


def standard_response_exponent(depth: int = 3) -> float:
    """n-exponent of the output's first-order response to one step in the standard parametrization.

    That is the scale of its tangent kernel, so the largest stable learning rate scales as ``n`` to minus it.

    Examples
    --------
    >>> standard_response_exponent(3)
    1.0
    """
    return float(response_exponents(standard_parametrization(depth))[-1])


@dataclass(frozen=True)
class ExponentFit:
    """A measured exponent (slope over the widths of the geometric mean over seeds) and the derived one."""

    activation: str
    r: float
    quantity: str
    layer: int
    measured: float
    derived: float

    @property
    def error(self) -> float:
        return abs(self.measured - self.derived)


@dataclass(frozen=True)
class RichnessSweep:
    """Result of :func:`richness_sweep`: the fits, the curves behind them and the sweep's status."""

    widths: tuple[int, ...]
    depth: int
    fits: tuple[ExponentFit, ...]
    curves: dict[str, Any]
    status: Status
    message: str = ""
    raw: list[tuple[dict, Any]] = field(default_factory=list, repr=False)

    @property
    def success(self) -> bool:
        return self.status == Status.SUCCESS

    @property
    def max_error(self) -> float:
        """Largest ``|measured - derived|`` over every fit."""
        return max((f.error for f in self.fits), default=math.nan)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (what a paper check stores and a plot reads)."""
        return {"widths": list(self.widths), "depth": self.depth, "status": self.status, "message": self.message,
                "fits": [f.__dict__ for f in self.fits], "curves": self.curves}


def _check_sweep_args(widths: Sequence[int], rs: Sequence[Any], activations: Sequence[str], seeds: Sequence[int]
                      ) -> tuple[list[int], list[float], list[str], list[int]]:
    ws = [check_int(w, "widths[i]", 2, "widths are hidden-layer sizes, e.g. (64, 128, 256)") for w in widths]
    if len(set(ws)) < 2:
        raise InputError(f"widths={list(widths)}: need at least two distinct widths to fit an exponent")
    r_list = [float(check_r(r)) for r in rs]
    if not r_list:
        raise InputError("rs=[]: give at least one r in [0, 1/2], e.g. (0, 0.25, 0.5)")
    bad = [a for a in activations if a not in ACTIVATIONS]
    if bad or not activations:
        raise InputError(f"activations={list(activations)}: choose from {', '.join(ACTIVATIONS)}")
    seed_list = [check_int(s, "seeds[i]", 0, "seeds are non-negative integers") for s in seeds]
    if not seed_list:
        raise InputError("seeds=[]: give at least one seed, e.g. (0, 1, 2)")
    return sorted(set(ws)), r_list, list(activations), seed_list


def richness_sweep(widths: Sequence[int] = (64, 128, 256, 512, 1024), rs: Sequence[Any] = (0, 0.25, 0.5), *,
                   depth: int = 3, activations: Sequence[str] = ("linear", "tanh"), seeds: Sequence[int] = (0, 1, 2),
                   n_in: int = 16, n_out: int = 4, batch: int = 16, lr: float = 1.0,
                   store: str | Path = "sweeps.sqlite", name: str = "richness_width", workers: int | None = None,
                   client: Any = None, progress: bool | None = None) -> RichnessSweep:
    """One-step update sizes against width for several ``r``, fitted exponents next to the derived ones.

    Every point (width, r, activation, seed) is a :func:`width_point` run through
    :func:`implicit_bias.sweeps.run_sweep`: stored at once in ``store``, so a rerun computes only what is
    missing; ``workers`` sets the local process pool, ``client`` (a Dask client or scheduler address) a cluster.

    Parameters
    ----------
    widths : sequence of int
        Hidden widths ``n`` (at least two).
    rs : sequence of numbers in [0, 1/2]
        Richness values (Karkada 2024: 0 is the lazy NTK end, 1/2 muP).
    depth, activations, seeds, n_in, n_out, batch, lr
        The network (``L`` layers, "linear", "relu" or "tanh"), the draws, the input and output widths, the batch
        of Gaussian data and the global learning-rate constant.

    Returns
    -------
    RichnessSweep
        ``fits``: per activation, ``r``, quantity and layer, the slope of the geometric mean over seeds
        against ``n`` and the table's exponent; ``status`` "success", or "failed"/"interrupted" with a message.

    Examples
    --------
    >>> res = richness_sweep((16, 32), (0.5,), activations=("linear",), seeds=(0,), store=":memory:",
    ...                      workers=0, progress=False)
    >>> res.success, len(res.fits)
    (True, 14)
    """
    from ..sweeps import run_sweep

    ws, r_list, acts, seed_list = _check_sweep_args(widths, rs, activations, seeds)
    depth = check_int(depth, "depth", 2, "a network needs an input layer and an output layer (depth >= 2)")
    lr = check_real(lr, "lr", "the global learning-rate constant, e.g. 1.0", positive=True)
    base = {"depth": depth, "n_in": check_int(n_in, "n_in", 1, "the input width"),
            "n_out": check_int(n_out, "n_out", 1, "the output width"),
            "batch": check_int(batch, "batch", 1, "examples per step"), "lr": lr}
    configs = [{**base, "r": r, "width": w, "activation": a, "seed": s}
               for a in acts for r in r_list for w in sorted(ws, reverse=True) for s in seed_list]
    res = run_sweep(width_point, configs, store=store, name=name, workers=workers, client=client, progress=progress)
    if not res.success:
        msg = f"sweep {name!r}: {res.status}; {len(res.failures)} failed, {len(res.missing)} missing. {res.message}"
        return RichnessSweep(tuple(ws), depth, (), {}, Status.INTERRUPTED if res.missing else Status.FAILED, msg,
                             res.results)
    fits, curves = _fit_all(res.results, ws, r_list, acts, depth)
    return RichnessSweep(tuple(ws), depth, tuple(fits), curves, Status.SUCCESS, "", res.results)


def _fit_all(results: list[tuple[dict, Any]], ws: list[int], r_list: list[float], acts: list[str], depth: int
             ) -> tuple[list[ExponentFit], dict[str, Any]]:
    logs: dict[tuple, list[np.ndarray]] = {}
    for c, out in results:
        for q in QUANTITIES:
            logs.setdefault((c["activation"], c["r"], q, c["width"]), []).append(np.log(np.maximum(out[q], 1e-300)))
    fits: list[ExponentFit] = []
    curves: dict[str, Any] = {}
    for a in acts:
        for r in r_list:
            derived = derived_exponents(r, depth)
            for q in QUANTITIES:
                means = np.array([np.mean(logs[a, r, q, w], axis=0) for w in ws])   # (widths, layers)
                curves.setdefault(a, {}).setdefault(str(r), {})[q] = np.exp(means).T.tolist()
                for layer, expected in enumerate(derived[q], start=1):
                    if expected is not None:
                        fits.append(ExponentFit(a, r, q, layer, fit_exponent(ws, np.exp(means[:, layer - 1])),
                                                expected))
    return fits, curves
