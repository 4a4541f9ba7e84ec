"""Two-layer ReLU networks ``f(x) = sum_k a_k relu(w_k . x)`` with one balance ``delta_k`` per neuron.

The pieces the upstream/downstream experiments of Kunin et al. (2024, Sec. 5 and Fig. 1) are made of, in float64
numpy and vectorized over neurons and samples:

* the initialization at overall scale ``tau`` and relative scale ``delta`` (:func:`neuron_scales`,
  :func:`symmetric_init`);
* the square loss ``L = mean_n (f(x_n) - y_n)^2`` and its gradient (:func:`loss_and_gradient`);
* the per-neuron conserved quantity ``delta_k = eta_w a_k^2 - eta_a ||w_k||^2`` (:func:`balance`);
* gradient descent (:func:`gradient_descent`) and a fixed-step Runge-Kutta integrator of the gradient flow
  (:func:`gradient_flow`), both with layer-wise rates ``eta_w`` (hidden layer) and ``eta_a`` (readout);
* the neural tangent kernel on a set of inputs (:func:`ntk`) and three distances from initialization:
  :func:`kernel_distance`, :func:`activation_distance` (Hamming) and :func:`parameter_distance`.

Why ``delta_k`` is conserved. With rates ``eta_w``, ``eta_a`` the flow is ``w_k' = -eta_w dL/dw_k``,
``a_k' = -eta_a dL/da_k``, so ``d/dt (eta_w a_k^2 - eta_a ||w_k||^2) = -2 eta_w eta_a (a_k dL/da_k - w_k . dL/dw_k)``.
Since ``relu(z) = relu'(z) z`` for every ``z`` (the kink included, whatever value ``relu'(0)`` is given),
``a_k dL/da_k = sum_n r_n a_k relu(w_k . x_n) = w_k . dL/dw_k`` and the derivative vanishes identically. One step
of gradient descent of size ``h`` changes ``delta_k`` by exactly
``h^2 eta_w eta_a (eta_a (dL/da_k)^2 - eta_w ||dL/dw_k||^2)`` (:func:`balance_step_change`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validation import check_int, check_real
from ..errors import InputError

__all__ = [
    "activation_distance",
    "balance",
    "balance_step_change",
    "forward",
    "gradient_descent",
    "gradient_flow",
    "kernel_distance",
    "loss_and_gradient",
    "neuron_scales",
    "ntk",
    "parameter_distance",
    "symmetric_init",
    "unit_sphere",
]

#: A loss above this multiple of the initial loss (or a non-finite one) means gradient descent diverged.
DIVERGENCE_FACTOR = 1e6


def neuron_scales(tau: float, delta: float, *, eta_w: float = 1.0, eta_a: float = 1.0) -> tuple[float, float]:
    """``(|a|, ||w||)`` of a neuron with overall scale ``tau`` and balance ``delta``.

    Solves ``|a| ||w|| = tau^2`` and ``eta_w a^2 - eta_a ||w||^2 = delta``: with
    ``R = sqrt(delta^2 + 4 eta_w eta_a tau^4)``, ``a^2 = (R + delta) / (2 eta_w)`` and
    ``||w||^2 = (R - delta) / (2 eta_a)`` (each evaluated in the form without cancellation). For
    ``eta_w = eta_a = 1`` this is the parametrization of Kunin et al. (2024, Fig. 1): hidden rows of norm
    ``tau alpha`` and readouts ``tau / alpha`` with ``delta = tau^2 (alpha^-2 - alpha^2)``.

    Examples
    --------
    >>> a, w = neuron_scales(0.1, 0.9999)
    >>> round(a, 6), round(w, 6)
    (1.0, 0.01)
    >>> neuron_scales(1.0, 0.0)
    (1.0, 1.0)
    """
    tau = check_real(tau, "tau", "the overall scale is |a| ||w|| = tau^2, e.g. tau=0.1", positive=True)
    delta = check_real(delta, "delta", "delta = eta_w a^2 - eta_a ||w||^2 is any finite number, e.g. 0.5")
    eta_w = check_real(eta_w, "eta_w", "the hidden layer's rate, e.g. 1.0", positive=True)
    eta_a = check_real(eta_a, "eta_a", "the readout's rate, e.g. 1.0", positive=True)
    t4 = 4.0 * eta_w * eta_a * tau**4
    R = float(np.hypot(delta, np.sqrt(t4)))
    if delta >= 0:
        a2, w2 = (R + delta) / (2 * eta_w), t4 / (2 * eta_a * (R + delta))
    else:
        a2, w2 = t4 / (2 * eta_w * (R - delta)), (R - delta) / (2 * eta_a)
    if not (a2 > 0 and w2 > 0):
        raise InputError(f"tau={tau!r}, delta={delta!r}: |a| or ||w|| underflows to 0 (delta^2 / tau^4 is too "
                         "large for float64); use a larger tau or a smaller |delta|")
    return float(np.sqrt(a2)), float(np.sqrt(w2))


def unit_sphere(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """``n`` points uniform on the unit sphere of ``R^d`` (normalized Gaussians), one per row.

    Examples
    --------
    >>> X = unit_sphere(np.random.default_rng(0), 4, 3)
    >>> np.allclose(np.linalg.norm(X, axis=1), 1.0)
    True
    """
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def symmetric_init(tau: float, delta: float, width: int, d: int, rng: np.random.Generator, *,
                   eta_w: float = 1.0, eta_a: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``(W, a)``: ``width`` neurons with ``|a_k| ||w_k|| = tau^2`` and balance ``delta``, output 0 everywhere.

    Neuron ``k`` and ``k + width/2`` share a uniformly random direction and have opposite readouts of random
    sign (Chizat et al. 2019's symmetrization, as in Kunin et al. 2024, Fig. 1), so ``f(x; theta_0) = 0``.

    Examples
    --------
    >>> W, a = symmetric_init(0.1, 1.0, 4, 3, np.random.default_rng(0))
    >>> W.shape, a.shape, bool(np.allclose(balance(W, a), 1.0))
    ((4, 3), (4,), True)
    """
    width = check_int(width, "width", 2, "use an even number of neurons (they come in twins)")
    if width % 2:
        raise InputError(f"width={width!r}: must be even (each neuron has a twin with the opposite readout)")
    d = check_int(d, "d", 1, "the input dimension, e.g. 20")
    a_abs, w_norm = neuron_scales(tau, delta, eta_w=eta_w, eta_a=eta_a)
    half = width // 2
    dirs = unit_sphere(rng, half, d)
    signs = np.where(rng.standard_normal(half) >= 0, 1.0, -1.0)
    return w_norm * np.vstack([dirs, dirs]), a_abs * np.concatenate([signs, -signs])


