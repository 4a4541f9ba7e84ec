"""Two-layer ReLU students with per-neuron balance (Kunin et al. 2024, Sec. 5, Fig. 1): what the flow conserves and
what gradient descent does to it (order tests), the tangent kernel and its distance, the tau -> 0 and tau -> oo
limits against their known answers, the (tau, delta) experiment, and the table of bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from implicit_bias.errors import InputError
from implicit_bias.experiments.relu_alignment import AlignmentConfig, alignment, alignment_point, run_alignment
from implicit_bias.experiments.relu_upstream import UpstreamConfig, point, run, run_grid, teacher_student_data
from implicit_bias.experiments.two_layer_relu import (
    activation_distance,
    balance,
    balance_step_change,
    forward,
    gradient_descent,
    gradient_flow,
    kernel_distance,
    loss_and_gradient,
    neuron_scales,
    ntk,
    parameter_distance,
    symmetric_init,
    unit_sphere,
)
from implicit_bias.plotting.relu_upstream import plot_neuron_trajectories, plot_upstream_maps, plot_upstream_profiles
from implicit_bias.sweeps import load_results


def _task(d: int = 5, n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs on the unit sphere labelled by a 3-neuron teacher with readouts (1, -1, 1)."""
    rng = np.random.default_rng(seed)
    X = unit_sphere(rng, n, d)
    return X, forward(unit_sphere(rng, 3, d), np.array([1.0, -1.0, 1.0]), X)


def _slope(hs: list[float], errs: list[float]) -> float:
    return float(np.polyfit(np.log(hs), np.log(errs), 1)[0])


def _implied_error(W: np.ndarray, a: np.ndarray, err: float) -> float:
    """How far an error ``err`` in the parameters can move a balance: |d(a^2 - ||w||^2)| <= 2 (|a| + ||w||) err."""
    return 2.0 * float(np.max(np.abs(a) + np.linalg.norm(W, axis=1))) * err


