"""Commuting vector models as a linear mixing of separable blocks: ``G(w) = A phi(T w) + c``.

Li, Wang, Lee & Arora (2022) build the mirror potential of a commuting model by composing the flows of
its velocity fields ``V_i = eta * grad G_i``: ``psi(mu) = exp(mu_1 V_1) ... exp(mu_d V_d) w0`` (the order does
not matter since the flows commute), ``b(mu) = G(psi(mu))`` has the symmetric Jacobian
``J eta J^T``, so ``b = grad R`` and ``Q = R*``. To compose the flows *symbolically* the engine brings the model
to a form in which they are the separable engine's curves:

* **Blocks.** When ``G_i = sum_j A_ij phi_j(w_(j)) + c_i`` with the parameters split into disjoint blocks
  ``w_(j)`` and ``A`` an invertible constant matrix, ``V_i = sum_j A_ij eta grad phi_j`` moves block ``j`` along
  the curve of ``eta grad phi_j`` by ``A_ij mu_i``; composed, block ``j`` sits at curve time
  ``sigma_j = (A^T mu)_j``. So ``b(mu) = A b_phi(A^T mu) + c``, ``R(mu) = sum_j B_j((A^T mu)_j)`` and
  ``Q(beta) = sum_j Q_j((A^-1 (beta - c))_j)``, each ``Q_j`` the separable engine's regularizer of ``phi_j``.
  Blocks are found from the terms of the expanded ``G_i`` (parameters that share a term share a block), each
  block's contributions must be proportional over the outputs (a column of ``A``), and blocks with parallel
  columns are one block (``u_j^2`` and ``-v_j^2`` in ``A (u*u - v*v)``).
* **Quadratic models.** ``G_i = w^T S_i w + c_i`` in coordinates that mix the parameters (``2 u1 u2 - 2 v1 v2``)
  commute exactly when the matrices ``E S_i E`` (``E = diag(sqrt(eta))``, the change to unit learning rates)
  commute; a common orthonormal eigenbasis ``O`` (from one generic combination) makes them diagonal, and
  ``z = O^T E^-1 w`` turns the model into blocks of squares.

Anything else raises :class:`~implicit_bias.errors.MethodDoesNotApply` with the reason.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from ..errors import MethodDoesNotApply
from ..parametrizations.base import Parametrization, param_symbol
from ..parametrizations.shared import SharedParametrization

__all__ = ["Mixing", "find_mixing"]


@dataclass(frozen=True)
class Mixing:
    """``G(w) = A phi(z) + c`` with block coordinates ``z = T w``.

    Attributes
    ----------
    A : sympy.Matrix
        ``d x d``, invertible: column ``j`` is the direction block ``j`` moves ``beta`` in.
    offset : sympy.Matrix
        ``c`` (``d x 1``), the part of ``G`` that no parameter moves.
    blocks : tuple of Parametrization
        Block ``j``'s model ``phi_j`` over its coordinates, with their initialization and learning rates.
    transform : sympy.Matrix or None
        ``T`` (``D x D``) when the block coordinates are not the parameters themselves, else ``None``.
    method : str
        ``"blocks"`` or ``"quadratic"``.
    """

    A: sp.Matrix
    offset: sp.Matrix
    blocks: tuple[Parametrization, ...]
    transform: sp.Matrix | None
    method: str

    @property
    def A_inv(self) -> sp.Matrix:
        """``A^-1``."""
        return self.A.inv()

    def indices(self, params: tuple[sp.Symbol, ...]) -> list[list[int]]:
        """For each block, the positions of its coordinates in ``z`` (``T w``, or the parameters ``params``)."""
        if self.transform is None:
            return [[params.index(s) for s in b.params] for b in self.blocks]
        return [[int(s.name.rsplit("_", 1)[-1]) for s in b.params] for b in self.blocks]


def find_mixing(p: SharedParametrization) -> Mixing:
    """Write the commuting model ``p`` as ``A phi(T w) + c`` (see the module docstring), or say why not."""
    try:
        return _blocks(p.exprs, p.params, p.init, p.lr, None, "blocks")
    except MethodDoesNotApply as first:
        try:
            return _quadratic(p)
        except MethodDoesNotApply as second:
            raise MethodDoesNotApply(f"not a linear mixing of separable blocks ({first}); {second}") from None


def _union_find(params: tuple[sp.Symbol, ...], terms: list[set[sp.Symbol]]) -> list[list[sp.Symbol]]:
    parent = {w: w for w in params}

    def root(w: sp.Symbol) -> sp.Symbol:
        while parent[w] != w:
            w = parent[w]
        return w

    for used in terms:
        first, *rest = sorted(used, key=params.index)
        for w in rest:
            parent[root(w)] = root(first)
    groups: dict[sp.Symbol, list[sp.Symbol]] = {}
    for w in params:
        groups.setdefault(root(w), []).append(w)
    return list(groups.values())


def _blocks(exprs: tuple[sp.Expr, ...], params: tuple[sp.Symbol, ...], init: tuple[sp.Expr, ...],
            lr: tuple[sp.Expr, ...], transform: sp.Matrix | None, method: str) -> Mixing:
    d, pset = len(exprs), set(params)
    terms = [[(t, t.free_symbols & pset) for t in sp.Add.make_args(sp.expand(g))] for g in exprs]
    offset = sp.Matrix([sp.Add(*[t for t, used in row if not used]) for row in terms])
    groups = _union_find(params, [used for row in terms for _t, used in row if used])
    columns: list[sp.Matrix] = []
    pieces: list[sp.Expr] = []
    members: list[list[sp.Symbol]] = []
    for group in groups:
        gset = set(group)
        part = [sp.Add(*[t for t, used in row if used and used <= gset]) for row in terms]
        ref = next(i for i, e in enumerate(part) if e != 0)
        col = [sp.cancel(e / part[ref]) for e in part]
        if any(c.free_symbols & pset for c in col):
            raise MethodDoesNotApply(f"the parameters {sorted(map(str, group))} enter the outputs in "
                                     f"non-proportional ways ({', '.join(map(str, part))})")
        col_m, piece = sp.Matrix(col), part[ref]
        for j, other in enumerate(columns):  # parallel columns: one block
            ratio = _constant_ratio(col_m, other)
            if ratio is not None:
                pieces[j] = pieces[j] + ratio * piece
                members[j] += group
                break
        else:
            columns.append(col_m)
            pieces.append(piece)
            members.append(list(group))
    if len(columns) != d:
        raise MethodDoesNotApply(f"{len(columns)} independent blocks of parameters for {d} outputs; the "
                                 "construction here needs exactly one per output")
    A = sp.Matrix.hstack(*columns)
    if sp.expand(A.det()) == 0:
        raise MethodDoesNotApply(f"the blocks move beta along linearly dependent directions (A = {A.tolist()})")
    index = {w: k for k, w in enumerate(params)}
    blocks = []
    for piece, group in zip(pieces, members, strict=True):
        group = sorted(group, key=index.__getitem__)
        blocks.append(Parametrization(piece, tuple(group), tuple(init[index[w]] for w in group),
                                      tuple(lr[index[w]] for w in group), name=str(piece)))
    return Mixing(A, offset, tuple(blocks), transform, method)


def _constant_ratio(col: sp.Matrix, other: sp.Matrix) -> sp.Expr | None:
    """``r`` with ``col = r * other`` (both columns constant), or None."""
    k = next(i for i in range(other.rows) if other[i] != 0)
    r = sp.cancel(col[k] / other[k])
    if r == 0:
        return None
    return r if all(sp.expand(col[i] - r * other[i]) == 0 for i in range(col.rows)) else None


def _quadratic(p: SharedParametrization) -> Mixing:
    mats = []
    for g in p.exprs:
        poly = sp.Poly(sp.expand(g), *p.params) if sp.expand(g).is_polynomial(*p.params) else None
        if poly is None or any(sum(m) not in (0, 2) for m in poly.monoms()):
            raise MethodDoesNotApply("not a quadratic form in the parameters either")
        mats.append(sp.hessian(g, p.params) / 2)
    if any(e.free_symbols for S in mats for e in S) or any(e.free_symbols for e in p.lr):
        raise MethodDoesNotApply("a quadratic model with symbolic coefficients or learning rates (the common "
                                 "eigenbasis is computed for numbers only)")
    E = sp.diag(*[sp.sqrt(e) for e in p.lr])
    scaled = [E * S * E for S in mats]
    rng = random.Random(0)
    generic = sum((sp.Rational(rng.randint(1, 97), rng.randint(1, 13)) * S for S in scaled), sp.zeros(p.D))
    basis: list[sp.Matrix] = []
    for _value, _mult, vectors in generic.eigenvects():
        basis += sp.GramSchmidt(vectors, orthonormal=True)
    Ob = sp.Matrix.hstack(*basis).applyfunc(sp.radsimp)
    diag = [(Ob.T * S * Ob).applyfunc(lambda e: sp.nsimplify(sp.radsimp(e))) for S in scaled]
    if any(D_[i, j] != 0 for D_ in diag for i in range(p.D) for j in range(p.D) if i != j):
        raise MethodDoesNotApply("the quadratic forms have no common eigenbasis: their fields do not commute")
    T = (Ob.T * E.inv()).applyfunc(sp.radsimp)
    z = sp.Matrix([param_symbol(f"z_{k}") for k in range(p.D)])
    offset = [g.subs(dict.fromkeys(p.params, 0)) for g in p.exprs]
    exprs = tuple(sum(D_[k, k] * z[k] ** 2 for k in range(p.D)) + c for D_, c in zip(diag, offset, strict=True))
    init = tuple(sp.radsimp(sp.expand(e)) for e in T * sp.Matrix(p.init))
    return _blocks(exprs, tuple(z), init, tuple(sp.Integer(1) for _ in range(p.D)), T, "quadratic")
