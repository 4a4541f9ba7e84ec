"""Section 7 of Woodworth et al. (2020): kernel and rich regimes of ReLU networks (Fig. 6 a-c, Fig. 7).

Everything is plain numpy: a fully connected bias-free ReLU network written by hand (forward pass,
back-propagation, per-example Jacobian), trained by full-batch gradient descent from ``alpha`` times a
He-uniform initialization. Three experiments, each a frozen config and a pure ``run_*(config) -> dict``
(JSON-ready):

* :func:`run_circle` (Fig. 6 a, b): ``N`` points on the unit circle, teacher with one hidden layer of 3 units,
  student of depth ``D`` and width 30; test RMSE on the circle and the *grad distance*
  ``1 - <J_0, J_T>_F / (||J_0||_F ||J_T||_F)`` between the tangent-kernel feature maps (Jacobians of the
  training outputs with respect to all parameters) at initialization and at convergence.
* :func:`run_digits` (Fig. 6 c, with scikit-learn's 8x8 ``load_digits`` instead of MNIST): depth-2 network at
  a small and a large ``alpha``, the kernel predictor (minimum-norm interpolant of the model linearized at
  initialization, solved by conjugate gradients) and the random-features predictor (last layer only).
* :func:`run_univariate` (Fig. 7): ``f(x) = sum_j w2_j relu(w1_j x + b1_j)``, unbiased initialization
  (Chizat: every unit has a twin with the opposite output weight, so ``f = 0`` at initialization), three
  layer scalings, trained to interpolation; compared with the linear spline through the data.

Deviations from the paper that are forced or chosen here: the networks have no biases (except Fig. 7's
hidden biases); the square loss is ``0.5 * sum of squared residuals`` (Fig. 6 a, b) so that the stated step
0.01 converges in a tractable number of steps; the output is *centered* (``f(x) - f_{theta_0}(x)``, same
tangent kernel, zero at initialization) for Fig. 6 so that the large-``alpha`` end is not dominated by the
random initial function of size ``alpha^D``; for ``alpha > 1`` the step is divided by ``alpha^(2(D-1))``
(the tangent kernel grows like that) and any divergence halves the step and is recorded.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_int, check_real
from ..errors import InputError, NumericalError

__all__ = [
    "CircleConfig",
    "DigitsConfig",
    "UnivariateConfig",
    "forward",
    "he_uniform",
    "jacobian",
    "loss_and_grad",
    "run_circle",
    "run_digits",
    "run_univariate",
    "univariate_forward",
    "univariate_grad",
    "univariate_init",
]


# ------------------------------------------------------------------------------------------ the ReLU network
def he_uniform(sizes: tuple[int, ...], rng: np.random.Generator, alpha: float = 1.0) -> list[np.ndarray]:
    """``alpha`` times He-uniform weights ``U(-sqrt(6/fan_in), sqrt(6/fan_in))`` for layer sizes ``sizes``.

    Examples
    --------
    >>> ws = he_uniform((2, 30, 1), np.random.default_rng(0))
    >>> [w.shape for w in ws]
    [(30, 2), (1, 30)]
    """
    return [alpha * rng.uniform(-1, 1, (n_out, n_in)) * np.sqrt(6.0 / n_in)
            for n_in, n_out in itertools.pairwise(sizes)]


def _forward_cache(weights: list[np.ndarray], X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    hs = [X]
    for W in weights[:-1]:
        hs.append(np.maximum(hs[-1] @ W.T, 0.0))
    return hs[-1] @ weights[-1].T, hs


def forward(weights: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Outputs ``(n, n_out)`` of the bias-free ReLU network ``W_D relu(... relu(W_1 x))`` on the rows of ``X``.

    Examples
    --------
    >>> W = [np.array([[1.0, 0.0], [0.0, -1.0]]), np.array([[2.0, 3.0]])]
    >>> forward(W, np.array([[1.0, -1.0]]))
    array([[5.]])
    """
    return _forward_cache(weights, X)[0]


