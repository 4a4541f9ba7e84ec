"""Depth >= 3 diagonal networks at tiny alpha: the flow (plateau jump) against argmin_Q, with wall times.

    .venv/bin/python bench/deep.py --depths 3 5 --log10-alphas -8 -100 -300

Depth D's plateaus last ~alpha^-(D-2) and its dual map has poles at |sigma| ~ alpha^-(D-2); there is no scipy
baseline (scipy fails at depth 2 already below alpha ~ e^-10, see bench/verify.py). Prints, per run, the flow's
wall time and status, the reference's, and max |beta_flow - beta_ref| beside both certificates.
"""

from __future__ import annotations

import argparse
import time

import mpmath

import implicit_bias as ib
from implicit_bias.flow import gradient_flow
from implicit_bias.reference import argmin_Q

X = [[1.0, 0.5, -0.3, 0.2], [0.1, -1.0, 0.4, 0.7]]
Y = [1.0, -0.5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", nargs="+", type=int, default=[3, 5])
    parser.add_argument("--log10-alphas", nargs="+", type=int, default=[-8, -100, -300])
    parser.add_argument("--dps", type=int, default=30)
    parser.add_argument("--max-time", type=float, default=300)
    args = parser.parse_args()
    print(f"X = {X}, y = {Y}, dps = {args.dps}")
    for depth in args.depths:
        f = ib.derive(ib.diagonal(depth)).to_numeric(dps=args.dps + 10)
        for la in args.log10_alphas:
            alpha = mpmath.mpf(10) ** la
            t0 = time.perf_counter()
            sol = gradient_flow(ib.diagonal(depth), X, Y, alpha=alpha, dps=args.dps, progress=False,
                                max_time=args.max_time)
            t_flow = time.perf_counter() - t0
            t0 = time.perf_counter()
            ref = argmin_Q([f.coordinate(alpha=alpha)] * len(X[0]), X, Y, dps=args.dps)
            t_ref = time.perf_counter() - t0
            with mpmath.workdps(args.dps):
                diff = max(abs(a - b) for a, b in zip(sol.beta, ref.beta, strict=True))
            print(f"depth {depth}, alpha = 1e{la}: flow {t_flow:7.1f} s {sol.status:9s} reference {t_ref:5.1f} s "
                  f"{ref.status:7s} max|diff| = {mpmath.nstr(diff, 3)}; certificates: flow "
                  f"{mpmath.nstr(sol.certificate, 3)}, reference {mpmath.nstr(ref.kkt_residual['beta_correction'], 3)}",
                  flush=True)


if __name__ == "__main__":
    main()
