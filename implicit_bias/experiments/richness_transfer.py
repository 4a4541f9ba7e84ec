"""Hyperparameter transfer across width on the richness scale (Karkada 2024), on scikit-learn's 8x8 digits.

A depth-3 ReLU network (``sqrt(2) max(0, z)``) with the hyperparameters of
:func:`~implicit_bias.richness_table` at ``r`` times a global learning rate ``2^log2_lr``, trained by minibatch
SGD with heavy-ball momentum on one-hot targets with the square loss, as in the tutorial's companion code
(dkarkada/mupify, ``example.ipynb``: ReLU MLP, SGD with momentum 0.9, one epoch, test MSE), here on the digits
bundled with scikit-learn (no download). :func:`transfer_point` is one (width, r, learning rate, seed);
:func:`best_learning_rate` locates the minimum of a loss curve between grid points.

scikit-learn is an optional dependency (the ``[paper]`` and ``[test]`` extras); it is imported only when the
data are loaded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import numpy as np

from ..errors import InputError
from ..richness.network import Network, standard_normal_draws
from ..richness.table import richness_table

__all__ = ["best_learning_rate", "digits", "transfer_point"]

#: The loss above which a run counts as diverged.
DIVERGED = 1e4


@cache
def digits(n_train: int = 1000, split_seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train/test split of ``sklearn.datasets.load_digits``: pixels centred per feature and scaled to unit RMS
    entries (so inputs are of order one per entry), one-hot targets.

    Raises ImportError with the install command if scikit-learn is missing.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("the digits data need scikit-learn, an optional dependency: "
                          "pip install 'implicit-bias[paper]'") from None
    data = load_digits()
    X = data.data - data.data.mean(axis=0)
    X = X / np.sqrt(np.mean(X * X))
    Y = np.eye(10)[data.target]
    if not 1 <= n_train < len(X):
        raise InputError(f"n_train={n_train}: must leave test digits; give 1 <= n_train < {len(X)}")
    perm = np.random.default_rng(split_seed).permutation(len(X))
    tr, te = perm[:n_train], perm[n_train:]
    return X[tr], Y[tr], X[te], Y[te]


def transfer_point(cfg: dict) -> dict[str, float | None]:
    """Train one network on the digits and return its test loss (``None`` if the run diverged).

    Config keys: ``r``, ``width``, ``log2_lr``, ``seed``; optional ``depth`` (3), ``activation`` ("relu"),
    ``momentum`` (0.9), ``batch`` (32), ``epochs`` (1), ``n_train`` (1000), ``split_seed`` (0).
    Loss: ``(1/2) ||f(x) - y||^2`` averaged over examples.

    Examples
    --------
    >>> out = transfer_point({"r": 0.5, "width": 16, "log2_lr": -2.0, "seed": 0, "n_train": 64})
    >>> 0 < out["test_loss"] < 1
    True
    """
    Xtr, Ytr, Xte, Yte = digits(int(cfg.get("n_train", 1000)), int(cfg.get("split_seed", 0)))
    depth, n = int(cfg.get("depth", 3)), int(cfg["width"])
    sizes = (Xtr.shape[1], *([n] * (depth - 1)), Ytr.shape[1])
    hp = richness_table(cfg["r"], depth=depth).hyperparameters(n, sizes[0], sizes[-1])
    net = Network(standard_normal_draws(sizes, int(cfg["seed"])), g=hp["g"], sigma=hp["sigma"],
                  eta=2.0 ** float(cfg["log2_lr"]) * hp["eta"], activation=cfg.get("activation", "relu"),
                  momentum=float(cfg.get("momentum", 0.9)))
    rng = np.random.default_rng([int(cfg["seed"]), 31337])
    batch = int(cfg.get("batch", 32))
    with np.errstate(all="ignore"):  # a diverging run is a result (None), not a warning
        for _ in range(int(cfg.get("epochs", 1))):
            order = rng.permutation(len(Xtr))
            for i in range(0, len(order), batch):
                rows = order[i:i + batch]
                if not net.step(Xtr[rows], Ytr[rows]) < DIVERGED:
                    return {"test_loss": None, "train_loss": None}
        test, train = net.loss(Xte, Yte), net.loss(Xtr, Ytr)
    ok = math.isfinite(test) and test < DIVERGED
    return {"test_loss": test if ok else None, "train_loss": train if ok else None}


def best_learning_rate(grid: Sequence[float], losses: Sequence[float | None]) -> float | None:
    """The minimum of a loss curve on an evenly spaced ``log2_lr`` grid, refined by the parabola through the
    best point and its two neighbours in ``log(loss)`` (the grid point itself at an edge or next to a
    diverged run); ``None`` if every run diverged.

    Examples
    --------
    >>> best_learning_rate([0, 1, 2, 3], [4.0, 2.0, 2.0, 4.0])
    1.5
    """
    vals = np.array([np.inf if v is None else float(v) for v in losses])
    if not np.any(np.isfinite(vals)):
        return None
    i = int(np.argmin(vals))
    g = np.asarray(grid, float)
    if not 0 < i < len(vals) - 1 or not np.all(np.isfinite(vals[i - 1:i + 2])):
        return float(g[i])
    a, b, c = np.log(vals[i - 1:i + 2])
    curvature = a - 2 * b + c
    offset = 0.5 * (a - c) / curvature if curvature > 0 else 0.0
    return float(g[i] + offset * (g[i + 1] - g[i]))
