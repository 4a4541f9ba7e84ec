"""The single neuron ``f(x) = a <w, x>`` of Kunin et al. (2024, Sec. 3-4) and Azulay et al. (2021, Sec. 6): points of
the experiments that check the engine's reduction against the real dynamics.

Every ``*_point`` function maps a JSON-able config to a JSON-able result (floats, lists), so a sweep can store and
resume it (:func:`implicit_bias.sweeps.run_sweep`). The model is always ``ib.single_neuron(d, delta=...,
direction=beta0)`` at ``alpha = ||beta0||``: the initialization ``a0 > 0``, ``w0 = beta0 / a0`` on the level set
``a^2 - ||w||^2 = delta``, as in the paper's figures (each ``delta`` re-balances ``(a, w)`` at fixed ``beta0``).

* :func:`exact_point` -- the exact solution (:mod:`~implicit_bias.derive.neuron_exact`) against the flow of
  ``(a, w)`` on whitened data, at a grid of times.
* :func:`limit_point` -- the flow's limit against ``argmin Q`` of the derived potential (``ib.verify``) on a random
  underdetermined problem, with the sign of ``a`` at the end and the distance to the other sign's argmin.
* :func:`rank_one_point` -- one sample: the flow's limit and the derived argmin, with the quantities the rank-1
  closed form needs.
* :func:`regime_point` -- the derived argmin's distances to the ``delta -> +oo`` limit (the kernel interpolant
  ``beta0 + X^+ (y - X beta0)``) and to the ``delta -> -oo`` limit (the point ``tau beta0`` of the initial ray).
* :func:`sign_point` -- whitened data: does ``a`` change sign, and does the Riccati separatrix
  ``nu0 < nu_-`` predict it?
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

import mpmath
import sympy as sp

__all__ = ["exact_point", "limit_point", "model", "rank_one_point", "regime_point", "sign_point"]


def _rational(x: Any) -> sp.Rational:
    return sp.Rational(str(x))


@cache
def model(d: int, delta: str, direction: tuple[str, ...]) -> Any:
    """``ib.single_neuron(d, delta=delta, direction=direction)`` (cached; the arguments as strings)."""
    from .. import single_neuron

    return single_neuron(d, delta=_rational(delta), direction=tuple(_rational(c) for c in direction))


@cache
def _derived(d: int, delta: str, direction: tuple[str, ...]) -> Any:
    from .. import derive

    return derive(model(d, delta, direction))


@cache
def _exact(d: int, delta: str, direction: tuple[str, ...]) -> Any:
    from ..derive.neuron_exact import exact_solution

    return exact_solution(model(d, delta, direction))


def _alpha(beta0: list[str]) -> mpmath.mpf:
    return mpmath.sqrt(mpmath.fsum(mpmath.mpf(_rational(b)) ** 2 for b in beta0))


def exact_point(cfg: dict[str, Any]) -> dict[str, Any]:
    """The exact solution against the flow on whitened data (``X = sqrt(d) I``, ``beta* = cfg["beta_star"]``).

    Returns the times, the flow's and the exact ``a``, ``||w||``, ``nu = <w, beta*> / a`` (floats, for figures),
    the states ``(a, w)`` of both at full precision (``states_flow``, ``states_exact``: strings),
    ``max_error`` (max over times of ``|(a, w)_flow - (a, w)_exact|``) and the initial ``a0, w0, nu0, s, delta``
    (strings at full precision).
    """
    from ..flow.shared import initial_values, shared_flow

    d, dps = len(cfg["beta0"]), int(cfg.get("dps", 40))
    direction = tuple(str(b) for b in cfg["beta0"])
    p = model(d, str(cfg["delta"]), direction)
    with mpmath.workdps(dps + 10):
        bstar = [mpmath.mpf(_rational(b)) for b in cfg["beta_star"]]
        X = [[mpmath.sqrt(d) if i == j else mpmath.mpf(0) for j in range(d)] for i in range(d)]
        y = [mpmath.sqrt(d) * b for b in bstar]
        times = [mpmath.mpf(_rational(t)) for t in cfg["times"]]
        alpha = _alpha(cfg["beta0"])
        flow = shared_flow(p, X, y, alpha=alpha, dps=dps, times=times, progress=False)
        w0 = initial_values(p, {p.alpha: alpha}, dps + 10)
        exact = _exact(d, str(cfg["delta"]), direction).evaluate(times, w0[0], w0[1:], bstar)
        s = mpmath.norm(bstar)
        rows: dict[str, list[float]] = {k: [] for k in ("a_flow", "a_exact", "w_flow", "w_exact", "nu_flow",
                                                        "nu_exact")}
        error = mpmath.mpf(0)
        states: dict[str, list[list[str]]] = {"states_flow": [], "states_exact": []}
        for (_t, wf, _b), (a, w) in zip(flow.trajectory, exact, strict=True):
            error = max(error, *(abs(u - v) for u, v in zip([a, *w], wf, strict=True)))
            states["states_flow"].append([mpmath.nstr(v, dps) for v in wf])
            states["states_exact"].append([mpmath.nstr(v, dps) for v in (a, *w)])
            for tag, (aa, ww) in (("flow", (wf[0], wf[1:])), ("exact", (a, w))):
                rows[f"a_{tag}"].append(float(aa))
                rows[f"w_{tag}"].append(float(mpmath.norm(ww)))
                rows[f"nu_{tag}"].append(float(mpmath.fsum(x * b for x, b in zip(ww, bstar, strict=True)) / aa))
        nu0 = mpmath.fsum(x * b for x, b in zip(w0[1:], bstar, strict=True)) / w0[0]
        return {"delta": str(cfg["delta"]), "times": [float(t) for t in times], "time_values": list(cfg["times"]),
                **rows, **states,
                "max_error": float(error), "status": str(flow.status), "a0": mpmath.nstr(w0[0], dps),
                "w0": [mpmath.nstr(v, dps) for v in w0[1:]], "nu0": mpmath.nstr(nu0, dps),
                "s": mpmath.nstr(s, dps), "dps": dps}


def _problem(n: int, d: int, seed: int) -> tuple[list[list[float]], list[float], list[str]]:
    rng = random.Random(seed)
    X = [[rng.gauss(0, 1) for _ in range(d)] for _ in range(n)]
    y = [rng.gauss(0, 1) for _ in range(n)]
    direction = [str(round(rng.gauss(0, 1), 6)) for _ in range(d)]
    return X, y, direction


def limit_point(cfg: dict[str, Any]) -> dict[str, Any]:
    """``ib.verify`` of the ``d``-input neuron on a random ``n x d`` problem (seeded) at ``alpha = e^log_alpha``.

    Returns ``max_diff`` (flow vs the derived argmin for the observed sign of ``a``), ``agree``, ``flipped``
    (``a`` ended with the opposite sign), ``other_diff`` (flow vs the other sign's argmin), ``certificate``,
    ``dps``.
    """
    from .. import verify

    X, y, direction = _problem(int(cfg["n"]), int(cfg["d"]), int(cfg["seed"]))
    p = model(int(cfg["d"]), str(cfg["delta"]), tuple(direction))
    reg = _derived(int(cfg["d"]), str(cfg["delta"]), tuple(direction))
    alpha = mpmath.exp(mpmath.mpf(cfg["log_alpha"]))
    rep = verify(reg, X, y, alpha=alpha, dps=cfg.get("dps"), progress=False)
    f = reg.to_numeric(dps=rep.dps)
    flipped = any("flipped" in note for note in rep.notes)
    with mpmath.workdps(rep.dps):
        other = f.argmin(X, y, sign=1 if flipped else -1, alpha=alpha)
        other_diff = max(abs(u - v) for u, v in zip(rep.gf_beta, other.beta, strict=True))
    del p
    return {"delta": str(cfg["delta"]), "seed": cfg["seed"], "log_alpha": cfg["log_alpha"],
            "max_diff": float(rep.max_abs_diff), "agree": bool(rep.agree), "status": str(rep.status),
            "flipped": flipped, "other_diff": float(other_diff), "certificate": float(rep.certificate),
            "dps": rep.dps}


def rank_one_point(cfg: dict[str, Any]) -> dict[str, Any]:
    """One sample ``x`` with label ``y``: the flow's limit and the derived argmin from ``beta0`` at ``delta``.

    Also returns ``w0`` and ``beta_star = x y / ||x||^2`` (strings), for the rank-1 closed form.
    """
    from ..flow.shared import shared_flow

    x = [mpmath.mpf(_rational(v)) for v in cfg["x"]]
    dps = int(cfg.get("dps", 40))
    direction = tuple(str(b) for b in cfg["beta0"])
    p = model(len(x), str(cfg["delta"]), direction)
    reg = _derived(len(x), str(cfg["delta"]), direction)
    with mpmath.workdps(dps + 10):
        y = mpmath.mpf(_rational(cfg["y"]))
        alpha = _alpha(cfg["beta0"])
        flow = shared_flow(p, [x], [y], alpha=alpha, dps=dps, progress=False)
        f = reg.to_numeric(dps=dps)
        sign = f.final_sign(flow.w)
        ref = f.argmin([x], [y], sign=sign, alpha=alpha)
        xx = mpmath.fsum(v**2 for v in x)
        return {"delta": str(cfg["delta"]), "flow": [mpmath.nstr(b, dps) for b in flow.beta],
                "argmin": [mpmath.nstr(b, dps) for b in ref.beta], "flipped": sign == -1,
                "w0": [mpmath.nstr(v, dps) for v in f.point(alpha=alpha)["w0"]],
                "beta_star": [mpmath.nstr(v * y / xx, dps) for v in x], "status": str(flow.status), "dps": dps}


def regime_point(cfg: dict[str, Any]) -> dict[str, Any]:
    """The derived argmin at ``delta`` for one sample (``x``, ``y``, ``beta0``), and its distances to the kernel
    interpolant ``beta0 + x (y - <x, beta0>) / ||x||^2`` and to the ray point ``tau beta0``,
    ``tau = y / <x, beta0>``."""
    x = [mpmath.mpf(_rational(v)) for v in cfg["x"]]
    dps = int(cfg.get("dps", 30))
    direction = tuple(str(b) for b in cfg["beta0"])
    reg = _derived(len(x), str(cfg["delta"]), direction)
    with mpmath.workdps(dps + 10):
        y = mpmath.mpf(_rational(cfg["y"]))
        b0 = [mpmath.mpf(_rational(b)) for b in cfg["beta0"]]
        sol = reg.to_numeric(dps=dps).argmin([x], [y], alpha=_alpha(cfg["beta0"]))
        xx, xb = mpmath.fsum(v**2 for v in x), mpmath.fsum(u * v for u, v in zip(x, b0, strict=True))
        kernel = [b + v * (y - xb) / xx for b, v in zip(b0, x, strict=True)]
        ray = [y / xb * b for b in b0]

        def dist(u: list[Any]) -> float:
            return float(mpmath.norm([a - b for a, b in zip(sol.beta, u, strict=True)]))

        return {"delta": float(_rational(cfg["delta"])), "beta": [float(b) for b in sol.beta],
                "dist_kernel": dist(kernel), "dist_ray": dist(ray), "status": str(sol.status)}


def sign_point(cfg: dict[str, Any]) -> dict[str, Any]:
    """Whitened data, ``beta* = cfg["beta_star"]``, ``w0`` at angle ``cfg["angle"]`` (``a0 > 0``): the flow of
    ``(a, w)`` to ``t = cfg["t_end"]``, whether ``a`` changed sign, and the Riccati prediction ``nu0 < nu_-``,
    ``nu_- = (-delta - sqrt(delta^2 + 4 s^2)) / 2`` (the repelling fixed point; ``nu`` runs off to ``-oo``, i.e.
    ``a`` reaches zero, exactly from below it)."""
    from ..flow.shared import initial_values, shared_flow

    angle = mpmath.mpf(cfg["angle"])
    r0 = mpmath.mpf(_rational(cfg.get("radius", 1)))
    beta0 = [str(mpmath.nstr(r0 * mpmath.cos(angle), 25)), str(mpmath.nstr(r0 * mpmath.sin(angle), 25))]
    direction = tuple(beta0)
    p = model(2, str(cfg["delta"]), direction)
    with mpmath.workdps(40):
        bstar = [mpmath.mpf(_rational(b)) for b in cfg["beta_star"]]
        X = [[mpmath.sqrt(2), 0], [0, mpmath.sqrt(2)]]
        y = [mpmath.sqrt(2) * b for b in bstar]
        alpha = _alpha(list(beta0))
        t_end = mpmath.mpf(_rational(cfg.get("t_end", 30)))
        flow = shared_flow(p, X, y, alpha=alpha, dps=30, times=[t_end], progress=False)
        w0 = initial_values(p, {p.alpha: alpha}, 40)
        s = mpmath.norm(bstar)
        delta = mpmath.mpf(_rational(cfg["delta"]))
        nu0 = mpmath.fsum(u * v for u, v in zip(w0[1:], bstar, strict=True)) / w0[0]
        nu_minus = (-delta - mpmath.sqrt(delta**2 + 4 * s**2)) / 2
        return {"delta": float(delta), "angle": float(angle), "nu0": float(nu0), "nu_minus": float(nu_minus),
                "flipped": bool(flow.w[0] * w0[0] < 0), "predicted": bool(nu0 < nu_minus),
                "status": str(flow.status)}
