"""``python -m paper_checks [NAME ...] [--quick | --full] [--out DIR] [--workers N | --dask ADDRESS]``.

A NAME is a check (``woodworth2020.fig1_sparse``) or a paper key (``woodworth2020``: all its checks).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ._framework import CHECKS, Context, paper_of, run_checks, write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paper_checks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"checks or paper keys to run (default: all): {', '.join(CHECKS)}")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", default=True, help="reduced sizes (default; what CI runs)")
    size.add_argument("--full", action="store_true", help="the paper's sizes")
    parser.add_argument("--out", type=Path, default=Path("paper_checks/report"), help="report directory")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local worker processes for sweeps")
    where.add_argument("--dask", default=None, metavar="ADDRESS", help="run sweeps on this Dask scheduler")
    args = parser.parse_args(argv)
    papers = {paper_of(c) for c in CHECKS}
    unknown = [n for n in args.names if n not in CHECKS and n not in papers]
    if unknown:
        parser.error(f"unknown check(s) {unknown}; choose from {', '.join(CHECKS)} "
                     f"or a paper: {', '.join(sorted(papers))}")
    names = [c for c in CHECKS if not args.names or c in args.names or paper_of(c) in args.names]
    ctx = Context(quick=not args.full, out=args.out, workers=args.workers, dask=args.dask)
    outcomes = run_checks(names, ctx)
    command = "python -m paper_checks " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    report = write_report(outcomes, ctx, command=command.strip())
    for o in outcomes:
        print(f"{o.verdict}  {o.check}: {o.claim}  (measured {o.measured}; expected {o.expected})")
    print(f"report: {report}")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
