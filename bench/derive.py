"""Benchmark: cold wall time of ``ib.derive(p)`` + ``reg.check()`` per catalogue entry, beside the naive SymPy route.

Every measurement runs in a fresh Python process (``python -c``), so nothing is cached and the import of
:mod:`implicit_bias` (mostly SymPy's) is reported separately from the derivation. The naive route is what
one would type by hand in SymPy; it runs in its own fresh process, capped by a timeout.

* hypentropy (``u**2 - v**2``, ``u0 = v0 = alpha``): ``dsolve`` the flows ``u' = 2u``, ``v' = -2v``,
  ``b = u**2 - v**2``, ``solve(Eq(b, beta), sigma)``, pick the real branch by evaluating every solution at
  a sample point, and ``integrate`` it in ``beta``.
* depth 3 (``u**3 - v**3``): ``solve(Eq(alpha**3*((1-3*alpha*s)**-3 - (1+3*alpha*s)**-3), beta), s)``; and, for
  comparison, the same at a numeric ``alpha = 1/10, beta = 1``.

The grammar (``--grammar N``): ``N`` models drawn by :func:`implicit_bias.testing.strategies.separable_models`
under a fixed Hypothesis seed (``--seed``), each derived and checked once in a fresh process, reported as the
median and worst ``derive + check`` beside the catalogue's median and worst of the same run, as ratios.
``--commands`` times ``implicit-bias derive ...`` (import, derivation, check and printing) on the shell lines
of :data:`COMMANDS`, each in a fresh process.

Run::

    .venv/bin/python bench/derive.py [--repeat 3] [--timeout 180] [--no-naive] [--grammar 30 --seed 12]
                                     [--commands]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

#: Catalogue entries timed, as ``(label, Python expression building the parametrization)``.
ENTRIES: list[tuple[str, str]] = [
    ("diagonal(2)", "ib.diagonal(2)"),
    ('diagonal(2, shape="c")', 'ib.diagonal(2, shape="c")'),
    ("diagonal(3)", "ib.diagonal(3)"),
    ("diagonal(5)", "ib.diagonal(5)"),
    ("positive()", "ib.positive()"),
    ("single_neuron()", "ib.single_neuron()"),
    ("product(3)", "ib.product(3)"),
    ('product(3, init=[a, 2a, 3a])', 'ib.product(3, init=["alpha", "2*alpha", "3*alpha"])'),
]

#: Shell lines timed by ``--commands``: models a researcher types, with shapes and learning rates.
COMMANDS: list[tuple[str, list[str]]] = [
    ("sinh(u) - sinh(v)", ["--params", "u,v", "--init", "u=alpha,v=alpha"]),
    ("tanh(u)", ["--params", "u", "--init", "u=alpha"]),
    ("u**3 + log(v)", ["--params", "u,v", "--init", "u=alpha,v=alpha"]),
    ("log(u) - v**4", ["--params", "u,v", "--init", "u=alpha,v=alpha"]),
    ("u**3 - (v + v**3/3)", ["--params", "u,v", "--lr", "u=2,v=1/2", "--init", "u=alpha,v=2*alpha"]),
    ("u**5 + exp(v)", ["--params", "u,v", "--init", "u=alpha,v=3*alpha", "--lr", "u=3,v=1"]),
    ("u**5 - log(v)", ["--params", "u,v", "--init", "u=alpha,v=alpha"]),
    ("u**2 + v", ["--params", "u,v", "--init", "u=alpha,v=0"]),
    ("exp(u) - sinh(v)", ["--params", "u,v", "--init", "u=alpha,v=alpha", "--lr", "u=3,v=2"]),
]

#: The stated target: each derivation (derive + check) under this many seconds in a fresh process.
TARGET_SECONDS = 2.0
#: The stated target for the worst model of the grammar.
WORST_TARGET_SECONDS = 5.0
#: Default Hypothesis seed of the grammar's draws.
GRAMMAR_SEED = 12
#: Default cap on each naive SymPy route.
NAIVE_TIMEOUT = 180.0
#: Cap on one engine measurement (a hang is reported, not waited for).
ENGINE_TIMEOUT = 300.0

_ENGINE = """
import json, time
t0 = time.perf_counter()
import implicit_bias as ib
t1 = time.perf_counter()
reg = ib.derive({entry})
t2 = time.perf_counter()
res = reg.check()
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "derive": t2 - t1, "check": t3 - t2, "kind": reg.kind,
                  "verified": bool(res.verified), "residual": float(res.residual)}}))