def _fd_jacobian(W: np.ndarray, a: np.ndarray, X: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """Central differences of the outputs on ``X`` in (vec W, a): one column per parameter."""
    theta = np.concatenate([W.ravel(), a])
    cols = []
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = eps
        f = [forward((theta + s * e)[:W.size].reshape(W.shape), (theta + s * e)[W.size:], X) for s in (1, -1)]
        cols.append((f[0] - f[1]) / (2 * eps))
    return np.stack(cols, axis=1)


# ------------------------------------------------------------------------------------- model pieces, known answers
def test_gradient_matches_finite_differences():
    X, y = _task()
    W, a = symmetric_init(0.7, 0.3, 6, 5, np.random.default_rng(3))
    a = a + 0.1  # break the twins' symmetry so that f != 0 and every term of the gradient is exercised
    _, gW, ga = loss_and_gradient(W, a, X, y)
    J = _fd_jacobian(W, a, X)
    r = forward(W, a, X) - y
    fd = (2.0 / len(y)) * (J.T @ r)
    got = np.concatenate([gW.ravel(), ga])
    assert np.linalg.norm(got - fd) <= 1e-7 * np.linalg.norm(fd)


@pytest.mark.parametrize(("eta_w", "eta_a"), [(1.0, 1.0), (2.0, 0.5)])
def test_ntk_is_the_rate_weighted_gram_matrix_of_the_jacobian(eta_w, eta_a):
    X, _ = _task(n=12)
    W, a = symmetric_init(0.5, -0.2, 8, 5, np.random.default_rng(4), eta_w=eta_w, eta_a=eta_a)
    J = _fd_jacobian(W, a, X)
    rates = np.concatenate([np.full(W.size, eta_w), np.full(a.size, eta_a)])
    expected = (J * rates) @ J.T
    assert np.allclose(ntk(W, a, X, eta_w=eta_w, eta_a=eta_a), expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(("tau", "delta"), [(0.1, 0.9999), (0.1, -0.9999), (1.0, 0.0), (0.3, 5.0), (2.0, -40.0)])
def test_initialization_matches_the_authors_parametrization(tau, delta):
    """Rows of norm tau*alpha and readouts tau/alpha, alpha^2 = (sqrt(4 + (delta/tau^2)^2) - delta/tau^2) / 2."""
    D = delta / tau**2
    alpha = math.sqrt((math.sqrt(4 + D * D) - D) / 2)
    a_abs, w_norm = neuron_scales(tau, delta)
    assert a_abs == pytest.approx(tau / alpha, rel=1e-12) and w_norm == pytest.approx(tau * alpha, rel=1e-9)
    W, a = symmetric_init(tau, delta, 10, 4, np.random.default_rng(0))
    assert np.allclose(balance(W, a), delta, rtol=1e-12, atol=1e-15 * tau**2)
    assert np.allclose(np.abs(a) * np.linalg.norm(W, axis=1), tau**2, rtol=1e-12)
    # twins cancel: f = 0 up to the rounding of the sum over neurons
    assert np.max(np.abs(forward(W, a, unit_sphere(np.random.default_rng(1), 7, 4)))) <= 1e-14 * tau**2


def test_layer_rates_enter_the_initialization_and_the_balance():
    W, a = symmetric_init(0.4, 0.25, 6, 3, np.random.default_rng(2), eta_w=3.0, eta_a=0.5)
    assert np.allclose(balance(W, a, eta_w=3.0, eta_a=0.5), 0.25, rtol=1e-12)
    assert not np.allclose(balance(W, a), 0.25, rtol=1e-3)  # the unweighted a^2 - ||w||^2 is another number


# --------------------------------------------------------------------------- what the flow and GD conserve (orders)
def test_flow_conserves_each_balance_to_rk4_order_between_activation_switches():
    """All neurons active on all inputs (positive data and weights): the field is smooth, the drift is RK4's O(h^4)."""
    rng = np.random.default_rng(0)
    X = np.abs(unit_sphere(rng, 30, 4))
    y = X @ np.array([0.3, 0.2, -0.1, 0.4])
    W, a = 0.5 * np.abs(rng.standard_normal((6, 4))), rng.standard_normal(6)
    ns = [16, 32, 64, 128]
    drifts, switched = [], []
    for n in ns:
        W1, a1 = gradient_flow(W, a, X, y, t_end=1.0, n_steps=n)
        drifts.append(float(np.max(np.abs(balance(W1, a1) - balance(W, a)))))
        switched.append(activation_distance(W, W1, X))
    assert switched == [0.0] * len(ns), "the order test needs a run without activation switches"
    slope = _slope([1.0 / n for n in ns], drifts)
    assert 3.6 <= slope <= 4.6, f"drift {drifts} against h: slope {slope:.2f}, RK4 should give 4"
    W1, a1 = gradient_flow(W, a, X, y, t_end=1.0, n_steps=ns[-1])
    W2, a2 = gradient_flow(W, a, X, y, t_end=1.0, n_steps=2 * ns[-1])
    assert drifts[-1] <= _implied_error(W1, a1, parameter_distance(W1, a1, W2, a2)), "within integrator accuracy"


@pytest.mark.parametrize(("tau", "delta"), [(0.3, 0.5), (0.3, -0.5), (0.5, 0.0)])
def test_flow_conserves_each_balance_across_activation_switches(tau, delta):
    """Where ReLUs switch the field jumps and RK4 drops to first order; the drift stays within what the integrator's
    own error (Richardson: ||theta_h - theta_{h/2}||) allows and goes to 0 with h."""
    X, y = _task()
    W, a = symmetric_init(tau, delta, 20, 5, np.random.default_rng(1))
    drifts, errors = [], []
    for n in (40, 80, 160):
        W1, a1 = gradient_flow(W, a, X, y, t_end=20.0, n_steps=n)
        W2, a2 = gradient_flow(W, a, X, y, t_end=20.0, n_steps=2 * n)
        drifts.append(float(np.max(np.abs(balance(W1, a1) - balance(W, a)))))
        errors.append(_implied_error(W1, a1, parameter_distance(W1, a1, W2, a2)))
    assert activation_distance(W, W1, X) > 0.02, "this test is about runs whose activations switch"
    assert all(dr <= er for dr, er in zip(drifts, errors, strict=True)), (drifts, errors)
    assert drifts[-1] < drifts[0] / 3, drifts


@pytest.mark.parametrize(("eta_w", "eta_a"), [(1.0, 1.0), (2.0, 0.5)])
def test_one_gd_step_changes_each_balance_by_exactly_h2_times_the_gradient_imbalance(eta_w, eta_a):
    X, y = _task()
    W, a = symmetric_init(0.5, 0.2, 10, 5, np.random.default_rng(2), eta_w=eta_w, eta_a=eta_a)
    a = a * np.linspace(0.8, 1.2, 10)  # break the twins' symmetry
    drifts = []
    hs = [0.1, 0.05, 0.025, 0.0125]
    for h in hs:
        W1, a1, _ = gradient_descent(W, a, X, y, step=h, n_steps=1, eta_w=eta_w, eta_a=eta_a)
        change = balance(W1, a1, eta_w=eta_w, eta_a=eta_a) - balance(W, a, eta_w=eta_w, eta_a=eta_a)
        predicted = balance_step_change(W, a, X, y, h, eta_w=eta_w, eta_a=eta_a)
        assert np.allclose(change, predicted, rtol=1e-8, atol=1e-15), "the exact one-step formula"
        drifts.append(float(np.max(np.abs(change))))
    slope = _slope(hs, drifts)
    assert abs(slope - 2.0) < 0.05, f"one-step drift {drifts}: slope {slope:.3f}, expected 2"


def test_gd_drift_over_a_fixed_time_is_first_order():
    """O(h^2) per step, 1/h steps: the balance of a GD run to a fixed time drifts by O(h) (slope 1)."""
    X, y = _task()
    W, a = symmetric_init(0.3, 0.5, 20, 5, np.random.default_rng(0))
    hs = [0.1, 0.05, 0.025, 0.0125]
    drifts = []
    for h in hs:
        W1, a1, _ = gradient_descent(W, a, X, y, step=h, n_steps=round(5.0 / h))
        drifts.append(float(np.max(np.abs(balance(W1, a1) - balance(W, a)))))
    assert abs(_slope(hs, drifts) - 1.0) < 0.1, drifts


# ------------------------------------------------------------------------------------------------ kernel distance
def test_ntk_with_its_own_patterns_is_the_ntk_and_initial_patterns_freeze_the_switches():
    X, y = _task()
    W, a = symmetric_init(0.2, 0.5, 10, 5, np.random.default_rng(7))
    assert np.array_equal(ntk(W, a, X, pattern_of=W), ntk(W, a, X))
    W1, a1, _ = gradient_descent(W, a, X, y, step=0.5, n_steps=200)
    assert activation_distance(W, W1, X) > 0.05
    frozen = ntk(W1, a1, X, pattern_of=W)
    A = (X @ W.T > 0).astype(float)
    H = (X @ W1.T) * A
    assert np.allclose(frozen, H @ H.T + ((A * a1**2) @ A.T) * (X @ X.T), rtol=1e-12)


def test_kernel_distance_known_values():
    assert kernel_distance(np.diag([1.0, 0.0]), np.diag([0.0, 1.0])) == pytest.approx(1.0)
    assert kernel_distance(np.eye(2), np.ones((2, 2))) == pytest.approx(1 - 1 / math.sqrt(2), rel=1e-12)
    K = np.array([[2.0, 1.0], [1.0, 3.0]])
    assert kernel_distance(K, 7.0 * K) < 1e-15


def test_kernel_distance_is_zero_for_a_network_that_does_not_move():
    """Labels equal to the student's own outputs: the gradient is 0, GD stays put, every distance is exactly 0."""
    X, _ = _task()
    W, a = symmetric_init(0.5, 0.3, 8, 5, np.random.default_rng(5))
    a = a * np.linspace(0.5, 1.5, 8)  # a non-zero function
    W1, a1, done = gradient_descent(W, a, X, forward(W, a, X), step=0.1, n_steps=50)
    assert done == 50
    assert kernel_distance(ntk(W, a, X), ntk(W1, a1, X)) < 1e-15
    assert activation_distance(W, W1, X) == 0.0 and parameter_distance(W, a, W1, a1) == 0.0


@pytest.mark.parametrize("c", [1e-3, 0.5, 7.0])
def test_kernel_distance_is_invariant_to_output_scaling(c):
    """Scaling every parameter by c scales f by c^2 and the tangent kernel by c^2: the distance does not move."""
    X, y = _task()
    W, a = symmetric_init(0.2, 0.5, 10, 5, np.random.default_rng(6))
    W1, a1, _ = gradient_descent(W, a, X, y, step=0.5, n_steps=200)
    base = kernel_distance(ntk(W, a, X), ntk(W1, a1, X))
    assert base > 0.01
    assert kernel_distance(ntk(c * W, c * a, X), ntk(c * W1, c * a1, X)) == pytest.approx(base, rel=1e-10)
    assert kernel_distance(ntk(W, a, X), c * ntk(W1, a1, X)) == pytest.approx(base, rel=1e-10)


def test_a_distance_normalized_by_the_initial_kernel_alone_is_not_scale_invariant():
    """The slip to avoid: normalizing K_t with K_0's norm changes with the kernel's growth; ours does not."""
    K0 = np.array([[1.0, 0.2], [0.2, 1.0]])
    K1 = np.array([[1.0, 0.5], [0.5, 1.2]])

    def slipped(A: np.ndarray, B: np.ndarray) -> float:
        return 1.0 - float(np.sum(A * B)) / float(np.linalg.norm(A)) ** 2

    assert slipped(K0, K1) != pytest.approx(slipped(K0, 3 * K1), rel=0.1)
    assert kernel_distance(K0, K1) == pytest.approx(kernel_distance(K0, 3 * K1), rel=1e-12)


# --------------------------------------------------------------------------------------------------- known limits
def _escape_rate(X: np.ndarray, y: np.ndarray, starts: int = 100) -> float:
    """Largest |u . g(u)| over unit u with g(u) parallel to u, g(u) = (2/n) sum_n y_n 1[u.x_n > 0] x_n.

    Near theta = 0 (f ~ 0) a balanced neuron on such a direction has a' = lambda ||w||, ||w||' = lambda a: its
    scale grows like exp(lambda t); found by the fixed-point iteration u <- +-g(u) / ||g(u)|| from many starts.
    """
    def g(u: np.ndarray) -> np.ndarray:
        return (2.0 / len(y)) * (((X @ u) > 0) * y) @ X

    best = 0.0
    rng = np.random.default_rng(100)
    for _ in range(starts):
        u0 = unit_sphere(rng, 1, X.shape[1])[0]
        for sign in (1.0, -1.0):
            u = u0
            for _ in range(300):
                v = sign * g(u)
                if not np.any(v):
                    break
                u = v / np.linalg.norm(v)
            best = max(best, sign * float(u @ g(u)))
    return best


def _time_to_drop(X: np.ndarray, y: np.ndarray, tau: float, delta: float, step: float = 0.02) -> float:
    """Time (steps x step) until the training loss is 90% of its initial value."""
    W, a = symmetric_init(tau, delta, 20, X.shape[1], np.random.default_rng(1))
    L0 = float(np.mean(y**2))
    for k in range(100_000):
        L, gW, ga = loss_and_gradient(W, a, X, y)
        if L < 0.9 * L0:
            return k * step
        W -= step * gW
        a -= step * ga
    raise AssertionError(f"no drop of the loss by t = {100_000 * step} at tau={tau}, delta={delta}")


def test_tau_to_zero_balanced_waits_log_one_over_tau_upstream_does_not():
    """delta = 0: the start is a saddle; the escape time grows by ln(10)/lambda per decade of tau (lambda the
    escape rate above). delta = 1 >> tau^2: |a| ~ 1 from the start, the hidden layer moves at once, the time to
    learn stays bounded as tau -> 0."""
    X, y = _task()
    taus = [1e-2, 1e-3, 1e-4]
    balanced = [_time_to_drop(X, y, t, 0.0) for t in taus]
    upstream = [_time_to_drop(X, y, t, 1.0) for t in taus]
    per_decade = math.log(10.0) / _escape_rate(X, y)
    steps = np.diff(balanced)
    assert np.all(np.abs(steps - per_decade) <= 0.05 * per_decade), (steps, per_decade)
    assert max(upstream) < 0.05 * per_decade and np.ptp(upstream) < 0.05 * per_decade, upstream


def test_tau_to_infinity_is_lazy_for_every_delta():
    """At large tau, fitting half the labels moves neither the kernel nor the activation patterns."""
    X, y = _task()
    L0 = float(np.mean(y**2))
    for delta in (-1.0, 0.0, 1.0):
        dists = []
        for tau in (1.0, 2.0, 4.0):
            W, a = symmetric_init(tau, delta, 20, 5, np.random.default_rng(1))
            K0, W0 = ntk(W, a, X), W.copy()
            step = 0.02 / tau**2
            for _ in range(100_000):
                L, gW, ga = loss_and_gradient(W, a, X, y)
                if L < 0.5 * L0:
                    break
                W -= step * gW
                a -= step * ga
            dists.append(kernel_distance(K0, ntk(W, a, X)))
        assert dists[0] > dists[1] > dists[2] and dists[2] < 1e-8, (delta, dists)
        assert activation_distance(W0, W, X) == 0.0


# ------------------------------------------------------------------------------------------- the (tau, delta) run
def test_run_returns_plain_finite_measures_at_every_checkpoint():
    cfg = UpstreamConfig(tau=0.2, delta=0.5, d=6, n_train=40, width=10, checkpoints=(0, 5, 50), n_test=200)
    r = run(cfg)
    assert r["status"] == "success" and r["message"] == "" and r["checkpoints"] == [0, 5, 50]
    for m in ("kernel_distance", "activation_distance", "parameter_distance", "test_loss", "train_loss",
              "balance_drift"):
        assert len(r[m]) == 3 and all(isinstance(v, float) and math.isfinite(v) for v in r[m]), m
        assert r[m][0] == pytest.approx(0.0, abs=1e-12) or m.endswith("loss")
    assert r["train_loss"][-1] < r["train_loss"][0]
    assert r["step"] == pytest.approx(0.5 * 1e-3 / 0.02)
    assert run(cfg) == r, "a run is a pure function of its config"


def test_teacher_labels_and_the_symmetric_student():
    data = teacher_student_data(UpstreamConfig(tau=0.3, delta=-0.4, d=8, n_train=30, width=12, n_test=50))
    assert np.allclose(np.linalg.norm(data["teacher_W"], axis=1), 1.0)
    assert set(np.abs(data["teacher_a"]).tolist()) == {1.0}
    assert np.allclose(data["y"], forward(data["teacher_W"], data["teacher_a"], data["X"]))
    assert np.max(np.abs(forward(data["W"], data["a"], data["X_test"]))) <= 1e-15


def test_a_divergent_run_is_failed_not_nan():
    r = run(UpstreamConfig(tau=0.5, delta=0.0, d=4, n_train=20, width=4, base_step=1e3, checkpoints=(0, 10, 20),
                           n_test=10))
    assert r["status"] == "failed" and "diverged" in r["message"]
    assert all(math.isfinite(v) for m in ("kernel_distance", "test_loss") for v in r[m])
    assert len(r["checkpoints"]) == len(r["kernel_distance"]) < 3


def test_grid_is_stored_and_resumable(tmp_path):
    store = tmp_path / "s.sqlite"
    kw = {"d": 4, "n_train": 16, "width": 4, "checkpoints": (0, 10), "n_test": 20}
    g1 = run_grid([0.1, 1.0], [-1.0, 0.0, 1.0], [0, 1], store=store, workers=0, progress=False, **kw)
    assert len(load_results(store, "relu_upstream")) == 12 and g1["n_failed"] == 0
    g2 = run_grid([0.1, 1.0], [-1.0, 0.0, 1.0], [0, 1], store=store, workers=0, progress=False, **kw)
    assert g2 == g1
    one = run(UpstreamConfig(tau=1.0, delta=0.0, seed=1, **kw))
    mean = (run(UpstreamConfig(tau=1.0, delta=0.0, seed=0, **kw))["test_loss"][1] + one["test_loss"][1]) / 2
    assert g1["maps"]["test_loss"][1][1][1] == pytest.approx(mean, rel=1e-12)
    assert len(plot_upstream_maps(g1).axes) == 8  # four measures at one checkpoint, each with a colour bar
    assert len(plot_upstream_profiles(g1).axes) == 3


# ---------------------------------------------------------------------------------- Fig. 1(a): alignment to the teacher
def test_alignment_known_answers():
    V, s = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, -1.0])
    assert alignment(np.array([[3.0, 0.0], [0.0, 0.5]]), np.array([2.0, -1.0]), V, s) == (1.0, 1.0)
    # right directions, wrong signs: the nearest same-sign teacher neuron is orthogonal
    assert alignment(np.array([[3.0, 0.0], [0.0, 0.5]]), np.array([-2.0, 1.0]), V, s) == (0.0, 0.0)
    # a sign no teacher neuron has counts as cosine -1
    assert alignment(np.array([[1.0, 0.0]]), np.array([-1.0]), V[:1], s[:1]) == (0.0, -1.0)
    # 5 degrees off is inside a 10-degree cone, 15 degrees is not
    off = np.radians([5.0, 15.0])
    W = np.stack([np.cos(off), np.sin(off)], axis=1)
    assert alignment(W, np.array([1.0, 1.0]), V, s)[0] == pytest.approx(0.5)


