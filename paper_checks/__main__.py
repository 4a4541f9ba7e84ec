"""``python -m paper_checks [NAME ...] [--quick | --full] [--out DIR] [--workers N | --dask ADDRESS]``.

A NAME is a check (``woodworth2020.fig1_sparse``) or a paper key (``woodworth2020``: all its checks).
Progress (one line per finished check, and the sweeps' bars on a terminal) goes to stderr, silenced by
``--quiet``; ``--format json`` prints the outcomes as one JSON document on stdout. A check that needs a missing
optional dependency is SKIPPED, with the extra that installs it; the exit status is 1 only if a claim FAILs.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from ._framework import CHECKS, Context, install_hint, paper_of, run_checks, write_report


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m paper_checks``."""
    parser = argparse.ArgumentParser(prog="python -m paper_checks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"checks or paper keys to run (default: all): {', '.join(CHECKS)}")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", default=True, help="reduced sizes (default; what CI runs)")
    size.add_argument("--full", action="store_true", help="the paper's sizes")
    parser.add_argument("--out", type=Path, default=Path("paper_checks/report"), help="report directory")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local worker processes for sweeps")
    where.add_argument("--dask", default=None, metavar="ADDRESS", help="run sweeps on this Dask scheduler")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format (text)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    papers = {paper_of(c) for c in CHECKS}
    unknown = [n for n in args.names if n not in CHECKS and n not in papers]
    if unknown:
        parser.error(f"unknown check(s) {unknown}; choose from {', '.join(CHECKS)} "
                     f"or a paper: {', '.join(sorted(papers))}")
    if args.dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            parser.error(f"--dask {args.dask}: needs {install_hint('distributed')}")
    names = [c for c in CHECKS if not args.names or c in args.names or paper_of(c) in args.names]
    ctx = Context(quick=not args.full, out=args.out, workers=args.workers, dask=args.dask,
                  progress=False if args.quiet else None)
    outcomes = run_checks(names, ctx, log=None if args.quiet else _log)
    command = "python -m paper_checks " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    report = write_report(outcomes, ctx, command=command.strip())
    if args.format == "json":
        print(json.dumps({"report": str(report), "ok": all(o.ok for o in outcomes), "outcomes": [
            {"check": o.check, "claim": o.claim, "verdict": o.verdict, "measured": o.measured, "expected": o.expected,
             "tolerance": o.tolerance, "note": o.note, "deviation": o.deviation, "skipped": o.skipped,
             "figures": list(o.figures), "seconds": round(o.seconds, 2)} for o in outcomes]}, indent=1))
    else:
        for o in outcomes:
            detail = f"({o.skipped})" if o.skipped else f"(measured {o.measured}; expected {o.expected})"
            print(f"{o.verdict}  {o.check}: {o.claim}  {detail}")
        print(f"report: {report}")
    return 0 if all(o.ok for o in outcomes) else 1


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