def forward(W: np.ndarray, a: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``f(x_n) = sum_k a_k relu(w_k . x_n)`` for each row ``x_n`` of ``X``.

    Examples
    --------
    >>> forward(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([2.0, -1.0]), np.array([[1.0, -3.0]]))
    array([2.])
    """
    return np.maximum(X @ W.T, 0.0) @ a


def loss_and_gradient(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray
                      ) -> tuple[float, np.ndarray, np.ndarray]:
    """``(L, dL/dW, dL/da)`` for ``L = mean_n (f(x_n) - y_n)^2`` (``relu'(0) = 0``).

    Examples
    --------
    >>> W, a = np.array([[1.0, 0.0]]), np.array([2.0])
    >>> L, gW, ga = loss_and_gradient(W, a, np.array([[1.0, 1.0]]), np.array([0.0]))
    >>> L, gW.tolist(), ga.tolist()
    (4.0, [[8.0, 8.0]], [4.0])
    """
    Z = X @ W.T
    H = np.maximum(Z, 0.0)
    r = H @ a - y
    c = 2.0 / len(y)
    # dL/dw_k = a_k * 2/n sum_n r_n 1[w_k.x_n > 0] x_n: the readout factors out of the sum over samples
    gW = (c * a)[:, None] * (((Z > 0) * r[:, None]).T @ X)
    return float(r @ r) / len(y), gW, c * (r @ H)


def balance(W: np.ndarray, a: np.ndarray, *, eta_w: float = 1.0, eta_a: float = 1.0) -> np.ndarray:
    """Per-neuron conserved quantity ``delta_k = eta_w a_k^2 - eta_a ||w_k||^2`` (positive: upstream).

    Examples
    --------
    >>> balance(np.array([[3.0, 4.0]]), np.array([2.0]))
    array([-21.])
    """
    return eta_w * a * a - eta_a * np.einsum("kd,kd->k", W, W)


def balance_step_change(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray, step: float, *,
                        eta_w: float = 1.0, eta_a: float = 1.0) -> np.ndarray:
    """The exact change of each ``delta_k`` in one gradient-descent step of size ``step`` (derivation above).

    Examples
    --------
    >>> W, a = symmetric_init(0.5, 0.1, 4, 3, np.random.default_rng(1))
    >>> X = unit_sphere(np.random.default_rng(2), 5, 3)
    >>> bool(np.all(np.abs(balance_step_change(W, a, X, np.ones(5), 1e-3)) < 1e-5))
    True
    """
    _, gW, ga = loss_and_gradient(W, a, X, y)
    return step**2 * eta_w * eta_a * (eta_a * ga * ga - eta_w * np.einsum("kd,kd->k", gW, gW))


def gradient_descent(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray, *, step: float, n_steps: int,
                     eta_w: float = 1.0, eta_a: float = 1.0, checkpoints: tuple[int, ...] = (),
                     on_checkpoint: Callable[[int, np.ndarray, np.ndarray], None] | None = None
                     ) -> tuple[np.ndarray, np.ndarray, int]:
    """Full-batch GD ``W -= step eta_w dL/dW``, ``a -= step eta_a dL/da`` for ``n_steps`` steps (copies).

    ``on_checkpoint(k, W, a)`` is called before step ``k + 1`` for every ``k`` in ``checkpoints`` (``k = 0`` is the
    initialization). Returns ``(W, a, steps_done)``; ``steps_done < n_steps`` means the loss became non-finite or
    grew past ``DIVERGENCE_FACTOR`` times its initial value (the step is too large).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = unit_sphere(rng, 30, 3)
    >>> y = np.maximum(X[:, 0], 0)
    >>> W, a = symmetric_init(0.5, 0.0, 8, 3, rng)
    >>> W1, a1, done = gradient_descent(W, a, X, y, step=0.5, n_steps=2000)
    >>> done, loss_and_gradient(W1, a1, X, y)[0] < 0.1 * loss_and_gradient(W, a, X, y)[0]
    (2000, True)
    """
    W, a = W.astype(float, copy=True), a.astype(float, copy=True)
    marks = set(checkpoints)
    hw, ha = step * eta_w, step * eta_a
    limit = None
    for k in range(n_steps + 1):
        if on_checkpoint is not None and k in marks:
            on_checkpoint(k, W, a)
        if k == n_steps:
            break
        loss, gW, ga = loss_and_gradient(W, a, X, y)
        limit = DIVERGENCE_FACTOR * max(loss, 1e-300) if limit is None else limit
        if not np.isfinite(loss) or loss > limit:
            return W, a, k
        W -= hw * gW
        a -= ha * ga
    return W, a, n_steps


def gradient_flow(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray, *, t_end: float, n_steps: int,
                  eta_w: float = 1.0, eta_a: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The gradient flow ``(W, a)' = -(eta_w dL/dW, eta_a dL/da)`` to time ``t_end`` by classical RK4 (copies).

    Fixed steps of ``t_end / n_steps``; used to measure what the flow conserves, not for long runs.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = unit_sphere(rng, 30, 3)
    >>> y = np.maximum(X[:, 0], 0)
    >>> W, a = symmetric_init(0.5, 0.3, 8, 3, rng)
    >>> W1, a1 = gradient_flow(W, a, X, y, t_end=1.0, n_steps=200)
    >>> float(np.max(np.abs(balance(W1, a1) - 0.3))) < 1e-8
    True
    """
    n_steps = check_int(n_steps, "n_steps", 1, "take at least one Runge-Kutta step")
    t_end = check_real(t_end, "t_end", "integrate to a positive time, e.g. 1.0", positive=True)
    h = t_end / n_steps

    def field(Wc: np.ndarray, ac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _, gW, ga = loss_and_gradient(Wc, ac, X, y)
        return -eta_w * gW, -eta_a * ga

    W, a = W.astype(float, copy=True), a.astype(float, copy=True)
    for _ in range(n_steps):
        k1 = field(W, a)
        k2 = field(W + 0.5 * h * k1[0], a + 0.5 * h * k1[1])
        k3 = field(W + 0.5 * h * k2[0], a + 0.5 * h * k2[1])
        k4 = field(W + h * k3[0], a + h * k3[1])
        W = W + (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        a = a + (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
    return W, a


def ntk(W: np.ndarray, a: np.ndarray, X: np.ndarray, *, eta_w: float = 1.0, eta_a: float = 1.0,
        pattern_of: np.ndarray | None = None) -> np.ndarray:
    """Neural tangent kernel on the rows of ``X``, weighted by the layer rates (the kernel of ``f' = -K grad_f L``).

    ``K(x, x') = eta_a sum_k relu(w_k.x) relu(w_k.x') + eta_w (x.x') sum_k a_k^2 1[w_k.x > 0] 1[w_k.x' > 0]``;
    with ``eta_w = eta_a = 1`` it is ``J J^T`` for the Jacobian ``J`` of the outputs in all parameters.
    ``pattern_of`` (hidden weights, e.g. the initial ones) takes the activation pattern ``1[w_k.x > 0]`` from those
    weights instead: the kernel the network would have if no ReLU had switched.

    Examples
    --------
    >>> K = ntk(np.array([[1.0, 0.0]]), np.array([2.0]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> K.tolist()
    [[5.0, 0.0], [0.0, 0.0]]
    """
    Z = X @ W.T
    A = ((Z if pattern_of is None else X @ pattern_of.T) > 0).astype(float)
    H = Z * A
    return eta_a * (H @ H.T) + eta_w * ((A * (a * a)) @ A.T) * (X @ X.T)


def kernel_distance(K0: np.ndarray, K1: np.ndarray) -> float:
    """``S = 1 - <K0, K1>_F / (||K0||_F ||K1||_F)``: 0 for kernels equal up to a positive factor.

    Each kernel is normalized by its *own* Frobenius norm, so ``S`` is invariant to rescaling either one (the
    kernel distance of Fort et al. 2020, as used by Kunin et al. 2024). For positive semi-definite kernels
    ``0 <= S <= 1``.

    Examples
    --------
    >>> K = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> round(kernel_distance(K, 3.0 * K), 12), round(kernel_distance(K, np.eye(2)), 4)
    (0.0, 0.1056)
    """
    n0, n1 = float(np.linalg.norm(K0)), float(np.linalg.norm(K1))
    if n0 == 0.0 or n1 == 0.0:
        raise InputError("kernel_distance: a kernel is identically zero (no neuron is active on any input); "
                         "the distance is undefined")
    return max(0.0, 1.0 - float(np.sum(K0 * K1)) / (n0 * n1))


def activation_distance(W0: np.ndarray, W1: np.ndarray, X: np.ndarray) -> float:
    """Hamming distance of the activation patterns: the fraction of (input, neuron) pairs whose ReLU switched.

    In ``[0, 1]``; Kunin et al.'s code reports ``width`` times this (a sum over neurons).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> activation_distance(np.array([[1.0, 1.0]]), np.array([[1.0, -1.0]]), X)
    0.5
    """
    return float(np.mean((X @ W0.T > 0) != (X @ W1.T > 0)))


def parameter_distance(W0: np.ndarray, a0: np.ndarray, W1: np.ndarray, a1: np.ndarray) -> float:
    """Euclidean distance ``||theta_1 - theta_0||`` over all hidden weights and readouts.

    Examples
    --------
    >>> parameter_distance(np.zeros((1, 2)), np.zeros(1), np.array([[3.0, 0.0]]), np.array([4.0]))
    5.0
    """
    return float(np.sqrt(np.sum((W1 - W0) ** 2) + np.sum((a1 - a0) ** 2)))
