"""Do the student's neurons align with the teacher's? (Kunin et al. 2024, Fig. 1a.)

The two-dimensional teacher-student task of Chizat et al. (2019) as in Kunin et al. (2024), Fig. 1(a): ``n_train``
inputs on the unit circle, a teacher of 3 unit-norm ReLU neurons with readouts ``+-1``, a symmetrized student of
``width`` neurons with ``|a_k| ||w_k|| = tau^2`` and balance ``delta`` (as in
:mod:`implicit_bias.experiments.relu_upstream`), trained by gradient descent with a fixed step to time ``t_end``
(the authors: step ``1e-4``, ``10^6`` steps; here ``1e-3``, ``10^5`` steps, the same time 100).

The paper's figure plots ``|a_k| w_k`` over training: at small ``tau`` a balanced or upstream student gathers its
neurons on the teacher's directions (rich), a downstream one spreads them (lazy), and so does any student at large
``tau``. Measured here by :func:`alignment`: the share of the student's output scale ``sum_k |a_k| ||w_k||`` carried
by neurons within ``angle`` degrees of a teacher neuron whose readout has the same sign, and the scale-weighted mean
cosine to the nearest such teacher neuron.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from .._validation import check_int, check_real
from ..errors import InputError
from ..results import Status
from .relu_upstream import UpstreamConfig, teacher_student_data
from .two_layer_relu import activation_distance, forward, gradient_descent

__all__ = ["AlignmentConfig", "alignment", "alignment_point", "run_alignment", "spread_teacher"]


@dataclass(frozen=True)
class AlignmentConfig:
    """One student of the 2-D task: scales ``tau``, ``delta``; a fixed ``step`` for ``round(t_end / step)`` steps."""

    tau: float
    delta: float
    d: int = 2
    n_train: int = 20
    width: int = 50
    teacher_width: int = 3
    step: float = 1e-3
    t_end: float = 100.0
    n_frames: int = 100
    angle: float = 10.0
    seed: int = 0
    spread_teacher: bool = True

    def __post_init__(self) -> None:
        check_real(self.step, "step", "the paper's Fig. 1(a) uses 1e-4; 1e-3 follows the same flow", positive=True)
        check_real(self.t_end, "t_end", "the paper trains to time 100", positive=True)
        check_int(self.n_frames, "n_frames", 1, "how many snapshots of |a_k| w_k to keep, e.g. 100")
        check_real(self.angle, "angle", "a tolerance in degrees, e.g. 10", positive=True)
        if not isinstance(self.spread_teacher, bool):
            raise InputError(f"spread_teacher={self.spread_teacher!r}: must be True or False")
        if self.spread_teacher and self.d != 2:
            raise InputError(f"spread_teacher=True needs d=2 (teacher neurons spread on the circle), got d={self.d}")
        if self.angle >= 90:
            raise InputError(f"angle={self.angle!r}: must be below 90 degrees (a cone around each teacher neuron)")
        self.upstream_config()  # validates tau, delta, d, n_train, width, teacher_width, seed

    def upstream_config(self) -> UpstreamConfig:
        """The same task and student as an :class:`UpstreamConfig` (it draws the data and the initialization)."""
        return UpstreamConfig(tau=self.tau, delta=self.delta, d=self.d, n_train=self.n_train, width=self.width,
                              teacher_width=self.teacher_width, seed=self.seed, n_test=1)

    @property
    def n_steps(self) -> int:
        return max(1, round(self.t_end / self.step))


def spread_teacher(width: int, phase: float) -> tuple[np.ndarray, np.ndarray]:
    """Teacher neurons at the angles ``phase + 2 pi j / width`` with readouts ``(+1, -1, -1, ...)``.

    A random teacher in two dimensions can put neurons of opposite readouts side by side (they then partly cancel
    and the student may fit the labels with other directions); the authors drew theirs with a seed chosen for "a
    nice spread" (readouts ``(-1, -1, 1)``). Spreading the neurons evenly keeps every seed's teacher identifiable.

    Examples
    --------
    >>> V, s = spread_teacher(3, 0.0)
    >>> np.round(V, 3).tolist(), s.tolist()
    ([[1.0, 0.0], [-0.5, 0.866], [-0.5, -0.866]], [1.0, -1.0, -1.0])
    """
    angles = phase + 2 * np.pi * np.arange(width) / width
    signs = np.where(np.arange(width) == 0, 1.0, -1.0)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1), signs


def alignment(W: np.ndarray, a: np.ndarray, V: np.ndarray, s: np.ndarray, *, angle: float = 10.0
              ) -> tuple[float, float]:
    """``(share, mean_cos)``: how much of ``sum_k |a_k| ||w_k||`` lies within ``angle`` degrees of a same-sign
    teacher neuron ``(V_j, s_j)``, and the scale-weighted mean cosine to the nearest same-sign teacher neuron
    (``-1`` where no teacher neuron has the student neuron's sign).

    Examples
    --------
    >>> V, s = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, -1.0])
    >>> share, mean_cos = alignment(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([1.0, 1.0]), V, s)
    >>> round(share, 4), round(mean_cos, 4)  # 2 / (2 + sqrt 2), (2 + sqrt 2 cos 45) / (2 + sqrt 2)
    (0.5858, 0.8787)
    """
    mass = np.abs(a) * np.linalg.norm(W, axis=1)
    total = float(np.sum(mass))
    if total == 0.0:
        raise InputError("alignment: every student neuron is zero (|a_k| ||w_k|| = 0); nothing to align")
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    cos = (W / np.where(norms > 0, norms, 1.0)) @ (V / np.linalg.norm(V, axis=1, keepdims=True)).T
    best = np.max(np.where(np.sign(a)[:, None] == np.sign(s)[None, :], cos, -1.0), axis=1)
    near = best >= np.cos(np.radians(angle))
    return float(np.sum(mass * near)) / total, float(np.sum(mass * best)) / total


def run_alignment(cfg: AlignmentConfig) -> dict[str, Any]:
    """Train one student; the frames of ``|a_k| w_k``, the final alignment, activation distance and train loss.

    Examples
    --------
    >>> r = run_alignment(AlignmentConfig(tau=0.1, delta=1.0, t_end=2.0, step=1e-2, width=6, n_frames=2))
    >>> r["status"], len(r["frames"]), len(r["frames"][0]), 0.0 <= r["share"] <= 1.0
    ('success', 3, 6, True)
    """
    data = teacher_student_data(cfg.upstream_config())
    X, V, s, W0, a0 = (data[k] for k in ("X", "teacher_W", "teacher_a", "W", "a"))
    if cfg.spread_teacher:
        V, s = spread_teacher(cfg.teacher_width, float(np.arctan2(V[0, 1], V[0, 0])))
    y = forward(V, s, X)
    marks = sorted({round(i * cfg.n_steps / cfg.n_frames) for i in range(cfg.n_frames + 1)})
    frames: list[list[list[float]]] = []

    def snapshot(_k: int, W: np.ndarray, a: np.ndarray) -> None:
        frames.append((np.abs(a)[:, None] * W).tolist())

    W, a, done = gradient_descent(W0, a0, X, y, step=cfg.step, n_steps=cfg.n_steps, checkpoints=tuple(marks),
                                  on_checkpoint=snapshot)
    share, mean_cos = alignment(W, a, V, s, angle=cfg.angle)
    ok = done == cfg.n_steps
    return {"config": asdict(cfg), "times": [k * cfg.step for k in marks[:len(frames)]], "frames": frames,
            "teacher_W": V.tolist(), "teacher_a": s.tolist(), "final_sign": np.sign(a).tolist(),
            "share": share, "mean_cos": mean_cos, "activation_distance": activation_distance(W0, W, X),
            "train_loss": float(np.mean((forward(W, a, X) - y) ** 2)), "initial_loss": float(np.mean(y**2)),
            "status": str(Status.SUCCESS if ok else Status.FAILED),
            "message": "" if ok else f"gradient descent diverged at step {done}; lower step"}


def alignment_point(config: dict[str, Any]) -> dict[str, Any]:
    """:func:`run_alignment` on a JSON config (the keys of :class:`AlignmentConfig`): the function a sweep calls."""
    known = {f.name for f in fields(AlignmentConfig)}
    unknown = sorted(set(config) - known)
    if unknown:
        raise InputError(f"config has unknown keys {unknown}; the keys are {sorted(known)}")
    return run_alignment(AlignmentConfig(**config))
