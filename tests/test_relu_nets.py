"""Section 7 ReLU experiments: hand-written gradients and Jacobians against finite differences, determinism,
the unbiased initialization, and the table of bad configurations."""

from __future__ import annotations

import numpy as np
import pytest

from implicit_bias.errors import InputError
from implicit_bias.experiments.relu_nets import (
    CircleConfig,
    DigitsConfig,
    UnivariateConfig,
    forward,
    he_uniform,
    jacobian,
    loss_and_grad,
    run_circle,
    univariate_forward,
    univariate_grad,
    univariate_init,
)

RTOL = 1e-6


def _fd(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar or vector function of a flat vector, one column per coordinate."""
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.stack(cols, axis=-1)


def _unflatten(v: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    out, i = [], 0
    for s in shapes:
        n = int(np.prod(s))
        out.append(v[i:i + n].reshape(s))
        i += n
    return out


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.mark.parametrize("sizes", [(2, 6, 1), (2, 5, 4, 1), (3, 4, 4, 4, 2)])
def test_gradient_matches_finite_differences(sizes):
    rng = np.random.default_rng(0)
    ws = he_uniform(sizes, rng)
    X = rng.standard_normal((7, sizes[0]))
    Y = rng.standard_normal((7, sizes[-1]))
    offset = rng.standard_normal((7, sizes[-1]))
    shapes = [w.shape for w in ws]
    flat = np.concatenate([w.ravel() for w in ws])
    _, g = loss_and_grad(ws, X, Y, offset=offset)
    fd = _fd(lambda v: loss_and_grad(_unflatten(v, shapes), X, Y, offset=offset)[0], flat)
    err = _rel(np.concatenate([gi.ravel() for gi in g]), fd)
    assert err < RTOL, f"back-propagated gradient off by {err:.2e} (relative) for sizes {sizes}"


def test_jacobian_matches_finite_differences():
    rng = np.random.default_rng(1)
    ws = he_uniform((2, 5, 5, 1), rng)
    X = rng.standard_normal((6, 2))
    shapes = [w.shape for w in ws]
    flat = np.concatenate([w.ravel() for w in ws])
    fd = _fd(lambda v: forward(_unflatten(v, shapes), X)[:, 0], flat)
    err = _rel(jacobian(ws, X), fd)
    assert err < RTOL, f"tangent-feature Jacobian off by {err:.2e} (relative)"


def test_univariate_gradient_and_jacobian_match_finite_differences():
    cfg = UnivariateConfig(width=12, log10_alpha=0.0)
    x = np.array(cfg.x_train)
    y = np.array(cfg.y_train)
    theta = univariate_init(cfg)
    theta = tuple(t + 0.3 * np.random.default_rng(2).standard_normal(t.size) for t in theta)  # break the twins
    k = cfg.width
    flat = np.concatenate(theta)

    def split(v):
        return v[:k], v[k:2 * k], v[2 * k:]

    _, g, J = univariate_grad(theta, x, y)
    fd_g = _fd(lambda v: univariate_grad(split(v), x, y)[0], flat)
    fd_J = _fd(lambda v: univariate_forward(split(v), x), flat)
    assert _rel(np.concatenate(g), fd_g) < RTOL
    assert _rel(J, fd_J) < RTOL


def test_tiny_run_is_deterministic():
    cfg = CircleConfig(depth=3, log10_alpha_D=-1.0, target_loss=1e-4, max_steps=2000)
    assert run_circle(cfg) == run_circle(cfg)


@pytest.mark.parametrize("scaling", ["a", "b", "c"])
def test_unbiased_init_is_zero(scaling):
    w1, b1, w2 = univariate_init(UnivariateConfig(scaling=scaling, width=50, log10_alpha=1.0))
    x = np.linspace(-3, 3, 41)
    size = np.maximum(np.outer(x, w1) + b1, 0.0) @ np.abs(w2)  # sum of |terms|: the rounding scale
    assert size.max() > 1.0
    assert np.all(np.abs(univariate_forward((w1, b1, w2), x)) <= 1e-14 * size)
    # the twins: same hidden weights, opposite output weights
    k = w1.size // 2
    assert np.array_equal(w1[:k], w1[k:]) and np.array_equal(b1[:k], b1[k:]) and np.array_equal(w2[:k], -w2[k:])


def test_large_alpha_is_lazy_small_alpha_is_rich():
    lazy = run_circle(CircleConfig(depth=2, log10_alpha_D=2.0, target_loss=1e-5, max_steps=20_000))
    rich = run_circle(CircleConfig(depth=2, log10_alpha_D=-3.0, target_loss=1e-5, max_steps=20_000))
    assert lazy["success"] and rich["success"]
    assert lazy["grad_distance"] < 1e-3 < 0.3 < rich["grad_distance"]


BAD = [
    (CircleConfig, {"depth": 1}, "depth"),
    (CircleConfig, {"depth": 2.5}, "depth"),
    (CircleConfig, {"width": 0}, "width"),
    (CircleConfig, {"step": 0.0}, "step"),
    (CircleConfig, {"log10_alpha_D": float("inf")}, "alpha"),
    (CircleConfig, {"log10_alpha_D": float("nan")}, "alpha"),
    (DigitsConfig, {"width": 0}, "width"),
    (DigitsConfig, {"alphas": (0.0,)}, "alphas"),
    (DigitsConfig, {"alphas": (-1.0, 1.0)}, "alphas"),
    (DigitsConfig, {"alphas": ()}, "alphas"),
    (DigitsConfig, {"n_train": 1797}, "n_train"),
    (UnivariateConfig, {"width": 0}, "width"),
    (UnivariateConfig, {"width": 7}, "width"),
    (UnivariateConfig, {"scaling": "d"}, "scaling"),
    (UnivariateConfig, {"log10_alpha": float("-inf")}, "alpha"),
    (UnivariateConfig, {"y_train": (0.0,)}, "y_train"),
]


@pytest.mark.parametrize(("cls", "kwargs", "name"), BAD, ids=[f"{c.__name__}-{k}" for c, k, _ in BAD])
def test_bad_config_raises(cls, kwargs, name):
    with pytest.raises(InputError, match=name):
        cls(**kwargs)