"""

_NAIVE_HYPENTROPY = """
import json, time
def report(**kw):
    print(json.dumps(kw), flush=True)
t0 = time.perf_counter()
import sympy as sp
report(stage="import", seconds=time.perf_counter() - t0)
alpha = sp.Symbol("alpha", positive=True)
beta = sp.Symbol("beta", real=True)
sigma = sp.Symbol("sigma", real=True)
u, v = sp.Function("u"), sp.Function("v")
t = time.perf_counter()
su = sp.dsolve(sp.Eq(u(sigma).diff(sigma), 2 * u(sigma)), u(sigma), ics={u(0): alpha})
sv = sp.dsolve(sp.Eq(v(sigma).diff(sigma), -2 * v(sigma)), v(sigma), ics={v(0): alpha})
b = su.rhs**2 - sv.rhs**2
report(stage="dsolve", seconds=time.perf_counter() - t, b=str(b))
t = time.perf_counter()
sols = sp.solve(sp.Eq(b, beta), sigma)
sample = {alpha: sp.Rational(3, 10), beta: sp.Rational(7, 10)}
values = [complex(s.subs(sample).evalf(30)) for s in sols]
complex_branches = sum(abs(z.imag) > 1e-20 for z in values)
report(stage="solve", seconds=time.perf_counter() - t, n=len(sols), complex_branches=complex_branches,
       explicit_I=sum(s.has(sp.I) for s in sols), logs=sum(len(s.atoms(sp.log)) for s in sols))
real = [s for s, z in zip(sols, values) if abs(z.imag) <= 1e-20]
chosen = real[0]
t = time.perf_counter()
Q = sp.integrate(chosen, beta)
seconds = time.perf_counter() - t
at = lambda x: sp.N(Q.subs({alpha: sp.Rational(3, 10), beta: x}), 40)
report(stage="integrate", seconds=seconds, chosen=str(chosen), Q=str(Q), unevaluated=Q.has(sp.Integral),
       Q_at_0=str(at(0)), Q_diff=str(at(sp.Rational(7, 10)) - at(0)))
"""

_NAIVE_DEPTH3 = """
import json, time
def report(**kw):
    print(json.dumps(kw), flush=True)
t0 = time.perf_counter()
import sympy as sp
report(stage="import", seconds=time.perf_counter() - t0)
alpha = sp.Symbol("alpha", positive=True)
beta = sp.Symbol("beta", real=True)
s = sp.Symbol("s", real=True)
def describe(sols):
    return {"n": len(sols), "crootof": sum(x.has(sp.CRootOf) for x in sols),
            "explicit_I": sum(x.has(sp.I) for x in sols), "chars": sum(len(str(x)) for x in sols)}
t = time.perf_counter()
sols = sp.solve(sp.Eq(alpha**3 * ((1 - 3 * alpha * s)**-3 - (1 + 3 * alpha * s)**-3), beta), s)
report(stage="solve", seconds=time.perf_counter() - t, **describe(sols))
a = sp.Rational(1, 10)
z = sp.Symbol("s")
t = time.perf_counter()
sols = sp.solve(sp.Eq(a**3 * ((1 - 3 * a * z)**-3 - (1 + 3 * a * z)**-3), 1), z)
values = [complex(x.evalf(30)) for x in sols]
real = [w.real for w in values if abs(w.imag) < 1e-20]
report(stage="solve_numeric", seconds=time.perf_counter() - t, real=len(real),
       in_branch=sum(abs(w) < 1 / (3 * 0.1) for w in real), **describe(sols))