def _backward(weights: list[np.ndarray], hs: list[np.ndarray], G: np.ndarray) -> list[np.ndarray]:
    grads: list[np.ndarray] = [np.empty(0)] * len(weights)
    delta = G
    for layer in range(len(weights) - 1, -1, -1):
        grads[layer] = delta.T @ hs[layer]
        if layer > 0:
            delta = (delta @ weights[layer]) * (hs[layer] > 0)
    return grads


def loss_and_grad(weights: list[np.ndarray], X: np.ndarray, Y: np.ndarray, *, offset: np.ndarray | float = 0.0,
                  scale: float = 0.5) -> tuple[float, list[np.ndarray]]:
    """``L = scale * sum (f(X) - offset - Y)^2`` and its gradient with respect to every weight matrix.

    ``offset`` is ``f_{theta_0}(X)`` for the centered model. Back-propagation by hand.

    Examples
    --------
    >>> ws = he_uniform((2, 5, 1), np.random.default_rng(0))
    >>> L, g = loss_and_grad(ws, np.eye(2), np.zeros((2, 1)))
    >>> [gi.shape for gi in g]
    [(5, 2), (1, 5)]
    """
    out, hs = _forward_cache(weights, X)
    R = out - offset - Y
    return float(scale * np.sum(R.astype(float) ** 2)), _backward(weights, hs, 2.0 * scale * R)


