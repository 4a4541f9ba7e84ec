"""Exact solutions of the single neuron's gradient flow for whitened input (Kunin et al. 2024, Sec. 3).

For ``L = ||X a w - y||^2 / (2n)`` with ``X^T X / n = I`` the loss gradient in ``beta`` is ``beta - beta*``
(``beta* = X^T y / n``, ``s = ||beta*||``). The engine derives, from the model's own flow:

1. **The reduced equations.** With ``nu = <w, beta*> / a`` and the conserved ``delta = eta_w a^2 - eta_a ||w||^2``
   (rotating ``beta*`` onto the first axis; closure is checked: no ``w`` is left)::

       nu' = eta_w s^2 - delta nu - eta_a nu^2              (Riccati)
       a'  = a (delta + eta_a nu - eta_w a^2)               (Bernoulli)

2. **Riccati, linearized.** ``nu = phi' / (eta_a phi)`` turns it into ``phi'' + delta phi' - eta_a eta_w s^2 phi = 0``,
   solved from the roots of its characteristic polynomial with ``phi(0) = 1``, ``phi'(0) = eta_a nu0``:
   ``phi = C1 e^(l1 t) + C2 e^(l2 t)``. ``phi`` vanishes exactly when ``a`` crosses zero (``nu`` has a pole there).
3. **Bernoulli, linearized.** ``u = 1/a^2`` solves ``u' = -2 (delta + phi'/phi) u + 2 eta_w``; with the integrating
   factor ``I = e^(2 delta t) phi^2``: ``a(t) = a0 e^(delta t) phi(t) / D(t)``,
   ``D^2 = 1 + 2 eta_w a0^2 int_0^t I`` (a sum of exponentials, integrated symbolically; ``delta = 0`` separately,
   where one exponent vanishes). This form is real and smooth through a sign change of ``a``.
4. **The weights.** ``w = (a nu / s) beta*/s + w_perp0 / D``: the component along ``beta*`` from ``nu``, and the
   orthogonal part, which only decays (``w_perp' = -eta_w a^2 w_perp``, and ``eta_w int a^2 = delta t + log phi -
   log(a / a0)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import expm1

from ..errors import DerivationError
from .warped import neuron_structure

__all__ = ["NeuronExactSolution", "exact_solution"]

T = sp.Symbol("t", nonnegative=True)
NU, A, S = sp.Symbol("nu", real=True), sp.Symbol("a", real=True), sp.Symbol("s", positive=True)
DELTA = sp.Symbol("delta", real=True)
A0, NU0 = sp.Symbol("a0", real=True), sp.Symbol("nu0", real=True)
ETA_A, ETA_W = sp.Symbol("eta_a", positive=True), sp.Symbol("eta_w", positive=True)


@dataclass(frozen=True)
class NeuronExactSolution:
    """``nu(t)``, ``a(t)`` and ``D(t)`` in the symbols ``t, a0, nu0, s, delta, eta_a, eta_w``.

    Attributes
    ----------
    riccati, bernoulli : sympy.Expr
        The right-hand sides of ``nu'`` (in ``nu``) and ``a'`` (in ``a``, ``nu``), derived from the model.
    phi : sympy.Expr
        The linearizing function: ``nu = phi' / (eta_a phi)``, ``phi(0) = 1``.
    nu, a, D2 : sympy.Expr
        For ``delta != 0``.
    balanced_a, balanced_D2, balanced_nu : sympy.Expr
        The same at ``delta = 0`` (derived there: one exponent of ``I`` vanishes).
    """

    riccati: sp.Expr
    bernoulli: sp.Expr
    phi: sp.Expr
    nu: sp.Expr
    a: sp.Expr
    D2: sp.Expr
    balanced_nu: sp.Expr
    balanced_a: sp.Expr
    balanced_D2: sp.Expr

    def evaluate(self, times: list[Any], a0: Any, w0: list[Any], beta_star: list[Any], *, eta: tuple[Any, Any] = (1, 1)
                 ) -> list[tuple[mpmath.mpf, list[mpmath.mpf]]]:
        """``(a(t), w(t))`` at each time (mpmath at the current precision), from ``a0, w0`` and ``beta*``.

        ``delta = eta_w a0^2 - eta_a ||w0||^2`` is computed here; ``delta == 0`` uses the balanced formulas.
        """
        ea, ew = (mpmath.mpf(e) for e in eta)
        a0, w0, bs = mpmath.mpf(a0), [mpmath.mpf(v) for v in w0], [mpmath.mpf(v) for v in beta_star]
        s = mpmath.norm(bs)
        u = [v / s for v in bs]
        par0 = mpmath.fsum(x * y for x, y in zip(w0, u, strict=True))
        perp0 = [x - par0 * y for x, y in zip(w0, u, strict=True)]
        delta = ew * a0**2 - ea * mpmath.fsum(x**2 for x in w0)
        nu0 = par0 * s / a0
        balanced = delta == 0
        fa, fd, fn = _callables(self, balanced)
        out = []
        for t in times:
            args = (mpmath.mpf(t), a0, nu0, s, delta, ea, ew)
            a, D, nu = fa(*args), mpmath.sqrt(fd(*args)), fn(*args)
            along = a * nu / s
            out.append((a, [along * y + x / D for x, y in zip(perp0, u, strict=True)]))
        return out


_ARGS = (T, A0, NU0, S, DELTA, ETA_A, ETA_W)


@lru_cache(maxsize=4)
def _lambdified(key: tuple[str, ...], exprs: tuple[sp.Expr, ...]) -> tuple[Any, ...]:
    return tuple(sp.lambdify(_ARGS, e, modules="mpmath") for e in exprs)


def _callables(sol: NeuronExactSolution, balanced: bool) -> tuple[Any, ...]:
    exprs = (sol.balanced_a, sol.balanced_D2, sol.balanced_nu) if balanced else (sol.a, sol.D2, sol.nu)
    return _lambdified(tuple(map(str, exprs)), exprs)


def _reduced_equations(p: Any) -> tuple[sp.Expr, sp.Expr]:
    """``nu'`` and ``a'`` from the model's flow with ``grad_beta L = beta - s e_1``, closed in ``(nu, a, delta)``."""
    a, inner = neuron_structure(p)
    lr = dict(zip(p.params, p.lr, strict=True))
    eta = {a: ETA_A, **{w: ETA_W for w in inner}}
    if len({lr[w] for w in inner}) != 1:
        raise DerivationError("the exact solution needs one learning rate for the inner weights")
    target = [S if i == 0 else 0 for i in range(p.d)]
    grad_beta = [g - b for g, b in zip(p.exprs, target, strict=True)]
    velocity = {th: -eta[th] * sum(sp.diff(g, th) * r for g, r in zip(p.exprs, grad_beta, strict=True))
                for th in p.params}
    nu = inner[0] * S / a
    dnu = sum(sp.diff(nu, th) * velocity[th] for th in p.params)
    da = velocity[a]
    # on the level set: w1 = a nu / s and sum_j w_j^2 = (eta_w a^2 - delta) / eta_a
    norm2 = (ETA_W * a**2 - DELTA) / ETA_A
    rest = sum(w**2 for w in inner[1:])

    def close(e: sp.Expr) -> sp.Expr:
        e = sp.expand(e)
        if inner[1:]:
            e = sp.expand(e.subs(inner[-1] ** 2, norm2 - inner[0] ** 2 - (rest - inner[-1] ** 2)))
        else:
            e = sp.expand(e.subs(inner[0] ** 2, norm2))
        e = sp.expand(e.subs(inner[0], a * NU / S)).subs(a, A)
        if e.free_symbols & set(inner):
            raise DerivationError(f"the reduced equation does not close in (nu, a, delta): {e}")
        return sp.expand(e)

    return close(dnu), close(da)


