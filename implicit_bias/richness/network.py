r"""A deep network with layer multipliers in plain numpy (float64): ``z_l = g_l W_l h_(l-1)``, ``h_l = phi(z_l)``.

The output layer is linear (``h_L = z_L``); ``phi`` is the identity (the deep linear model of Karkada 2024),
``"relu"`` (``sqrt(2) max(0, z)``, which keeps activations of order one as the ``sqrt(2)`` of He's
initialization does) or ``"tanh"``. The loss is ``(1 / 2B) sum_b ||f(x_b) - y_b||^2`` over a batch of ``B``
rows, and one step of gradient descent moves ``W_l`` by ``-eta_l dL/dW_l`` (optionally with heavy-ball
momentum). Weights are ``sigma_l Z_l`` for standard normal ``Z_l`` given by the caller, so that the same draw
can be used in every gauge.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

__all__ = ["ACTIVATIONS", "Network", "StepSizes", "standard_normal_draws"]

ACTIVATIONS: tuple[str, ...] = ("linear", "relu", "tanh")
_SQRT2 = float(np.sqrt(2.0))


def _phi(z: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return _SQRT2 * np.maximum(z, 0.0)
    if activation == "tanh":
        return np.tanh(z)
    return z


def _dphi(z: np.ndarray, activation: str) -> np.ndarray | float:
    if activation == "relu":
        return _SQRT2 * (z > 0)
    if activation == "tanh":
        return 1.0 - np.tanh(z) ** 2
    return 1.0


def standard_normal_draws(sizes: Sequence[int], seed: int) -> list[np.ndarray]:
    """Standard normal ``Z_l`` of shape ``(n_l, n_(l-1))`` for layer sizes ``(n_0, ..., n_L)``, from ``seed``.

    Examples
    --------
    >>> [z.shape for z in standard_normal_draws((3, 5, 2), 0)]
    [(5, 3), (2, 5)]
    """
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n_out, n_in)) for n_in, n_out in itertools.pairwise(sizes)]


@dataclass(frozen=True)
class StepSizes:
    """RMS over the batch of per-example norms, per layer ``l = 1..L`` (``passthrough[0] = 0``)."""

    h: np.ndarray            # ||h_l|| at initialization
    grad: np.ndarray         # ||dL_b/dh_l|| at initialization (per-example loss)
    dh: np.ndarray           # ||Delta h_l|| after one step
    layer_update: np.ndarray  # ||g_l Delta W_l h_(l-1)||
    passthrough: np.ndarray  # ||g_l W_l Delta h_(l-1)||
    interaction: np.ndarray  # ||g_l Delta W_l Delta h_(l-1)||


def _rms(v: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.sum(v * v, axis=1))))


class Network:
    """Weights ``W_l``, multipliers ``g_l`` and learning rates ``eta_l`` of one network; steps in place.

    Examples
    --------
    >>> Z = standard_normal_draws((2, 8, 1), 0)
    >>> net = Network(Z, g=[1.0, 1.0], sigma=[0.7, 0.35], eta=[0.1, 0.1], activation="relu")
    >>> X, Y = np.ones((3, 2)), np.zeros((3, 1))
    >>> net.loss(X, Y) > net.step(X, Y) or True
    True
    """

    def __init__(self, draws: Sequence[np.ndarray], *, g: Sequence[float] | np.ndarray,
                 sigma: Sequence[float] | np.ndarray, eta: Sequence[float] | np.ndarray, activation: str = "linear",
                 momentum: float = 0.0) -> None:
        if activation not in ACTIVATIONS:
            raise InputError(f"activation={activation!r}: choose one of {', '.join(ACTIVATIONS)}")
        if not len(draws) == len(g) == len(sigma) == len(eta):
            raise InputError(f"g, sigma, eta have {len(g)}, {len(sigma)}, {len(eta)} entries for {len(draws)} "
                             "layers; give one per layer")
        self.weights = [float(s) * z for s, z in zip(sigma, draws, strict=True)]
        self.g = [float(v) for v in g]
        self.eta = [float(v) for v in eta]
        self.activation = activation
        self.momentum = float(momentum)
        self._velocity: list[np.ndarray] | None = None

    @property
    def depth(self) -> int:
        return len(self.weights)

    def effective_weights(self) -> list[np.ndarray]:
        """``g_l W_l``: the only way the weights enter the function (the gauge invariant)."""
        return [g * W for g, W in zip(self.g, self.weights, strict=True)]

    def forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Pre-activations ``z_1..z_L`` and activations ``h_0..h_L`` (rows: examples)."""
        hs, zs = [X], []
        for ell, (g, W) in enumerate(zip(self.g, self.weights, strict=True), start=1):
            zs.append(g * (hs[-1] @ W.T))
            hs.append(zs[-1] if ell == self.depth else _phi(zs[-1], self.activation))
        return zs, hs

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)[1][-1]

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """``(1 / 2B) sum_b ||f(x_b) - y_b||^2``."""
        R = self(X) - Y
        return float(0.5 * np.sum(R * R) / X.shape[0])

    def backward(self, X: np.ndarray, Y: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        """``dL/dW_l``, ``dL/dh_l`` (``l = 1..L``) and the activations ``h_0..h_L``."""
        zs, hs = self.forward(X)
        delta = (hs[-1] - Y) / X.shape[0]                  # dL/dh_L
        grads_w: list[np.ndarray] = [np.empty(0)] * self.depth
        grads_h: list[np.ndarray] = [np.empty(0)] * self.depth
        for ell in range(self.depth, 0, -1):
            grads_h[ell - 1] = delta
            dz = delta if ell == self.depth else delta * _dphi(zs[ell - 1], self.activation)
            grads_w[ell - 1] = self.g[ell - 1] * (dz.T @ hs[ell - 1])
            delta = self.g[ell - 1] * (dz @ self.weights[ell - 1])
        return grads_w, grads_h, hs

    def step(self, X: np.ndarray, Y: np.ndarray) -> float:
        """One step of gradient descent (heavy-ball ``v = momentum v + grad``, ``W -= eta v``); returns the loss
        before it."""
        grads, _, hs = self.backward(X, Y)
        if self.momentum:
            if self._velocity is None:
                self._velocity = [np.zeros_like(W) for W in self.weights]
            for v, G in zip(self._velocity, grads, strict=True):
                v *= self.momentum
                v += G
            grads = self._velocity
        for W, eta, G in zip(self.weights, self.eta, grads, strict=True):
            W -= eta * G
        R = hs[-1] - Y
        return float(0.5 * np.sum(R * R) / X.shape[0])

    def step_sizes(self, X: np.ndarray, Y: np.ndarray) -> StepSizes:
        """Take one step and measure every term of ``Delta h_l`` (the network is left after the step)."""
        old = [W.copy() for W in self.weights]
        _, grads_h, hs = self.backward(X, Y)
        self.step(X, Y)
        hs_new = self.forward(X)[1]
        B = X.shape[0]
        out: dict[str, list[float]] = {k: [] for k in ("h", "grad", "dh", "layer_update", "passthrough", "interaction")}
        for ell in range(1, self.depth + 1):
            g, W, dW = self.g[ell - 1], old[ell - 1], self.weights[ell - 1] - old[ell - 1]
            d_prev = hs_new[ell - 1] - hs[ell - 1]
            out["h"].append(_rms(hs[ell]))
            out["grad"].append(_rms(B * grads_h[ell - 1]))
            out["dh"].append(_rms(hs_new[ell] - hs[ell]))
            out["layer_update"].append(_rms(g * (hs[ell - 1] @ dW.T)))
            out["passthrough"].append(_rms(g * (d_prev @ W.T)))
            out["interaction"].append(_rms(g * (d_prev @ dW.T)))
        return StepSizes(**{k: np.array(v) for k, v in out.items()})
