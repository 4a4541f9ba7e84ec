"""Test problems: the sparse regression of Woodworth et al. (2020, Sec. 4 and Fig. 1).

``x ~ N(0, I_d)``, ``y = <beta*, x> + noise`` with ``beta*`` ``r``-sparse and its non-zero entries
``1/sqrt(r)`` (so ``||beta*||_2 = 1``). With noiseless labels the population error of a predictor is
``||beta - beta*||_2^2`` (for ``x ~ N(0, I)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from .errors import InputError

__all__ = ["SparseRegression", "sparse_regression"]


@dataclass(frozen=True)
class SparseRegression:
    """A generated problem: design ``X`` (n x d), labels ``y``, the planted ``beta_star``."""

    X: np.ndarray
    y: np.ndarray
    beta_star: np.ndarray
    seed: int
    noise_std: float
    noise: np.ndarray

    def y_exact(self, dps: int = 100) -> list[mpmath.mpf]:
        """``X beta* + noise`` computed at ``dps`` digits from the exact float entries of ``X`` and the noise:
        unlike the float64 ``y``, it lies in the span of the planted support to ``dps`` digits, so the
        min-l1 solution is exactly ``beta*``'s support (a degenerate vertex) instead of a rounding artefact."""
        with mpmath.workdps(dps):
            r = len(np.flatnonzero(self.beta_star))
            value = 1 / mpmath.sqrt(r)
            support = np.flatnonzero(self.beta_star)
            return [+(mpmath.fsum(mpmath.mpf(self.X[i, j]) * value for j in support) + mpmath.mpf(self.noise[i]))
                    for i in range(self.X.shape[0])]

    def population_error(self, beta: np.ndarray) -> float:
        """``E <beta - beta*, x>^2 = ||beta - beta*||_2^2`` for ``x ~ N(0, I)`` (noiseless labels)."""
        diff = np.asarray(beta, dtype=float) - self.beta_star
        return float(diff @ diff)


def sparse_regression(d: int, n: int, sparsity: int, *, seed: int = 0, noise_std: float = 0.0) -> SparseRegression:
    """Generate the paper's sparse regression problem.

    Parameters
    ----------
    d, n : int
        Dimension and number of samples (underdetermined: ``n < d``).
    sparsity : int
        ``r``, the number of non-zero entries of ``beta*`` (each ``1/sqrt(r)``), placed at random.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    noise_std : float
        Standard deviation of the label noise (the paper's figure uses variance 0.01, i.e. 0.1).

    Examples
    --------
    >>> prob = sparse_regression(20, 8, 2, seed=0)
    >>> prob.X.shape, int((prob.beta_star != 0).sum())
    ((8, 20), 2)
    """
    for name, value, low in (("d", d, 2), ("n", n, 1), ("sparsity", sparsity, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise InputError(f"{name}={value!r}: must be an integer >= {low}")
    if n >= d:
        raise InputError(f"n={n}, d={d}: the problem must be underdetermined (n < d); lower n or raise d")
    if sparsity > d:
        raise InputError(f"sparsity={sparsity}: at most d={d} entries can be non-zero")
    if not np.isfinite(noise_std) or noise_std < 0:
        raise InputError(f"noise_std={noise_std!r}: must be a finite number >= 0")
    rng = np.random.default_rng(seed)
    beta_star = np.zeros(d)
    beta_star[rng.choice(d, size=sparsity, replace=False)] = 1 / np.sqrt(sparsity)
    X = rng.standard_normal((n, d))
    noise = noise_std * rng.standard_normal(n)
    return SparseRegression(X, X @ beta_star + noise, beta_star, seed, noise_std, noise)
