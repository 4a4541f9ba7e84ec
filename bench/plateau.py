"""Benchmark: gradient flow across saddle-to-saddle plateaus at alpha = e^-1000, Taylor steps against the dual.

Uneven planted values give incremental learning (Pesme & Flammarion 2023, Section 3): one plateau per activated
coordinate, each ~log(1/alpha) long in time, during which the active coordinates relax at rates O(1) -- a stiff
problem for an explicit method. Each problem is run with ``integrator="taylor"`` (heyoka's Taylor steps, the
baseline, measured in the same run) and ``integrator="dual"`` (the stiff n-dimensional flow of ``int r dt / n``,
each coordinate moved along its own curve at the working precision), and checked against ``argmin_Q``
(the reference dual solver on the engine's hypentropy). Problems: X with ``d`` columns and ``n`` rows from the
generator (gauss: standard normal; uniform: on [-sqrt 3, sqrt 3]; t3: Student t with 3 degrees of freedom),
rounded to 6 decimals, planted values 1, -1, 0.5 at random coordinates, y = X beta* exactly; sparse: the
problem of Woodworth et al. (2020), Figure 1 (``ib.sparse_regression``, ``--planted`` entries 1/sqrt(planted)).

Run::

    .venv/bin/python bench/plateau.py [--problems gauss:0 ... t3:7] [--baseline gauss:0]
    .venv/bin/python bench/plateau.py --problems sparse:0 --d 400 --n 100 --planted 3 --log-alpha -100 --dps 50 \
        --baseline sparse:0
    .venv/bin/python bench/plateau.py --problems sparse:0 --d 1000 --n 100 --planted 3 --dps 50 --baseline
"""

from __future__ import annotations

import argparse
import time

import mpmath
import numpy as np

import implicit_bias as ib
from implicit_bias.flow import gradient_flow
from implicit_bias.reference import argmin_Q

PLANTED = (1.0, -1.0, 0.5)


def problem(generator: str, seed: int, d: int, n: int, planted: int) -> tuple[list[list[mpmath.mpf]], list]:
    if generator == "sparse":  # the paper's problem: Gaussian X, `planted` entries 1/sqrt(planted)
        prob = ib.sparse_regression(d, n, planted, seed=seed)
        return [[mpmath.mpf(float(v)) for v in row] for row in prob.X], prob.y_exact(dps=300)
    rng = np.random.default_rng(seed)
    draw = {"gauss": lambda: rng.standard_normal((n, d)),
            "uniform": lambda: rng.uniform(-np.sqrt(3), np.sqrt(3), (n, d)),
            "t3": lambda: rng.standard_t(3, (n, d))}[generator]
    X = np.round(draw(), 6)
    beta = np.zeros(d)
    values = PLANTED if planted == 3 else tuple(1.0 / (1 + k) * (-1) ** k for k in range(planted))
    beta[rng.choice(d, size=len(values), replace=False)] = values
    with mpmath.workdps(300):  # y = X beta* exactly (X has 6 decimals, beta* few digits)
        Xm = [[mpmath.mpf(repr(float(v))) for v in row] for row in X]
        y = [mpmath.fsum(Xm[i][j] * mpmath.mpf(beta[j]) for j in range(d)) for i in range(n)]
    return Xm, y


def run(integrator: str, Xm, y, alpha, dps, max_time, ref_beta) -> tuple[float, str]:
    t0 = time.perf_counter()
    sol = gradient_flow(ib.diagonal(2), Xm, y, alpha=alpha, dps=dps, max_time=max_time, progress=False,
                        integrator=integrator)
    took = time.perf_counter() - t0
    with mpmath.workdps(dps):
        diff = max(abs(a - b) for a, b in zip(sol.beta, ref_beta, strict=True))
    tail = "-" if sol.loss_at_tail is None else mpmath.nstr(sol.loss_at_tail, 2)
    return took, (f"{integrator:6s} {took:8.1f} s  {sol.status:8s} steps {sol.steps:6d}  loss_at_tail {tail:8s} "
                  f"plateau_jump {sol.plateau_jump!s:5s}  max|beta - argmin Q| {mpmath.nstr(diff, 2)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+",
                        default=["gauss:0", "gauss:1", "gauss:2", "uniform:3", "t3:4", "gauss:5", "uniform:6", "t3:7"],
                        help="generator:seed, generator in gauss, uniform, t3, sparse")
    parser.add_argument("--baseline", nargs="*", default=["gauss:0"],
                        help="problems also run with integrator='taylor'")
    parser.add_argument("--d", type=int, default=60)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--planted", type=int, default=3, help="3: values 1, -1, 0.5; k: 1, -1/2, 1/3, ...")
    parser.add_argument("--log-alpha", type=float, default=-1000)
    parser.add_argument("--dps", type=int, default=60)
    parser.add_argument("--max-time", type=float, default=600)
    args = parser.parse_args()
    alpha = mpmath.exp(args.log_alpha)
    f = ib.derive(ib.diagonal(2)).to_numeric(dps=args.dps + 10)
    print(f"alpha = e^{args.log_alpha:g}, d = {args.d}, n = {args.n}, dps = {args.dps}, diagonal(2)", flush=True)
    for spec in args.problems:
        generator, seed = spec.split(":")
        Xm, y = problem(generator, int(seed), args.d, args.n, args.planted)
        t0 = time.perf_counter()
        ref = argmin_Q([f.coordinate(alpha=alpha)] * args.d, Xm, y, dps=args.dps)
        print(f"{spec}: argmin Q {time.perf_counter() - t0:.1f} s {ref.status}", flush=True)
        took, line = run("dual", Xm, y, alpha, args.dps, args.max_time, ref.beta)
        print("  " + line, flush=True)
        if spec in args.baseline:
            base, line = run("taylor", Xm, y, alpha, args.dps, args.max_time, ref.beta)
            print("  " + line + f"  taylor / dual = {base / took:.1f}", flush=True)


if __name__ == "__main__":
    main()
