"""Even et al. (2023), main result: the iterates of GD and SGD with any convergent stepsize converge to
``argmin D_psi(beta, tilde beta_0) s.t. X beta = y``, ``psi`` the hypentropy at the effective initialization
``alpha_infinity = alpha exp(-sum_k q(gamma g_k) / 2)`` built from the trajectory. Measured (setting in ``_runs``)
for GD at every step, at the largest convergent step (edge of stability) and half of it, SGD, and GD on
``u^2 - v^2``: the same problem solved by the reference solver with the engine's regularizer of the tilted model.

FAIL if (i) some run's last iterate ``beta_K`` differs from the minimizer for labels ``X beta_K`` (the identity is
exact at every step) by more than ``10^-(dps - 8)``; (ii) some converged run differs from the minimizer for ``y``
by more than ``10 x`` its residual plus that; (iii) the gain ``log(alpha^2 / alpha_inf^2)`` accumulated step by step
with the paper's ``q(x) = -log((1 - x^2)^2) / 2`` in float64 differs from the exact one by more than ``1e-10``
relative to ``sum |q|``.
"""

from __future__ import annotations

from typing import Any

from .._common import load_result, save_result
from .._framework import Context, Outcome
from . import _runs

NAME = "even2023.identity"
KEEP = ("model", "step", "batch_size", "status", "residual", "identity", "limit", "gain_by_steps", "dps")
GAIN = 1e-10


def run(ctx: Context) -> list[Outcome]:
    res = _runs.runs(ctx)
    rows = [*res["gd"], *res["sgd"], res["square"]]
    rows += [r for r in (res["eos"]["run"], res["half"]) if r is not None]
    save_result(ctx, NAME, {"runs": [{k: r[k] for k in KEEP} for r in rows]})
    return judge(load_result(ctx, NAME), _runs.figure(ctx, res))


def _label(r: dict[str, Any]) -> str:
    kind = f"SGD(b={r['batch_size']})" if r["batch_size"] else "GD"
    return f"{kind} {r['model']} step {r['step']:.3g}"


def judge(res: dict[str, Any], fig: str = "") -> list[Outcome]:
    """The three outcomes from a stored result (``runs``, each with ``identity``, ``limit``, ``gain_by_steps``)."""
    figs = (fig,) if fig else ()
    rows = res["runs"]

    def tol(r: dict[str, Any]) -> float:
        return 10.0 ** -(r["dps"] - 8)

    bad_id = [_label(r) for r in rows if r["identity"] is None or r["identity"] > tol(r)]
    done = [r for r in rows if r["status"] == "success"]
    bad_lim = [_label(r) for r in done if r["limit"] is None or r["limit"] > 10 * r["residual"] + tol(r)]
    bad_gain = [_label(r) for r in rows if r["gain_by_steps"] > GAIN]
    worst = max((r["identity"] for r in rows if r["identity"] is not None), default=None)
    lim = ", ".join(f"{_label(r)}: {r['limit']:.1e} (residual {r['residual']:.1e})" for r in done
                    if r["limit"] is not None)
    return [
        Outcome(NAME, "(i) every iterate solves the effective-initialization problem exactly (labels X beta_K)",
                f"{len(rows)} runs, worst |beta_K - argmin| = {'-' if worst is None else f'{worst:.1e}'}; "
                f"failing: {bad_id or 'none'}", "0 (exact identity)", "10^-(dps-8)", bool(rows) and not bad_id, figs),
        Outcome(NAME, "(ii) the limit of GD/SGD is argmin D_psi(alpha_inf)(beta, tilde beta_0) s.t. X beta = y",
                lim + f"; failing: {bad_lim or 'none'}", "as small as the residual", "10 x residual + 10^-(dps-8)",
                bool(done) and not bad_lim, figs),
        Outcome(NAME, "(iii) the gain is the sum over the steps of q(gamma g_k), q(x) = -log((1 - x^2)^2) / 2",
                f"max |per-step float64 sum - exact| / sum |q| = {max(r['gain_by_steps'] for r in rows):.1e}; "
                f"failing: {bad_gain or 'none'}", "0", f"{GAIN:g} (float64 accumulation)",
                bool(rows) and not bad_gain, figs),
    ]