def test_alignment_run_and_trajectory_figure():
    cfg = AlignmentConfig(tau=0.1, delta=1.0, width=8, step=1e-2, t_end=5.0, n_frames=5)
    r = run_alignment(cfg)
    assert r["status"] == "success" and len(r["frames"]) == len(r["times"]) == 6 and r["times"][-1] == 5.0
    assert np.allclose(np.linalg.norm(r["teacher_W"], axis=1), 1.0) and r["teacher_a"] == [1.0, -1.0, -1.0]
    assert r["train_loss"] < r["initial_loss"] and 0.0 <= r["share"] <= 1.0
    assert alignment_point({"tau": 0.1, "delta": 1.0, "width": 8, "step": 1e-2, "t_end": 5.0, "n_frames": 5}) == r
    assert len(plot_neuron_trajectories([r, r]).axes) == 2


# ------------------------------------------------------------------------------------------------------ bad input
BAD = [
    (lambda: UpstreamConfig(tau=0.0, delta=0.0), "tau"),
    (lambda: UpstreamConfig(tau=-1.0, delta=0.0), "tau"),
    (lambda: UpstreamConfig(tau=float("nan"), delta=0.0), "tau"),
    (lambda: UpstreamConfig(tau=0.1, delta=float("inf")), "delta"),
    (lambda: UpstreamConfig(tau=0.1, delta="1"), "delta"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, width=7), "width"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, width=0), "width"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, d=1), "d"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, n_train=0), "n_train"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, n_test=0), "n_test"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, base_step=0.0), "base_step"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, eta_w=-1.0), "eta_w"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, eta_a=0.0), "eta_a"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, seed=-1), "seed"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, checkpoints=()), "checkpoints"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, checkpoints=(10, 5)), "checkpoints"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, checkpoints=(-1, 0)), "checkpoints"),
    (lambda: UpstreamConfig(tau=0.1, delta=0.0, checkpoints=(0, 1.5)), "checkpoints"),
    (lambda: neuron_scales(0.0, 1.0), "tau"),
    (lambda: neuron_scales(1e-200, 1.0), "underflows"),
    (lambda: symmetric_init(0.1, 0.0, 3, 2, np.random.default_rng(0)), "width"),
    (lambda: gradient_flow(np.ones((2, 2)), np.ones(2), np.ones((1, 2)), np.ones(1), t_end=1.0, n_steps=0),
     "n_steps"),
    (lambda: gradient_flow(np.ones((2, 2)), np.ones(2), np.ones((1, 2)), np.ones(1), t_end=-1.0, n_steps=5),
     "t_end"),
    (lambda: kernel_distance(np.zeros((2, 2)), np.eye(2)), "identically zero"),
    (lambda: point({"tau": 0.1, "delta": 0.0, "steps": 10}), "unknown keys"),
    (lambda: run_grid([], [0.0], [0], store=":memory:"), "non-empty"),
    (lambda: run_grid([0.1], [0.0], [0], store=":memory:", width=3), "width"),
    (lambda: AlignmentConfig(tau=0.1, delta=0.0, angle=95.0), "angle"),
    (lambda: AlignmentConfig(tau=0.1, delta=0.0, step=0.0), "step"),
    (lambda: AlignmentConfig(tau=0.1, delta=0.0, t_end=-1.0), "t_end"),
    (lambda: AlignmentConfig(tau=0.1, delta=0.0, n_frames=0), "n_frames"),
    (lambda: AlignmentConfig(tau=0.1, delta=0.0, d=3), "spread_teacher"),
    (lambda: AlignmentConfig(tau=0.0, delta=0.0), "tau"),
    (lambda: AlignmentConfig(tau=0.1, delta=0.0, width=5), "width"),
    (lambda: alignment(np.zeros((2, 2)), np.ones(2), np.eye(2), np.ones(2)), "every student neuron is zero"),
    (lambda: alignment_point({"tau": 0.1, "delta": 0.0, "lr": 1e-3}), "unknown keys"),
]


@pytest.mark.parametrize(("call", "named"), BAD)
def test_bad_input_is_refused_with_the_argument_named(call, named):
    with pytest.raises(InputError, match=named):
        call()
