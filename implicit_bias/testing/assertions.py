"""Assertions for a user's own tests: a derived regularizer verified, and the flow's limit equal to its argmin.

Each raises ``AssertionError`` with what was compared, the measured disagreement against its tolerance and the
call that reproduces it, so a failing ``@given`` example reads as a bug report. Both return what they measured
(the check's or the verification's report) when they pass.
"""

from __future__ import annotations

from typing import Any

import mpmath

from ..derive import derive
from ..parametrizations import Parametrization
from ..parametrizations.shared import SharedParametrization
from ..verify import verify

__all__ = ["assert_flow_matches_regularizer", "assert_regularizer_verified"]


def _model(p: Any) -> str:
    """A one-line description of a model or of a derived regularizer's model."""
    par = getattr(p, "parametrization", p)
    if isinstance(par, Parametrization):
        return (f"beta = {par.phi}, w0 = ({', '.join(map(str, par.init))}), eta = ({', '.join(map(str, par.lr))})"
                + (f" [{par.name}]" if par.name and par.name != str(par.phi) else ""))
    if isinstance(par, SharedParametrization):
        return f"beta = ({', '.join(map(str, par.exprs))}), w0 = ({', '.join(map(str, par.init))})"
    return repr(par)[:200]


def assert_regularizer_verified(reg: Any, *, n_points: int = 4, dps: int = 30, seed: int = 0,
                                **check_options: Any) -> Any:
    """Assert that the independent checker verifies ``reg`` (``reg.check()``).

    Parameters
    ----------
    reg : Regularizer, a derived vector regularizer, or a model
        What ``ib.derive`` returned; a :class:`~implicit_bias.Parametrization` or a shared model is derived here.
    n_points, dps, seed : int
        Passed to ``reg.check`` (how many random points, at how many digits, from which seed).
    **check_options
        Other keywords of ``reg.check`` (``alpha=``, ``constants=``).

    Returns
    -------
    CheckResult
        The check's result (verified).

    Raises
    ------
    AssertionError
        The check refused ``reg``: the message lists each condition above its tolerance, the checker's message,
        ``Q`` and the call that reproduces it.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> from implicit_bias.testing import assert_regularizer_verified
    >>> assert_regularizer_verified(ib.derive(ib.diagonal(2))).verified
    True
    """
    if isinstance(reg, Parametrization | SharedParametrization):
        reg = derive(reg)
    result = reg.check(n_points=n_points, dps=dps, seed=seed, **check_options)
    if result.verified:
        return result
    failed = [f"{name} {value:.3g} > {result.tolerances.get(name, result.tolerance):.3g}"
              for name, value in result.details.items()
              if not value <= result.tolerances.get(name, result.tolerance)]
    options = "".join(f", {k}={v!r}" for k, v in check_options.items())
    raise AssertionError(
        f"the regularizer of {_model(reg)} (kind {reg.kind}) is not verified: worst residual "
        f"{result.residual:.3g} against tolerance {result.tolerance:.3g} over {result.points} points\n"
        f"  conditions above tolerance: {'; '.join(failed) or 'none listed'}\n"
        + (f"  checker: {result.message}\n" if result.message else "")
        + f"  Q = {str(reg.Q)[:500]}\n"
        f"  reproduce: reg.check(n_points={n_points}, dps={dps}, seed={seed}{options})")


def assert_flow_matches_regularizer(p: Any, X: Any, y: Any, alpha: Any, *, constants: dict[str, Any] | None = None,
                                    dps: int | None = None) -> Any:
    """Assert that gradient flow on ``p`` from scale ``alpha`` converges to ``argmin Q s.t. X beta = y``.

    Runs :func:`implicit_bias.verify`: the flow of the original parameters (high precision, exact tail) against
    the independent convex solver on the derived ``Q``, both at ``dps`` digits.

    Parameters
    ----------
    p : Parametrization, Regularizer or a shared model
        The model (derived here), or a regularizer whose ``parametrization`` gives the flow and whose ``Q`` is
        minimized.
    X, y : array-like
        An underdetermined problem (``n < d``, full row rank), e.g. from
        :func:`~implicit_bias.testing.underdetermined_problems`.
    alpha : number
        The initialization scale (``mpmath.exp(-1000)`` works), e.g. from :func:`~implicit_bias.testing.alpha_scales`.
    constants : dict, optional
        Values of the model's other symbols (not ``alpha``).
    dps : int, optional
        Working digits; by default enough to resolve the ``alpha``-dependent part of ``beta`` to 20 digits.

    Returns
    -------
    VerifyReport or SharedVerifyReport
        The report (``agree`` is True).

    Raises
    ------
    AssertionError
        The two answers differ beyond the working precision, or one of the two computations did not finish
        (its status and message are in the report shown).

    Examples
    --------
    >>> import implicit_bias as ib
    >>> from implicit_bias.testing import assert_flow_matches_regularizer
    >>> rep = assert_flow_matches_regularizer(ib.diagonal(2), [[1, 0.5, -0.3]], [1], 0.5, dps=30)
    >>> rep.agree
    True
    """
    rep = verify(p, X, y, alpha=alpha, constants=constants, dps=dps, progress=False)
    if rep.success and rep.agree:
        return rep
    problem = f"X of shape {getattr(X, 'shape', None) or (len(X), len(X[0]))}"
    what = "disagrees with" if rep.success else f"was not compared with (status {rep.status})"
    extra = f", constants={constants!r}" if constants else ""
    raise AssertionError(
        f"gradient flow of {_model(p)} {what} argmin Q at alpha = {mpmath.nstr(mpmath.mpf(alpha), 6)} on {problem}\n"
        + "\n".join("  " + line for line in rep.summary().splitlines())
        + f"\n  reproduce: ib.verify(p, X, y, alpha=mpmath.mpf('{mpmath.nstr(mpmath.mpf(alpha), 30)}'), "
        f"dps={rep.dps}{extra})")
