"""The single neuron's time-warped potential as numbers (mpmath at ``dps`` digits).

Built from the derived radial potential ``Psi(r)``, its slope ``||w||(r)``, the conjugate ``Psi*`` (in the level-set
parameter ``a``) and the initialization: ``Q_s(beta) = Psi(||beta||) - Psi(||beta0||) - s <g0, beta - beta0>`` with
``g0 = sign(a0) w0`` and ``s = +1`` (``sign(a)`` kept) or ``-1`` (flipped). The dual map is
``b(z) = |a(v)| v`` at ``v = z + s g0`` with the derived ``|a(v)|^2`` (the conserved quantity solved for ``a^2``:
``(delta + eta_a ||v||^2) / eta_w``), clamped at 0 -- ``Psi*`` is flat on the ball where the level set has no point,
``||v||^2 < -delta / eta_a``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp

from .._precision import DEFAULT_DPS, GUARD_DIGITS
from .._validation import check_dps
from ..errors import InputError
from .shared_numeric import vector_values
from .warped import _A, DELTA, DUAL_NORM2, RADIUS

if TYPE_CHECKING:  # pragma: no cover
    from ..reference.base import ReferenceSolution
    from .warped import WarpedRegularizer

__all__ = ["NeuronDualMap", "NumericWarpedRegularizer", "evalf_at"]


def evalf_at(expr: sp.Expr, values: dict[sp.Symbol, mpmath.mpf], dps: int) -> mpmath.mpf:
    """``expr`` at ``values`` to ``dps`` correct digits (SymPy's ``evalf`` raises its precision where it cancels)."""
    exact = {s: sp.Float(mpmath.nstr(v, dps + 5, strip_zeros=False), dps + 5) for s, v in values.items()}
    value = sp.sympify(expr).evalf(dps, subs=exact)
    if not value.is_real:
        raise InputError(f"{expr} is not a real number at {values} ({value})")
    return mpmath.mpf(value)


class NeuronDualMap:
    """``b = grad Q_s*``, its Jacobian and ``Q_s*`` for one setting of the constants (a VectorMap)."""

    def __init__(self, owner: NumericWarpedRegularizer, point: dict[str, Any], sign: int) -> None:
        self.owner, self.point, self.sign, self.d = owner, point, sign, owner.d

    def _a(self, v: list[mpmath.mpf]) -> mpmath.mpf:
        a2 = self.owner._dual_a2(mpmath.fsum(x**2 for x in v), *self.owner._args(self.point))
        return mpmath.sqrt(a2) if a2 > 0 else mpmath.mpf(0)

    def _v(self, z: Sequence[mpmath.mpf]) -> list[mpmath.mpf]:
        return [zi + self.sign * gi for zi, gi in zip(z, self.point["g0"], strict=True)]

    def b(self, z: list[mpmath.mpf]) -> list[mpmath.mpf]:
        v = self._v(z)
        a = abs(self.point["a0"]) if self.sign == 1 and all(zi == 0 for zi in z) else self._a(v)
        return [a * x for x in v]

    def db(self, z: list[mpmath.mpf]) -> mpmath.matrix:
        v = self._v(z)
        a = self._a(v)
        out = a * mpmath.eye(self.d)
        if a > 0:  # d|a|/dv = (d a^2 / d||v||^2) v / |a|
            vv = mpmath.matrix(v)
            slope = self.owner._dual_da2(mpmath.fsum(x**2 for x in v), *self.owner._args(self.point))
            out += (slope / a) * (vv * vv.T)
        return out

    def B(self, z: list[mpmath.mpf]) -> mpmath.mpf:
        return self.owner._conj(self._a(self._v(z)), self.point)


class NumericWarpedRegularizer:
    """Numeric form of a :class:`~implicit_bias.derive.warped.WarpedRegularizer` at ``dps`` digits.

    Vectors are lists; constants (``alpha``, ``delta``, ...) are keywords; ``sign=+1`` (default) is the potential
    for ``sign(a)`` kept, ``sign=-1`` the one for ``a`` ending with the opposite sign.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> f = ib.derive(ib.single_neuron(2, delta=-1)).to_numeric(dps=30)
    >>> print(mpmath.nstr(f.Q([0.5, 0.2], alpha=0.3), 12))
    0.0533378457816
    """

    def __init__(self, reg: WarpedRegularizer, *, dps: int = DEFAULT_DPS) -> None:
        self.reg, self.dps, self.d = reg, check_dps(dps), reg.parametrization.d
        self.constants = reg.constants
        others = [c for c in self.constants if c != DELTA]
        self._others = others
        self._psi = sp.lambdify([RADIUS, DELTA, *others], reg.potential, modules="mpmath")
        self._f = sp.lambdify([RADIUS, DELTA, *others], reg.dual_norm, modules="mpmath")
        self._df = sp.lambdify([RADIUS, DELTA, *others], sp.diff(reg.dual_norm, RADIUS), modules="mpmath")
        self._conj_f = sp.lambdify([_A, DELTA, *others], reg.conjugate, modules="mpmath")
        self._dual_a2 = sp.lambdify([DUAL_NORM2, DELTA, *others], reg.dual_a2, modules="mpmath")
        self._dual_da2 = sp.lambdify([DUAL_NORM2, DELTA, *others], sp.diff(reg.dual_a2, DUAL_NORM2), modules="mpmath")
        p = reg.parametrization
        self._J = sp.lambdify([*p.params, *self.constants], p.jacobian, modules="mpmath")
        self._lr = [sp.lambdify(list(self.constants), e, modules="mpmath") for e in p.lr]

    # ------------------------------------------------------------------ constants -> the numbers of the model
    def _values(self, given: dict[str, Any]) -> dict[sp.Symbol, mpmath.mpf]:
        names = [s.name for s in self.constants]
        if sorted(given) != sorted(names):
            raise InputError(f"constants {given!r}: pass exactly {names} as keywords")
        out = {}
        for s in self.constants:
            v = given[s.name] if isinstance(given[s.name], mpmath.mpf) else mpmath.mpf(given[s.name])
            if not mpmath.isfinite(v) or (s.is_positive and v <= 0):
                raise InputError(f"{s.name}={given[s.name]!r}: must be finite" + (" and > 0" if s.is_positive else ""))
            out[s] = v
        return out

    def point(self, **constants: Any) -> dict[str, Any]:
        """``delta``, the learning rates, ``a0``, ``w0``, ``g0 = sign(a0) w0``, ``beta0`` at these constants."""
        values = self._values(constants)
        reg, p = self.reg, self.reg.parametrization
        work = self.dps + 2 * GUARD_DIGITS
        init = dict(zip(p.params, (evalf_at(e, values, work) for e in p.init), strict=True))
        a0 = init[reg.outer]
        w0 = [init[w] for w in reg.inner]
        return {"values": values, "delta": evalf_at(reg.delta0, values, work),
                "eta_a": evalf_at(reg.eta_outer, values, work), "eta_w": evalf_at(reg.eta_inner, values, work),
                "a0": a0, "w0": w0, "g0": [reg.sign0 * w for w in w0], "beta0": [a0 * w for w in w0],
                "init": [init[w] for w in p.params]}

    def _args(self, pt: dict[str, Any]) -> list[mpmath.mpf]:
        return [pt["delta"], *(pt["values"][c] for c in self._others)]

    def _conj(self, a: mpmath.mpf, pt: dict[str, Any]) -> mpmath.mpf:
        return self._conj_f(a, *self._args(pt))

    # ------------------------------------------------------------------ evaluations
    def Q(self, beta: Sequence[Any], *, sign: int = 1, **constants: Any) -> mpmath.mpf:
        """``Q_s(beta) = Psi(||beta||) - Psi(||beta0||) - s <g0, beta - beta0>``."""
        pt = self.point(**constants)
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            b = vector_values(beta, self.d, "beta")
            r, r0 = mpmath.norm(b), mpmath.norm(pt["beta0"])
            linear = mpmath.fsum(g * (x - x0) for g, x, x0 in zip(pt["g0"], b, pt["beta0"], strict=True))
            return +(self._psi(r, *self._args(pt)) - self._psi(r0, *self._args(pt)) - _sign(sign) * linear)

    def grad_Q(self, beta: Sequence[Any], *, sign: int = 1, **constants: Any) -> list[mpmath.mpf]:
        """``||w||(r) beta / r - s g0``."""
        pt = self.point(**constants)
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            b = vector_values(beta, self.d, "beta")
            r = mpmath.norm(b)
            if r == 0:
                raise InputError(f"beta={beta!r}: grad Q is not defined at beta = 0 (the radial potential's apex)")
            f = self._f(r, *self._args(pt))
            return [+(f * x / r - _sign(sign) * g) for x, g in zip(b, pt["g0"], strict=True)]

    def hess_Q(self, beta: Sequence[Any], **constants: Any) -> mpmath.matrix:
        """``f'(r) bb^T + f(r)/r (I - bb^T)``, ``b = beta / r``."""
        pt = self.point(**constants)
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            bv = mpmath.matrix(vector_values(beta, self.d, "beta"))
            r = mpmath.norm(bv)
            u = bv / r
            P = u * u.T
            return self._df(r, *self._args(pt)) * P + (self._f(r, *self._args(pt)) / r) * (mpmath.eye(self.d) - P)

    def beta0(self, **constants: Any) -> list[mpmath.mpf]:
        """``a0 w0``."""
        return list(self.point(**constants)["beta0"])

    def kernel(self, **constants: Any) -> mpmath.matrix:
        """``J eta J^T`` at the initialization: ``M(beta0, delta)``."""
        pt = self.point(**constants)
        J = mpmath.matrix(self._J(*pt["init"], *[pt["values"][c] for c in self.constants]))
        eta = mpmath.diag([f(*[pt["values"][c] for c in self.constants]) for f in self._lr])
        return J * eta * J.T

    def dual_map(self, *, sign: int = 1, **constants: Any) -> NeuronDualMap:
        """The vector dual map ``b = grad Q_s*`` at these constants (for the reference solver)."""
        return NeuronDualMap(self, self.point(**constants), _sign(sign))

    def b(self, z: Sequence[Any], *, sign: int = 1, **constants: Any) -> list[mpmath.mpf]:
        """``grad Q_s*(z)``: the ``beta`` whose ``grad Q_s`` is ``z``."""
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            return [+v for v in self.dual_map(sign=sign, **constants).b(vector_values(z, self.d, "z"))]

    def argmin(self, X: Any, y: Any, *, sign: int = 1, **constants: Any) -> ReferenceSolution:
        """``argmin Q_s s.t. X beta = y`` (:func:`~implicit_bias.reference.vector_dual.argmin_Q_vector`)."""
        from ..reference.vector_dual import argmin_Q_vector

        return argmin_Q_vector(self.dual_map(sign=sign, **constants), X, y, dps=self.dps)

    def final_sign(self, w: Sequence[Any]) -> int:
        """``s = sign(a_end) sign(a0)`` from a parameter vector (the flow's end): which potential applies."""
        a = mpmath.mpf(w[list(self.reg.parametrization.params).index(self.reg.outer)])
        return 1 if a * self.reg.sign0 > 0 else -1

    def assumptions(self, w: Sequence[Any], **constants: Any) -> list[str]:
        """What the comparison with a flow ending at ``w`` assumed, in words."""
        s = self.final_sign(w)
        kept = "kept" if s == 1 else "flipped"
        delta = self.point(**constants)["delta"]
        where = ("so sign(a) is kept (|a| >= sqrt(delta/eta_w))" if delta > 0 else
                 "so a = 0 only at the fixed point w = 0: sign(a) is kept" if delta == 0 else
                 "so a may cross zero (through beta = 0), which flips the initial-direction term")
        return [f"delta = {mpmath.nstr(delta, 8)}: {where}",
                f"the flow ended with sign(a) {kept}: compared with argmin of "
                + ("Psi(beta) - Psi(beta0) - <g0, beta - beta0>" if s == 1 else "Psi(beta) + <g0, beta>")]


def _sign(sign: int) -> int:
    if sign not in (1, -1):
        raise InputError(f"sign={sign!r}: use +1 (sign(a) kept) or -1 (flipped)")
    return sign
