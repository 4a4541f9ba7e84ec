"""Upstream vs downstream initializations of a two-layer ReLU student (Kunin et al. 2024, Fig. 1 and App.).

The teacher-student setting of Chizat et al. (2019) as used by Kunin, Raventós, Dominé, Chen, Klindt, Saxe &
Ganguli, "Get rich quick" (NeurIPS 2024), Fig. 1(b) and its supporting appendix figure:

* inputs uniform on the unit sphere of ``R^d``; labels from a teacher ``sum_j s_j relu(v_j . x)`` with
  ``teacher_width`` unit-norm rows ``v_j`` and signs ``s_j = +-1``;
* a student of ``width`` neurons, symmetrized (twins with opposite readouts, so ``f = 0`` at the start), every
  neuron with overall scale ``|a_k| ||w_k|| = tau^2`` and balance ``delta_k = eta_w a_k^2 - eta_a ||w_k||^2 = delta``;
* full-batch gradient descent on ``mean (f - y)^2`` with step ``base_step / tau^2`` (the authors' choice: the
  tangent kernel at ``delta = 0`` grows like ``tau^2``, so checkpoints are comparable across ``tau``). The
  authors use ``base_step = 5e-3`` at ``d = 100``. On the unit sphere the leading eigenvalues of the tangent
  kernel scale like ``1/d`` (``x . x'`` averaged over a half-space is ``O(1/sqrt(d))``), so the step that keeps
  gradient descent as close to the flow, and the checkpoints as comparable, scales like ``d``: the default
  ``base_step = 1e-3`` at ``d = 20``. (With ``5e-3`` at ``d = 20``, halving the step moved the upstream runs'
  measures by ~30%; with ``1e-3`` by a few per cent, as with ``5e-3`` at ``d = 100``.)
* at each checkpoint (a number of steps): kernel distance of the tangent kernel on the training inputs from its
  initial value, activation (Hamming) distance, parameter distance, train and test loss, and how far the
  per-neuron balances have drifted (gradient descent conserves them up to ``O(step^2)`` per step); and the kernel
  distance of the kernel with today's weights but the *initial* activation patterns, which separates the kernel's
  motion through switching ReLUs (upstream) from its motion through the layers' reweighting (downstream).

Sign convention: ``delta > 0`` is *upstream* (``|a| > ||w||``: the hidden layer, whose rate in the tangent kernel is
``eta_w a^2``, moves faster), ``delta < 0`` *downstream*. The authors' code builds the same initialization from
``alpha^2 = (sqrt(4 + (delta/tau^2)^2) - delta/tau^2) / 2``, rows of norm ``tau alpha`` and readouts ``tau/alpha``,
which gives ``a^2 - ||w||^2 = delta``.

:func:`run` is one training run (a frozen :class:`UpstreamConfig` in, a dict of plain floats and lists out);
:func:`point` is the same for a sweep's JSON config; :func:`run_grid` sweeps a (tau, delta, seed) grid through
:func:`implicit_bias.sweeps.run_sweep` (stored, resumable, local pool or Dask) and averages over seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_int, check_real
from ..errors import InputError
from ..results import Status
from .two_layer_relu import (
    activation_distance,
    balance,
    forward,
    gradient_descent,
    kernel_distance,
    ntk,
    parameter_distance,
    symmetric_init,
    unit_sphere,
)

__all__ = ["MEASURES", "UpstreamConfig", "point", "run", "run_grid", "teacher_student_data"]

#: The per-checkpoint measures of a run, in the order the figures show them.
MEASURES: tuple[str, ...] = ("kernel_distance", "activation_distance", "parameter_distance", "test_loss",
                             "train_loss", "balance_drift", "kernel_distance_fixed_patterns")


@dataclass(frozen=True)
class UpstreamConfig:
    """One student at overall scale ``tau`` and balance ``delta`` (defaults: a size that runs in a few seconds).

    The paper's sizes are ``d=100, n_train=1000, width=50``, 10,000 test points, ``base_step=5e-3`` and
    checkpoints up to ``10^5`` (Fig. 1b) or ``10^6`` steps (appendix). ``seed`` draws the teacher, the training
    inputs and the student (the authors also redraw the teacher per seed); ``test_seed`` draws the test inputs.
    """

    tau: float
    delta: float
    d: int = 20
    n_train: int = 200
    width: int = 50
    teacher_width: int = 3
    base_step: float = 1e-3
    checkpoints: tuple[int, ...] = (0, 10, 100, 1000, 10_000)
    eta_w: float = 1.0
    eta_a: float = 1.0
    seed: int = 0
    n_test: int = 10_000
    test_seed: int = 201

    def __post_init__(self) -> None:
        check_real(self.tau, "tau", "the overall scale |a| ||w|| = tau^2, e.g. 0.1 (rich) to 2 (lazy)", positive=True)
        check_real(self.delta, "delta", "the balance eta_w a^2 - eta_a ||w||^2, e.g. -1 to 1")
        check_int(self.d, "d", 2, "the input dimension, e.g. 20 (the paper uses 100)")
        check_int(self.n_train, "n_train", 1, "the number of training inputs, e.g. 200 (the paper uses 1000)")
        check_int(self.teacher_width, "teacher_width", 1, "the paper's teacher has 3 neurons")
        check_int(self.n_test, "n_test", 1, "the paper tests on 10,000 inputs")
        check_int(self.seed, "seed", 0, "any non-negative integer")
        check_int(self.test_seed, "test_seed", 0, "any non-negative integer")
        check_real(self.base_step, "base_step", "the step is base_step / tau^2; the paper uses 5e-3", positive=True)
        check_real(self.eta_w, "eta_w", "the hidden layer's rate, e.g. 1.0", positive=True)
        check_real(self.eta_a, "eta_a", "the readout's rate, e.g. 1.0", positive=True)
        check_int(self.width, "width", 2, "use an even number of neurons, e.g. 50")
        if self.width % 2:
            raise InputError(f"width={self.width!r}: must be even (each neuron has a twin with the opposite readout)")
        cps = self.checkpoints
        if (not isinstance(cps, tuple | list) or not cps
                or any(isinstance(c, bool) or not isinstance(c, int | np.integer) or c < 0 for c in cps)
                or any(b <= a for a, b in pairwise(cps))):
            raise InputError(f"checkpoints={cps!r}: must be a non-empty increasing sequence of step counts >= 0, "
                             "e.g. (0, 10, 100, 1000)")
        object.__setattr__(self, "checkpoints", tuple(int(c) for c in cps))

    @property
    def step(self) -> float:
        """The gradient-descent step ``base_step / tau^2``."""
        return self.base_step / self.tau**2


def teacher_student_data(cfg: UpstreamConfig) -> dict[str, np.ndarray]:
    """Training and test inputs and labels, the teacher and the student's initialization, from ``cfg``'s seeds.

    Examples
    --------
    >>> data = teacher_student_data(UpstreamConfig(tau=0.1, delta=1.0, d=5, n_train=8, width=4, n_test=3))
    >>> data["X"].shape, data["y"].shape, data["X_test"].shape, data["W"].shape
    ((8, 5), (8,), (3, 5), (4, 5))
    """
    teacher_rng, data_rng, student_rng = (np.random.default_rng(s)
                                          for s in np.random.SeedSequence(cfg.seed).spawn(3))
    V = unit_sphere(teacher_rng, cfg.teacher_width, cfg.d)
    s = np.where(teacher_rng.standard_normal(cfg.teacher_width) >= 0, 1.0, -1.0)
    X = unit_sphere(data_rng, cfg.n_train, cfg.d)
    X_test = unit_sphere(np.random.default_rng(cfg.test_seed), cfg.n_test, cfg.d)
    W, a = symmetric_init(cfg.tau, cfg.delta, cfg.width, cfg.d, student_rng, eta_w=cfg.eta_w, eta_a=cfg.eta_a)
    return {"X": X, "y": forward(V, s, X), "X_test": X_test, "y_test": forward(V, s, X_test),
            "teacher_W": V, "teacher_a": s, "W": W, "a": a}


def run(cfg: UpstreamConfig) -> dict[str, Any]:
    """Train one student by gradient descent; every measure at every checkpoint, as plain floats and lists.

    ``status`` is ``"success"``, or ``"failed"`` if the loss diverged (then the lists stop at the last checkpoint
    reached and ``message`` says where).

    Examples
    --------
    >>> r = run(UpstreamConfig(tau=0.1, delta=1.0, d=5, n_train=20, width=6, checkpoints=(0, 50), n_test=100))
    >>> r["status"], r["kernel_distance"][0], r["train_loss"][1] < r["train_loss"][0]
    ('success', 0.0, True)
    """
    data = teacher_student_data(cfg)
    X, y, X_test, y_test, W0, a0 = (data[k] for k in ("X", "y", "X_test", "y_test", "W", "a"))
    etas: dict[str, Any] = {"eta_w": cfg.eta_w, "eta_a": cfg.eta_a}
    K0, delta0 = ntk(W0, a0, X, **etas), balance(W0, a0, **etas)
    out: dict[str, list[float]] = {m: [] for m in MEASURES}

    def measure(_k: int, W: np.ndarray, a: np.ndarray) -> None:
        out["kernel_distance"].append(kernel_distance(K0, ntk(W, a, X, **etas)))
        out["activation_distance"].append(activation_distance(W0, W, X))
        out["parameter_distance"].append(parameter_distance(W0, a0, W, a))
        out["test_loss"].append(float(np.mean((forward(W, a, X_test) - y_test) ** 2)))
        out["train_loss"].append(float(np.mean((forward(W, a, X) - y) ** 2)))
        out["balance_drift"].append(float(np.max(np.abs(balance(W, a, **etas) - delta0))))
        out["kernel_distance_fixed_patterns"].append(kernel_distance(K0, ntk(W, a, X, pattern_of=W0, **etas)))

    _, _, done = gradient_descent(W0, a0, X, y, step=cfg.step, n_steps=cfg.checkpoints[-1], checkpoints=cfg.checkpoints,
                                  on_checkpoint=measure, **etas)
    ok = done == cfg.checkpoints[-1]
    message = "" if ok else (f"gradient descent diverged at step {done} (step {cfg.step:g}); lower base_step")
    return {"config": {**asdict(cfg), "checkpoints": list(cfg.checkpoints)}, "step": cfg.step,
            "checkpoints": list(cfg.checkpoints[:len(out["kernel_distance"])]), **out,
            "status": str(Status.SUCCESS if ok else Status.FAILED), "message": message}


def point(config: dict[str, Any]) -> dict[str, Any]:
    """:func:`run` on a JSON config (the keys of :class:`UpstreamConfig`): the function a sweep calls."""
    known = {f.name for f in fields(UpstreamConfig)}
    unknown = sorted(set(config) - known)
    if unknown:
        raise InputError(f"config has unknown keys {unknown}; the keys are {sorted(known)}")
    cfg = dict(config)
    if "checkpoints" in cfg:
        cfg["checkpoints"] = tuple(cfg["checkpoints"])
    return run(UpstreamConfig(**cfg))


def _mean_over_seeds(runs: list[dict[str, Any]], measure: str, n_checkpoints: int) -> list[float | None]:
    """Per checkpoint, the mean over the runs that reached it (``None`` where none did)."""
    means: list[float | None] = []
    for i in range(n_checkpoints):
        vals = [r[measure][i] for r in runs if len(r[measure]) > i]
        means.append(float(np.mean(vals)) if vals else None)
    return means


def run_grid(taus: Sequence[float], deltas: Sequence[float], seeds: Sequence[int], *,
             store: str | Path = "sweeps.sqlite", name: str = "relu_upstream", workers: int | None = None,
             client: Any = None, progress: bool | None = None, **base: Any) -> dict[str, Any]:
    """Every ``(tau, delta, seed)`` through :func:`implicit_bias.sweeps.run_sweep`; maps averaged over seeds.

    ``base`` holds the other :class:`UpstreamConfig` fields (``d``, ``checkpoints``, ...). Returns
    ``{"taus", "deltas", "seeds", "checkpoints", "config", "maps", "n_failed", "failed"}`` where
    ``maps[measure][i][j]`` is the list over checkpoints of the seed-mean at ``(taus[i], deltas[j])``. A point that
    raised makes the sweep raise (:class:`~implicit_bias.errors.SweepError`); a run whose loss diverged is counted
    in ``n_failed`` and left out of the means from its divergence on.

    Examples
    --------
    >>> g = run_grid([0.1, 1.0], [-1.0, 1.0], [0], store=":memory:", workers=0, progress=False,
    ...              d=5, n_train=20, width=4, checkpoints=(0, 20), n_test=50)
    >>> len(g["maps"]["kernel_distance"]), len(g["maps"]["kernel_distance"][0]), g["n_failed"]
    (2, 2, 0)
    """
    from ..sweeps import run_sweep

    if not taus or not deltas or not seeds:
        raise InputError(f"taus={list(taus)!r}, deltas={list(deltas)!r}, seeds={list(seeds)!r}: each must be "
                         "non-empty")
    probe = UpstreamConfig(tau=float(taus[0]), delta=float(deltas[0]), **base)  # validates ``base`` before any work
    shared = {k: v for k, v in asdict(probe).items() if k not in ("tau", "delta", "seed")}
    shared["checkpoints"] = list(probe.checkpoints)
    configs = [{**shared, "tau": float(t), "delta": float(dl), "seed": int(s)}
               for t in taus for dl in deltas for s in seeds]
    for c in configs:
        UpstreamConfig(**{**c, "checkpoints": tuple(c["checkpoints"])})
    res = run_sweep(point, configs, store=store, name=name, workers=workers, client=client, progress=progress)
    res.raise_for_failures()
    runs = iter(r for _c, r in res.results)
    cells = [[[next(runs) for _s in seeds] for _d in deltas] for _t in taus]
    n_cp = len(probe.checkpoints)
    maps = {m: [[_mean_over_seeds(cell, m, n_cp) for cell in row] for row in cells] for m in MEASURES}
    failed = [r["config"] for row in cells for cell in row for r in cell if r["status"] != Status.SUCCESS]
    return {"taus": [float(t) for t in taus], "deltas": [float(dl) for dl in deltas], "seeds": [int(s) for s in seeds],
            "checkpoints": list(probe.checkpoints), "config": shared, "maps": maps, "n_failed": len(failed),
            "failed": failed}