def jacobian(weights: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Tangent features: ``(n, P)`` Jacobian of the scalar outputs on ``X`` w.r.t. all weights (row-major flat).

    Examples
    --------
    >>> ws = he_uniform((2, 4, 4, 1), np.random.default_rng(0))
    >>> jacobian(ws, np.ones((3, 2))).shape
    (3, 28)
    """
    if weights[-1].shape[0] != 1:
        raise InputError(f"jacobian needs a scalar output, got {weights[-1].shape[0]} outputs; slice the last layer")
    _, hs = _forward_cache(weights, X)
    n = X.shape[0]
    blocks: list[np.ndarray] = [np.empty(0)] * len(weights)
    delta = np.ones((n, 1))
    for layer in range(len(weights) - 1, -1, -1):
        blocks[layer] = np.einsum("ni,nj->nij", delta, hs[layer]).reshape(n, -1)
        if layer > 0:
            delta = (delta @ weights[layer]) * (hs[layer] > 0)
    return np.concatenate(blocks, axis=1)


def _cosine_distance(A: np.ndarray, B: np.ndarray) -> float:
    return float(1.0 - np.sum(A * B) / (np.linalg.norm(A) * np.linalg.norm(B)))


def _gd(weights: list[np.ndarray], X: np.ndarray, Y: np.ndarray, offset: np.ndarray, *, step: float,
        target_loss: float, max_steps: int, scale: float = 0.5, max_halvings: int = 6) -> dict[str, Any]:
    """Full-batch GD in place; a blow-up restarts from the same start with half the step (recorded)."""
    start = [w.copy() for w in weights]
    for halvings in range(max_halvings + 1):
        eta = step / 2**halvings
        ws = [w.copy() for w in start]
        L0, _ = loss_and_grad(ws, X, Y, offset=offset, scale=scale)
        diverged = False
        t = 0
        for t in range(1, max_steps + 1):
            loss, g = loss_and_grad(ws, X, Y, offset=offset, scale=scale)
            if not np.isfinite(loss) or loss > 1e6 * max(L0, 1e-12):
                diverged = True
                break
            if loss < target_loss:
                t -= 1
                break
            for w, gi in zip(ws, g, strict=True):
                w -= eta * gi
        if not diverged:
            loss, _ = loss_and_grad(ws, X, Y, offset=offset, scale=scale)
            for w, new in zip(weights, ws, strict=True):
                w[...] = new
            return {"steps": t, "final_loss": float(loss), "success": bool(loss < target_loss), "step_used": eta,
                    "halvings": halvings}
    raise NumericalError(f"gradient descent diverged even with step {eta:g} after {max_halvings} halvings")


# ------------------------------------------------------------------------------- Fig. 6 a, b: unit circle
@dataclass(frozen=True)
class CircleConfig:
    """One student depth and scale on the unit-circle task (Fig. 6 a, b).

    ``log10_alpha_D`` sets the depth-adjusted scale ``alpha^D``. ``step`` is the paper's 0.01; for
    ``alpha > 1`` it is divided by ``alpha^(2(D-1))``. Loss ``0.5 sum_i (f(x_i) - y_i)^2``.
    """

    depth: int = 2
    log10_alpha_D: float = 0.0
    width: int = 30
    n_train: int = 10
    teacher_width: int = 3
    teacher_rms: float = 0.29
    step: float = 0.01
    target_loss: float = 1e-9
    max_steps: int = 200_000
    n_test: int = 720
    data_seed: int = 0
    init_seed: int = 1
    center: bool = True

    def __post_init__(self) -> None:
        check_int(self.depth, "depth", 2, "D counts weight layers, so a ReLU network needs D >= 2")
        check_int(self.width, "width", 1, "use the paper's 30 hidden units")
        check_int(self.n_train, "n_train", 1, "the paper uses 10 points")
        check_int(self.max_steps, "max_steps", 1, "allow at least one step")
        check_real(self.step, "step", "the paper uses 0.01", positive=True)
        check_real(self.target_loss, "target_loss", "the paper uses 1e-9", positive=True)
        check_real(10.0**self.log10_alpha_D, "alpha^D", "pass a finite log10_alpha_D", positive=True)


def circle_data(cfg: CircleConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: uniform angles, teacher scaled to RMS ``teacher_rms`` on the circle."""
    rng = np.random.default_rng(cfg.data_seed)
    V = rng.standard_normal((cfg.teacher_width, 2))
    a = rng.standard_normal(cfg.teacher_width)

    def circle(theta: np.ndarray) -> np.ndarray:
        return np.stack([np.cos(theta), np.sin(theta)], axis=1)

    def teacher(X: np.ndarray) -> np.ndarray:
        return np.maximum(X @ V.T, 0.0) @ a

    X_test = circle(np.linspace(0, 2 * np.pi, cfg.n_test, endpoint=False))
    norm = cfg.teacher_rms / np.sqrt(np.mean(teacher(X_test) ** 2))
    X = circle(rng.uniform(0, 2 * np.pi, cfg.n_train))
    return X, norm * teacher(X), X_test, norm * teacher(X_test)


def run_circle(cfg: CircleConfig) -> dict[str, Any]:
    """Train one student; test RMSE, grad distance, steps and the step actually used.

    Examples
    --------
    >>> r = run_circle(CircleConfig(depth=2, log10_alpha_D=0.0, target_loss=1e-3, max_steps=3000))
    >>> r["success"], r["test_rmse"] < 0.29
    (True, True)
    """
    X, y, X_test, y_test = circle_data(cfg)
    D = cfg.depth
    alpha = 10.0 ** (cfg.log10_alpha_D / D)
    ws = he_uniform((2,) + (cfg.width,) * (D - 1) + (1,), np.random.default_rng(cfg.init_seed), alpha)
    off = forward(ws, X) if cfg.center else np.zeros((len(X), 1))
    off_test = forward(ws, X_test) if cfg.center else np.zeros((len(X_test), 1))
    J0 = jacobian(ws, X)
    step = cfg.step / max(alpha, 1.0) ** (2 * (D - 1))
    info = _gd(ws, X, y[:, None], off, step=step, target_loss=cfg.target_loss, max_steps=cfg.max_steps)
    pred = (forward(ws, X_test) - off_test)[:, 0]
    return {"depth": D, "log10_alpha_D": cfg.log10_alpha_D, "alpha": alpha,
            "test_rmse": float(np.sqrt(np.mean((pred - y_test) ** 2))),
            "zero_rmse": float(np.sqrt(np.mean(y_test**2))),
            "grad_distance": _cosine_distance(J0, jacobian(ws, X)), **info}


# ------------------------------------------------------------------------------------ Fig. 6 c: digits
@dataclass(frozen=True)
class DigitsConfig:
    """Depth-2 ReLU network on scikit-learn's 8x8 digits, square loss on one-hot labels, full-batch GD.

    The networks train in float32 (speed); the kernel and random-features predictors are float64.

    ``alphas`` are the scales trained (small = rich, large = kernel); the step is ``step / max(alpha, 1)^2``.
    """

    width: int = 500
    n_train: int = 1000
    alphas: tuple[float, ...] = (0.1, 30.0)
    step: float = 0.5
    target_loss: float = 1e-4
    max_steps: int = 5000
    split_seed: int = 0
    init_seed: int = 1
    cg_tol: float = 1e-8

    def __post_init__(self) -> None:
        check_int(self.width, "width", 1, "the paper uses 5000 hidden units")
        check_int(self.n_train, "n_train", 1, "use a few hundred of the 1797 digits")
        if self.n_train >= 1797:
            raise InputError(f"n_train must leave test digits (< 1797), got {self.n_train}")
        if not self.alphas:
            raise InputError("alphas must not be empty; pass e.g. (0.1, 30.0)")
        for a in self.alphas:
            check_real(a, "alphas[i]", "scales multiply the He initialization", positive=True)
        check_real(self.step, "step", "try 0.5", positive=True)


def digits_data(cfg: DigitsConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train/test split of ``sklearn.datasets.load_digits``; each image scaled to unit norm; one-hot targets."""
    from sklearn.datasets import load_digits

    data = load_digits()
    X = data.data / np.linalg.norm(data.data, axis=1, keepdims=True)
    perm = np.random.default_rng(cfg.split_seed).permutation(len(X))
    tr, te = perm[: cfg.n_train], perm[cfg.n_train:]
    Y = np.eye(10)[data.target]
    return X[tr], Y[tr], X[te], data.target[te]


def _linearized_min_norm(ws: list[np.ndarray], X: np.ndarray, Y: np.ndarray, tol: float
                         ) -> tuple[list[np.ndarray], float]:
    """Minimum-norm ``dtheta`` with ``J dtheta = Y`` (depth 2, all outputs), by CG on ``J J^T``."""
    from scipy.sparse.linalg import LinearOperator, cg

    W1, W2 = ws
    H = np.maximum(X @ W1.T, 0.0)
    A = (H > 0).astype(float)
    n, C = Y.shape

    def JT(R: np.ndarray) -> list[np.ndarray]:  # R (n, C) -> (dW1, dW2)
        return [((R @ W2) * A).T @ X, R.T @ H]

    def Jv(d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
        return H @ d2.T + ((X @ d1.T) * A) @ W2.T

    op = LinearOperator((n * C, n * C), matvec=lambda v: Jv(*JT(v.reshape(n, C))).ravel(), dtype=float)
    sol, _ = cg(op, Y.ravel(), rtol=tol, maxiter=20_000)
    d = JT(sol.reshape(n, C))
    resid = float(np.linalg.norm(Jv(*d) - Y) / np.linalg.norm(Y))
    return d, resid


def run_digits(cfg: DigitsConfig) -> dict[str, Any]:
    """Test error (%) of the trained networks, the kernel predictor and the random-features predictor."""
    X, Y, X_test, labels = digits_data(cfg)
    out: dict[str, Any] = {"n_train": cfg.n_train, "n_test": len(X_test), "width": cfg.width, "networks": []}

    def err(pred: np.ndarray) -> float:
        return float(100.0 * np.mean(np.argmax(pred, axis=1) != labels))

    base = he_uniform((X.shape[1], cfg.width, 10), np.random.default_rng(cfg.init_seed))
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    for alpha in cfg.alphas:
        ws = [(alpha * w).astype(np.float32) for w in base]
        off, off_test = forward(ws, X32), forward(ws, X_test.astype(np.float32))
        info = _gd(ws, X32, Y32, off, step=cfg.step / max(alpha, 1.0) ** 2, target_loss=cfg.target_loss,
                   max_steps=cfg.max_steps, scale=0.5 / len(X))
        pred = forward(ws, X_test.astype(np.float32)) - off_test
        train_acc = float(np.mean(np.argmax(forward(ws, X32) - off, axis=1) == np.argmax(Y, axis=1)))
        out["networks"].append({"alpha": alpha, "test_error": err(pred), "train_accuracy": train_acc, **info})
    d, resid = _linearized_min_norm(base, X, Y, cfg.cg_tol)
    W1, W2 = base
    H_t = np.maximum(X_test @ W1.T, 0.0)
    kernel_pred = H_t @ d[1].T + ((X_test @ d[0].T) * (H_t > 0)) @ W2.T
    out["kernel"] = {"test_error": err(kernel_pred), "train_residual": resid}
    H = np.maximum(X @ W1.T, 0.0)
    coef, *_ = np.linalg.lstsq(H, Y, rcond=None)
    out["random_features"] = {"test_error": err(H_t @ coef),
                              "train_accuracy": float(np.mean(np.argmax(H @ coef, 1) == np.argmax(Y, 1)))}
    return out


# ---------------------------------------------------------------------------------- Fig. 7: univariate
SCALINGS: dict[str, tuple[float, float]] = {"a": (0.0, 0.0), "b": (-0.5, 0.5), "c": (-0.25, 0.25)}


@dataclass(frozen=True)
class UnivariateConfig:
    """Fig. 7: width-``k`` two-layer ReLU net on a 1-D plateau, one layer scaling and one ``alpha``.

    ``scaling`` "a": ``w1, b1 ~ N(0, 1)``, ``w2 ~ N(0, 2/k)`` (std ``sqrt(2/k)``); "b" multiplies
    ``(w1, b1, w2)`` by ``(k^-0.5, k^-0.5, k^0.5)``; "c" by ``(k^-0.25, k^-0.25, k^0.25)``.
    """

    scaling: str = "a"
    log10_alpha: float = -2.0
    width: int = 1000
    x_train: tuple[float, ...] = (-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5)
    y_train: tuple[float, ...] = (0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0)
    target_loss: float = 1e-7
    max_steps: int = 200_000
    step_factor: float = 0.5
    seed: int = 0
    n_grid: int = 301

    def __post_init__(self) -> None:
        if self.scaling not in SCALINGS:
            raise InputError(f"scaling must be one of {sorted(SCALINGS)}, got {self.scaling!r}")
        check_int(self.width, "width", 2, "use an even number of units (each has an opposite-sign twin)")
        if self.width % 2:
            raise InputError(f"width must be even (units come in twins), got {self.width}")
        if len(self.x_train) != len(self.y_train) or not self.x_train:
            raise InputError(f"x_train and y_train must be non-empty and of equal length, got "
                             f"{len(self.x_train)} and {len(self.y_train)}")
        check_real(10.0**self.log10_alpha, "alpha", "pass a finite log10_alpha", positive=True)
        check_real(self.step_factor, "step_factor", "try 0.5", positive=True)


def univariate_init(cfg: UnivariateConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``alpha * (w1, b1, w2)``, unbiased: units ``j`` and ``j + k/2`` share ``(w1, b1)`` and have opposite ``w2``.

    Examples
    --------
    >>> w1, b1, w2 = univariate_init(UnivariateConfig(width=8))
    >>> bool(np.abs(univariate_forward((w1, b1, w2), np.linspace(-2, 2, 5))).max() < 1e-15)
    True
    """
    k = cfg.width
    rng = np.random.default_rng(cfg.seed)
    e_in, e_out = SCALINGS[cfg.scaling]
    half = k // 2
    w1 = rng.standard_normal(half) * k**e_in
    b1 = rng.standard_normal(half) * k**e_in
    w2 = rng.standard_normal(half) * np.sqrt(2.0 / k) * k**e_out
    alpha = 10.0**cfg.log10_alpha
    return (alpha * np.concatenate([w1, w1]), alpha * np.concatenate([b1, b1]),
            alpha * np.concatenate([w2, -w2]))


def univariate_forward(theta: tuple[np.ndarray, np.ndarray, np.ndarray], x: np.ndarray) -> np.ndarray:
    """``f(x) = sum_j w2_j relu(w1_j x + b1_j)`` for a 1-D array ``x``."""
    w1, b1, w2 = theta
    return np.maximum(np.outer(x, w1) + b1, 0.0) @ w2


def univariate_grad(theta: tuple[np.ndarray, np.ndarray, np.ndarray], x: np.ndarray, y: np.ndarray
                    ) -> tuple[float, tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """Loss ``0.5 sum (f(x_i) - y_i)^2``, its gradient ``(dw1, db1, dw2)`` and the Jacobian ``(n, 3k)``."""
    w1, b1, w2 = theta
    Z = np.outer(x, w1) + b1
    H = np.maximum(Z, 0.0)
    A = (Z > 0) * w2
    r = H @ w2 - y
    J = np.concatenate([A * x[:, None], A, H], axis=1)
    return float(0.5 * r @ r), (r @ (A * x[:, None]), r @ A, r @ H), J


def run_univariate(cfg: UnivariateConfig) -> dict[str, Any]:
    """Train to interpolation; the fitted curve on a grid, its distance to the linear spline and to the kernel fit.

    ``kernel_f`` is the minimum-norm interpolant of the model linearized at initialization (the
    ``alpha -> infinity`` limit for this initialization), ``kernel_max_dev`` the trained curve's distance to it.

    The step is ``step_factor / (lambda_max(J J^T) + sum_i |r_i| sqrt(1 + x_i^2))`` at every iteration (the
    Gauss-Newton part plus a bound on the residual part of the Hessian), i.e. GD with a curvature-scaled step,
    which follows the gradient flow for every ``alpha``.

    Examples
    --------
    >>> r = run_univariate(UnivariateConfig(scaling="b", width=1000, log10_alpha=1.0, target_loss=1e-6))
    >>> r["success"], r["spline_max_dev"] > 0.1
    (True, True)
    """
    x = np.asarray(cfg.x_train, float)
    y = np.asarray(cfg.y_train, float)
    w1, b1, w2 = univariate_init(cfg)
    grid = np.linspace(x.min(), x.max(), cfg.n_grid)
    J0 = univariate_grad((w1, b1, w2), x, y)[2]
    J0_grid = univariate_grad((w1, b1, w2), grid, np.zeros_like(grid))[2]
    kernel_f = J0_grid @ (J0.T @ np.linalg.solve(J0 @ J0.T, y))
    bound = np.sqrt(1.0 + x**2)
    loss = np.inf
    t = 0
    for t in range(cfg.max_steps + 1):
        loss, (g1, gb, g2), J = univariate_grad((w1, b1, w2), x, y)
        if not np.isfinite(loss):
            raise NumericalError(f"univariate GD diverged at step {t} ({cfg})")
        if loss < cfg.target_loss:
            break
        r = univariate_forward((w1, b1, w2), x) - y
        eta = cfg.step_factor / (np.linalg.eigvalsh(J @ J.T)[-1] + np.abs(r) @ bound)
        w1, b1, w2 = w1 - eta * g1, b1 - eta * gb, w2 - eta * g2
    f = univariate_forward((w1, b1, w2), grid)
    spline = np.interp(grid, x, y)
    moved = float(np.linalg.norm(np.concatenate([w1, b1, w2]) - np.concatenate(univariate_init(cfg))) /
                  np.linalg.norm(np.concatenate(univariate_init(cfg))))
    return {"scaling": cfg.scaling, "log10_alpha": cfg.log10_alpha, "width": cfg.width, "steps": t,
            "final_loss": loss, "success": bool(loss < cfg.target_loss), "grid": grid.tolist(), "f": f.tolist(),
            "x_train": x.tolist(), "y_train": y.tolist(),
            "spline_max_dev": float(np.max(np.abs(f - spline))), "relative_weight_change": moved,
            "kernel_f": kernel_f.tolist(), "kernel_max_dev": float(np.max(np.abs(f - kernel_f)))}