"""


@dataclass
class Naive:
    """Stages reported by a naive run (possibly cut short by the timeout)."""

    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    timed_out: bool = False
    error: str = ""

    def seconds(self, *names: str) -> float:
        return sum(self.stages[n]["seconds"] for n in names if n in self.stages)


def _python(code: str, timeout: float) -> tuple[str, bool, str]:
    """Run ``code`` in a fresh interpreter: (stdout so far, timed out, stderr tail)."""
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return out, True, ""
    tail = proc.stderr.strip().splitlines()[-1] if proc.returncode and proc.stderr.strip() else ""
    return proc.stdout, False, tail


def engine_time(entry: str) -> dict[str, Any]:
    """One cold measurement of ``derive`` + ``check`` for ``entry`` in a fresh process."""
    out, timed_out, err = _python(_ENGINE.format(entry=entry), ENGINE_TIMEOUT)
    if timed_out or err:
        return {"error": "timed out" if timed_out else err}
    return json.loads(out.strip().splitlines()[-1])


def grammar_entries(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` distinct models of the grammar drawn under the Hypothesis seed ``seed``: ``(label, expression)``.

    Hypothesis mutates its recent draws, so neighbouring draws are alike: ``8 n`` draws are made and every
    ``k``-th distinct one is kept, a spread over the run."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed

    from implicit_bias.testing.strategies import command, separable_models

    found: dict[str, str] = {}

    @fixed_seed(seed)
    @settings(max_examples=8 * n, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(p=separable_models())
    def draw(p: Any) -> None:
        names = [str(w) for w in p.params]
        init = {str(w): str(e) for w, e in zip(p.params, p.init, strict=True)}
        lr = {str(w): str(e) for w, e in zip(p.params, p.lr, strict=True)}
        found.setdefault(command(p), f"ib.Parametrization.from_expr({p.name!r}, {names!r}, {init!r}, {lr!r}, "
                                     f"name={p.name!r})")

    draw()
    drawn = list(found.items())
    return drawn[:: max(1, len(drawn) // n)][:n]


def _grammar_table(n: int, seed: int, catalogue: dict[str, float]) -> bool:
    """Time ``n`` grammar models once each (fresh processes); True if the targets are met."""
    entries = grammar_entries(n, seed)
    print(f"\nGrammar: {len(entries)} distinct models of separable_models() under Hypothesis seed {seed}, "
          "ib.derive(p) + reg.check() once each in a fresh process\n")
    totals: list[tuple[float, str]] = []
    declined = failed = timed_out = 0
    for label, entry in entries:
        r = engine_time(entry)
        if "error" in r:
            what = ("timed out" if r["error"] == "timed out" else
                    "declined" if "DerivationError" in r["error"] else "FAILED")
            print(f"  {what:<9}  {label}\n             {r['error'][:160]}")
            declined += what == "declined"
            timed_out += what == "timed out"
            failed += what == "FAILED"
            continue
        total = r["derive"] + r["check"]
        totals.append((total, label))
        ok = "yes" if r["verified"] else "NO"
        print(f"  {total:6.2f}s  (derive {r['derive']:5.2f}s, check {r['check']:5.2f}s, {r['kind']:<10} verified {ok})"
              f"  {label}")
    if not totals:
        print("  no model derived")
        return False
    times = [t for t, _ in totals] + [ENGINE_TIMEOUT] * timed_out  # a model over the cap counts at the cap
    med, (worst, which) = statistics.median(times), max(totals)
    cat_med = statistics.median(catalogue.values()) if catalogue else float("nan")
    cat_worst = max(catalogue.values()) if catalogue else float("nan")
    print(f"\n  derived {len(totals)}, declined {declined}, failed {failed}, over {ENGINE_TIMEOUT:g} s {timed_out} "
          f"(of {len(entries)})")
    if timed_out:
        worst, which = ENGINE_TIMEOUT, f"{timed_out} model(s) over {ENGINE_TIMEOUT:g} s; the worst is at least that"
    print(f"  grammar median   {med:6.2f}s   catalogue median {cat_med:6.2f}s   grammar/catalogue = "
          f"{med / cat_med:.1f}x   target < {TARGET_SECONDS:g} s: {'ok' if med < TARGET_SECONDS else 'MISSED'}")
    print(f"  grammar worst    {worst:6.2f}s   catalogue worst  {cat_worst:6.2f}s   grammar/catalogue = "
          f"{worst / cat_worst:.1f}x   target < {WORST_TARGET_SECONDS:g} s: "
          f"{'ok' if worst < WORST_TARGET_SECONDS else 'MISSED'}   ({which})")
    return med < TARGET_SECONDS and worst < WORST_TARGET_SECONDS and not failed and not timed_out


def _commands_table(catalogue: dict[str, float]) -> None:
    """Wall time of ``implicit-bias derive ...`` (a fresh process: import, derive, check, print) per command."""
    print("\nShell: `implicit-bias derive ...` wall time (import + derive + check + printing), fresh process\n")
    cli = [sys.executable, "-m", "implicit_bias.cli.main"]
    for expr, options in COMMANDS:
        start = time.perf_counter()
        try:
            proc = subprocess.run([*cli, "derive", expr, *options], capture_output=True, text=True,
                                  timeout=ENGINE_TIMEOUT, check=False)
            status = "exit 0" if proc.returncode == 0 else f"exit {proc.returncode}"
        except subprocess.TimeoutExpired:
            status = "timed out"
        seconds = time.perf_counter() - start
        line = " ".join([f'"{expr}"', *options])
        print(f"  {seconds:6.2f}s  {status:<9} implicit-bias derive {line}")
    if catalogue:
        print(f"  (catalogue median derive + check in the same run: {statistics.median(catalogue.values()):.2f}s, "
              "without the import)")


def naive(code: str, timeout: float) -> Naive:
    """Run a naive SymPy route in a fresh process and collect the stages it reported."""
    out, timed_out, err = _python(code, timeout)
    result = Naive(timed_out=timed_out, error=err)
    for line in out.splitlines():
        record = json.loads(line)
        result.stages[record.pop("stage")] = record
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _engine_table(repeat: int) -> dict[str, float]:
    print(f"Engine: ib.derive(p) + reg.check(), each run in a fresh process, median of {repeat}; "
          f"target: derive + check < {TARGET_SECONDS:g} s cold\n")
    head = (f"{'entry':<30} {'kind':<10} {'import':>7} {'derive':>7} {'check':>7} {'der+chk':>8}  "
            f"{'verified':<16} target")
    print(head)
    print("-" * len(head))
    totals: dict[str, float] = {}
    for label, entry in ENTRIES:
        runs = [engine_time(entry) for _ in range(repeat)]
        failed = [r["error"] for r in runs if "error" in r]
        if failed:
            print(f"{label:<30} FAILED: {failed[0]}")
            continue
        imp, der, chk = (_median(runs, k) for k in ("import", "derive", "check"))
        total = statistics.median(r["derive"] + r["check"] for r in runs)
        totals[label] = total
        ok = all(r["verified"] for r in runs)
        verified = f"{'yes' if ok else 'NO'} ({max(r['residual'] for r in runs):.0e})"
        target = "ok" if total < TARGET_SECONDS else "MISSED"
        print(f"{label:<30} {runs[0]['kind']:<10} {imp:>6.2f}s {der:>6.2f}s {chk:>6.2f}s {total:>7.2f}s  "
              f"{verified:<16} {target}")
    return totals


def _ratio(naive_seconds: float, engine_seconds: float | None, timed_out: bool) -> str:
    if engine_seconds is None:
        return "n/a (engine failed)"
    prefix = ">" if timed_out else ""
    return f"{prefix}{naive_seconds / engine_seconds:.1f}x"


def _naive_hypentropy(timeout: float, engine: float | None) -> None:
    r = naive(_NAIVE_HYPENTROPY, timeout)
    st = r.stages
    print("\nNaive SymPy, hypentropy u**2 - v**2 (dsolve -> solve -> integrate), fresh process, "
          f"cap {timeout:g} s")
    print(f"  import sympy          {st.get('import', {}).get('seconds', float('nan')):.2f} s (not counted below)")
    if "dsolve" in st:
        print(f"  dsolve (2 ODEs)       {st['dsolve']['seconds']:.2f} s   b = {st['dsolve']['b']}")
    if "solve" in st:
        s = st["solve"]
        print(f"  solve(b = beta)       {s['seconds']:.2f} s   {s['n']} solutions, {s['complex_branches']} of them "
              f"complex at alpha=0.3, beta=0.7 ({s['logs']} logs of radicals; {s['explicit_I']} show I "
              "explicitly): the real branch must be picked by hand")
    if "integrate" in st:
        i = st["integrate"]
        print(f"  integrate in beta     {i['seconds']:.2f} s   Q = {i['Q']}"
              + ("  (left unevaluated)" if i["unevaluated"] else ""))
        print(f"                                 Q(0) = {float(i['Q_at_0']):.6g} at alpha=0.3: the constant is not "
              f"fixed (the engine's Q(beta0) = 0); Q(0.7) - Q(0) = {i['Q_diff'][:22]}")
    total = r.seconds("dsolve", "solve", "integrate")
    status = "timed out" if r.timed_out else (f"failed: {r.error}" if r.error else "done")
    print(f"  total                 {total:.2f} s ({status}); engine diagonal(2) derive + check "
          f"{engine if engine is not None else float('nan'):.2f} s; "
          f"naive/engine = {_ratio(total, engine, r.timed_out)}")


def _naive_depth3(timeout: float, engine: float | None) -> None:
    r = naive(_NAIVE_DEPTH3, timeout)
    st = r.stages
    print(f"\nNaive SymPy, depth 3: solve(Eq(alpha**3*((1-3*alpha*s)**-3 - (1+3*alpha*s)**-3), beta), s), "
          f"fresh process, cap {timeout:g} s")
    if "solve" in st:
        s = st["solve"]
        what = ("NO solution returned (a real root exists for every beta)" if s["n"] == 0 else
                f"{s['n']} solutions ({s['crootof']} CRootOf, {s['explicit_I']} with I, {s['chars']} characters)")
        print(f"  symbolic alpha, beta  {s['seconds']:.2f} s   {what}")
    if "solve_numeric" in st:
        s = st["solve_numeric"]
        print(f"  alpha=1/10, beta=1    {s['seconds']:.2f} s   {s['n']} solutions ({s['crootof']} CRootOf), "
              f"{s['real']} real, {s['in_branch']} on the flow's branch |s| < 1/(3 alpha)")
    total = r.seconds("solve")
    status = "timed out" if r.timed_out else (f"failed: {r.error}" if r.error else "done")
    note = " (fast only because it returns nothing)" if st.get("solve", {}).get("n") == 0 else ""
    print(f"  total (symbolic)      {total:.2f} s ({status}); engine diagonal(3) derive + check "
          f"{engine if engine is not None else float('nan'):.2f} s; naive/engine = "
          f"{_ratio(total, engine, r.timed_out)}{note}")
    if "solve_numeric" in st:
        numeric = st["solve_numeric"]["seconds"]
        print(f"  one numeric instance  naive {numeric:.2f} s for a single (alpha, beta) vs the engine's whole family "
              f"with its check: naive/engine = {_ratio(numeric, engine, False)}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables.

    Parameters
    ----------
    argv : list of str, optional
        ``--repeat N`` (fresh-process runs per entry, default 3), ``--timeout S`` (cap on each naive route,
        default 180), ``--no-naive``, ``--grammar N`` and ``--seed S`` (time N models of the grammar drawn
        under seed S), ``--commands`` (time the shell lines of :data:`COMMANDS`).

    Returns
    -------
    int
        0, or 1 if an entry missed the target or was not verified, or the grammar missed its targets.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process runs per entry (median reported)")
    parser.add_argument("--timeout", type=float, default=NAIVE_TIMEOUT, help="cap on each naive route, seconds")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive SymPy routes")
    parser.add_argument("--grammar", type=int, default=0, metavar="N",
                        help="also time N models of the separable grammar (0: skip)")
    parser.add_argument("--seed", type=int, default=GRAMMAR_SEED, help="Hypothesis seed of the grammar's draws")
    parser.add_argument("--commands", action="store_true", help="also time the shell lines of COMMANDS")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {sys.executable}")
    totals = _engine_table(max(1, args.repeat))
    if not args.no_naive:
        _naive_hypentropy(args.timeout, totals.get("diagonal(2)"))
        _naive_depth3(args.timeout, totals.get("diagonal(3)"))
    missed = len(totals) < len(ENTRIES) or any(t >= TARGET_SECONDS for t in totals.values())
    if args.grammar > 0:
        missed = not _grammar_table(args.grammar, args.seed, totals) or missed
    if args.commands:
        _commands_table(totals)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