def exact_solution(p: Any) -> NeuronExactSolution:
    """Derive the exact solution of the single neuron ``p`` (``beta = a w``) for whitened input.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> sol = exact_solution(ib.single_neuron(2, delta=0))
    >>> sol.riccati, sol.bernoulli
    (-delta*nu - eta_a*nu**2 + eta_w*s**2, -a**3*eta_w + a*delta + a*eta_a*nu)
    """
    return _exact(*_reduced_equations(p))


@lru_cache(maxsize=1)
def _exact(riccati: sp.Expr, bernoulli: sp.Expr) -> NeuronExactSolution:
    poly = sp.Poly(riccati, NU)
    if poly.degree() != 2:
        raise DerivationError(f"nu' = {riccati} is not a Riccati equation")
    c0, c1, c2 = (poly.coeff_monomial(NU**k) for k in range(3))
    lam = sp.Symbol("lambda")
    # nu = -phi' / (c2 phi): phi'' - c1 phi' + c0 c2 phi = 0
    roots = list(sp.roots(sp.Poly(lam**2 - c1 * lam + c0 * c2, lam)).keys())
    if len(roots) != 2:
        raise DerivationError(f"the characteristic polynomial of {riccati} has a double root")
    l1, l2 = roots
    dphi0 = -c2 * NU0
    C1 = (dphi0 - l2) / (l1 - l2)
    phi = C1 * sp.exp(l1 * T) + (1 - C1) * sp.exp(l2 * T)
    nu = -sp.diff(phi, T) / (c2 * phi)
    growth = sp.expand(sp.cancel(bernoulli / A - (-ETA_W * A**2)))  # a'/a = growth(nu) - eta_w a^2
    if growth.has(A) or sp.expand(growth.subs(NU, nu) - (DELTA + sp.diff(phi, T) / phi)) != 0:
        raise DerivationError(f"a' = {bernoulli} is not of the Bernoulli form a (delta + phi'/phi - eta_w a^2)")
    modes = ((C1, l1), (1 - C1, l2))
    general = _bernoulli(modes, phi)
    balanced_modes = tuple((sp.expand(c.subs(DELTA, 0)), sp.expand(k.subs(DELTA, 0))) for c, k in modes)
    balanced = _bernoulli(balanced_modes, phi.subs(DELTA, 0), delta=sp.Integer(0))
    return NeuronExactSolution(riccati, bernoulli, phi, nu, general[0], general[1], nu.subs(DELTA, 0),
                               balanced[0], balanced[1])


def _bernoulli(modes: tuple[tuple[sp.Expr, sp.Expr], ...], phi: sp.Expr, delta: sp.Expr = DELTA
               ) -> tuple[sp.Expr, sp.Expr]:
    """``a(t)`` and ``D(t)^2`` from the integrating factor ``I = e^(2 delta t) phi^2``, ``phi = sum_j c_j e^(l_j t)``:
    ``I = sum_jk c_j c_k e^((2 delta + l_j + l_k) t)``, integrated term by term (``t`` where an exponent vanishes)."""
    integral = sp.Integer(0)
    for j, (cj, lj) in enumerate(modes):
        for k, (ck, lk) in enumerate(modes):
            if k < j:
                continue
            rate = sp.expand(2 * delta + lj + lk)
            weight = (1 if j == k else 2) * cj * ck
            # expm1: exact near delta = 0, where the cross term's (e^(delta t) - 1) / delta cancels
            integral += weight * (T if rate == 0 else expm1(rate * T) / rate)
    D2 = 1 + 2 * ETA_W * A0**2 * integral
    a = A0 * sp.exp(delta * T) * phi / sp.sqrt(D2)
    return a, D2
