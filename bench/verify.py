"""Benchmark: high-precision gradient flow (+ exact tail) against scipy's stiff/non-stiff solvers in log coordinates.

For beta = u^2 - v^2 with u(0) = v(0) = alpha, log coordinates a = log u, b = log v give a' = -2 g, b' = 2 g,
g = X^T (X beta - y) / n: the form in which scipy has a chance at small alpha. Each case prints time and the
agreement with argmin Q (reference dual solver at 60 digits) for this toolkit's flow and for each scipy method,
and the ratio of times. Run::

    .venv/bin/python bench/verify.py [--cases a b] [--max-time 300]
"""

from __future__ import annotations

import argparse
import time
import warnings

import mpmath
import numpy as np
from scipy.integrate import solve_ivp

import implicit_bias as ib
from implicit_bias.flow import gradient_flow
from implicit_bias.reference import argmin_Q

CASES = {"a": (-10, 20, 8, 2, 40), "b": (-100, 20, 8, 2, 110), "c": (-1000, 8, 3, 2, 60)}


def scipy_flow(X: np.ndarray, y: np.ndarray, log_alpha: float, method: str, t_max: float, budget: float):
    n, d = X.shape

    def rhs(t, z):
        u, v = np.exp(z[:d]), np.exp(z[d:])
        g = X.T @ (X @ (u * u - v * v) - y) / n
        return np.concatenate([-2 * g, 2 * g])

    start = time.perf_counter()

    def too_long(t, z):
        return 0.0 if time.perf_counter() - start > budget else 1.0

    too_long.terminal = True
    try:
        out = solve_ivp(rhs, (0, t_max), np.full(2 * d, log_alpha), method=method, rtol=1e-12, atol=1e-12,
                        events=too_long)
    except (ValueError, FloatingPointError) as exc:  # overflow in the log-coordinate exponentials
        return np.full(d, np.nan), time.perf_counter() - start, -2, f"raised {exc}"
    z = out.y[:, -1]
    return np.exp(2 * z[:d]) - np.exp(2 * z[d:]), time.perf_counter() - start, out.status, out.message


def main() -> None:
    warnings.simplefilter("ignore", RuntimeWarning)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["a", "b", "c"], choices=list(CASES))
    parser.add_argument("--max-time", type=float, default=300.0, help="wall-clock cap per run, seconds")
    args = parser.parse_args()
    f = ib.derive(ib.diagonal(2)).to_numeric(dps=120)
    for case in args.cases:
        la, d, n, k, dps = CASES[case]
        prob = ib.sparse_regression(d, n, k, seed=0)
        y = prob.y_exact()
        alpha = mpmath.exp(la)
        ref = argmin_Q([f.coordinate(alpha=alpha)] * d, prob.X, y, dps=dps)
        t0 = time.perf_counter()
        sol = gradient_flow(ib.diagonal(2), prob.X, y, alpha=alpha, dps=dps, max_time=args.max_time, progress=False)
        t_ours = time.perf_counter() - t0
        with mpmath.workdps(dps):
            diff = max(abs(a - b) for a, b in zip(sol.beta, ref.beta, strict=True))
            part = max(abs(a - b) for a, b in zip(ref.beta, ib.reference.min_l1(prob.X, y, dps=dps).beta, strict=True))
        digits = float(mpmath.log10(part / diff)) if diff > 0 else dps
        print(f"case ({case}): alpha = e^{la}, d = {d}, n = {n}, {k}-sparse, dps = {dps}")
        print(f"  implicit-bias flow : {t_ours:8.2f} s  status {sol.status:10s} max|beta - argmin Q| = "
              f"{mpmath.nstr(diff, 3)}; alpha-dependent part to {digits:.1f} digits")
        yf = np.array([float(v) for v in y])
        qf = np.array([float(b) for b in ref.beta])
        for method in ("LSODA", "Radau", "BDF", "DOP853"):
            beta, t_s, status, _msg = scipy_flow(prob.X, yf, float(la), method, t_max=1e6, budget=args.max_time)
            err = float(np.max(np.abs(beta - qf))) if np.all(np.isfinite(beta)) else float("inf")
            print(f"  scipy {method:7s}      : {t_s:8.2f} s  status {status:3d}  max|beta - argmin Q| = {err:.2e}"
                  f"  ({t_s / t_ours:.2f}x our time)")


if __name__ == "__main__":
    main()
