"""Benchmark: high-precision gradient flow (+ exact tail) against scipy's solvers in log coordinates.

For beta = u^2 - v^2 with u(0) = v(0) = alpha, log coordinates a = log u, b = log v give a' = -2 g, b' = 2 g,
g = X^T (X beta - y) / n: the form in which scipy has a chance at small alpha. Every case compares with argmin Q
(the reference dual solver on the engine's hypentropy) and reports, for this toolkit's flow and each scipy method,
the time and the agreement; "alpha-part digits" = log10(|argmin Q - min l1| / |flow - argmin Q|), the digits to
which the alpha-dependent part of the answer is resolved. The cases, from mild to extreme alpha:

  (a) alpha = e^-10, d = 20, n = 8, 2-sparse: time to 1e-10 agreement. scipy gets the horizon it needs: t_max
      = 1e6, 1e8, 1e9, 1e10 in turn until it agrees to 1e-10 (the last phase runs at rates ~alpha^2).
  (b) alpha = e^-100, same problem, dps = 70: the alpha-dependent part (~1e-49) to >= 20 digits.
  (c) alpha = e^-1000, d = 100, n = 30, 3-sparse, dps = 50: absolute agreement <= 1e-30; and (c2) at d = 20,
      n = 8 the alpha-dependent part (~1e-480) to >= 10 digits (dps = 510).
  (d) alpha = e^-10000, d = 20, n = 8, dps = 50: completes; distance to min l1.

Run::

    .venv/bin/python bench/verify.py [--cases a b c c2 d] [--max-time 600]
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
from implicit_bias.reference import argmin_Q, min_l1

# case: (log alpha, d, n, sparsity, dps, scipy?)
CASES = {"a": (-10, 20, 8, 2, 20, True), "b": (-100, 20, 8, 2, 70, True), "c": (-1000, 100, 30, 3, 50, True),
         "c2": (-1000, 20, 8, 2, 510, False), "d": (-10000, 20, 8, 2, 50, False)}
AGREE = 1e-10


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


def scipy_best(X, y, la, method, qf, budget):
    """Run with growing horizons until 1e-10 agreement; (time of that run or None, best error, horizon)."""
    best: tuple = (None, float("inf"), 1e6)
    for t_max in (1e6, 1e8, 1e9, 1e10):
        beta, t_s, status, _msg = scipy_flow(X, y, float(la), method, t_max=t_max, budget=budget)
        err = float(np.max(np.abs(beta - qf))) if np.all(np.isfinite(beta)) else float("inf")
        if err < best[1] or best[1] == float("inf"):
            best = (None, err, t_max)
        if err <= AGREE:
            return t_s, err, t_max
        if status != 0:  # failed or over budget: a longer horizon will not help
            break
    return best


def main() -> None:
    warnings.simplefilter("ignore", RuntimeWarning)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--max-time", type=float, default=600.0, help="wall-clock cap per run, seconds")
    args = parser.parse_args()
    for case in args.cases:
        la, d, n, k, dps, with_scipy = CASES[case]
        prob = ib.sparse_regression(d, n, k, seed=0)
        y = prob.y_exact(dps=max(100, 2 * dps))  # in the support's span to more digits than the answer
        alpha = mpmath.exp(la)
        f = ib.derive(ib.diagonal(2)).to_numeric(dps=dps + 10)
        t0 = time.perf_counter()
        ref = argmin_Q([f.coordinate(alpha=alpha)] * d, prob.X, y, dps=dps)
        t_ref = time.perf_counter() - t0
        t0 = time.perf_counter()
        sol = gradient_flow(ib.diagonal(2), prob.X, y, alpha=alpha, dps=dps, max_time=args.max_time, progress=False)
        t_ours = time.perf_counter() - t0
        with mpmath.workdps(dps):
            l1 = min_l1(prob.X, y, dps=dps).beta
            diff = max(abs(a - b) for a, b in zip(sol.beta, ref.beta, strict=True))
            part = max(abs(a - b) for a, b in zip(ref.beta, l1, strict=True))
            to_l1 = max(abs(a - b) for a, b in zip(sol.beta, l1, strict=True))
            digits = float(mpmath.log10(part / diff)) if diff > 0 else float(dps)
        print(f"case ({case}): alpha = e^{la}, d = {d}, n = {n}, {k}-sparse, dps = {dps}")
        print(f"  argmin Q (reference): {t_ref:8.2f} s")
        print(f"  implicit-bias flow  : {t_ours:8.2f} s  status {sol.status}  max|beta - argmin Q| = "
              f"{mpmath.nstr(diff, 3)}; alpha-part |argmin Q - min l1| = {mpmath.nstr(part, 3)} resolved to "
              f"{digits:.1f} digits; max|beta - min l1| = {mpmath.nstr(to_l1, 3)}; {sol.steps} steps")
        if not with_scipy:
            continue
        yf = np.array([float(v) for v in y])
        qf = np.array([float(b) for b in ref.beta])
        for method in ("LSODA", "Radau", "BDF", "DOP853"):
            t_s, err, t_max = scipy_best(prob.X, yf, la, method, qf, args.max_time)
            if t_s is None:
                print(f"  scipy {method:7s}       : never within {AGREE:g} (best {err:.2e} at t_max = {t_max:g})")
            else:
                print(f"  scipy {method:7s}       : {t_s:8.2f} s to {err:.2e} (t_max = {t_max:g}); our time / "
                      f"theirs = {t_ours / t_s:.2f}")


if __name__ == "__main__":
    main()
