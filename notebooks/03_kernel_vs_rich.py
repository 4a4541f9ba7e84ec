# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Kernel vs rich in pictures: the sparse-recovery transition
#
# Woodworth et al. (2020, Figure 1): sparse regression with a depth-2 diagonal network. A planted `beta*` with
# `r*` non-zero entries `1/sqrt(r*)`, Gaussian features, label noise of variance 0.01. Gradient flow from a small
# `alpha` finds the sparse `beta*` from few samples (the rich regime: min l1); from a large `alpha` it does not
# (the kernel regime: min l2). The paper uses `d = 1000` and `N = 100`; here `d = 50`, `r* = 2` and three sample
# sizes, so that the whole picture computes in well under a minute.
#
# The flow's limit is `argmin Q` of the derived hypentropy (checked against the flow itself in the quickstart), so
# each point solves that convex problem with the reference solver. The points go through a *resumable sweep*:
# every finished point is written to an SQLite store at once, and a rerun computes only what is missing.

# %%
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

# tqdm's notebook progress bars need ipywidgets; without it tqdm warns and falls back to text bars
warnings.filterwarnings("ignore", message="IProgress not found")

import implicit_bias as ib
from implicit_bias.sweeps import load_results, run_sweep
from implicit_bias.sweeps.demo import hypentropy_point

plt.rcParams["figure.dpi"] = 80

# %% [markdown]
# ## The sweep
#
# `hypentropy_point(config)` is a module-level function of one dict (so worker processes, or a Dask cluster, can
# import it): it generates the problem, solves `argmin Q` and returns the population error
# `||beta_alpha - beta*||^2` and the norms. In your own work keep the store next to your results; here it is a
# temporary file.

# %%
d, r, ns = 50, 2, [10, 20, 30]
log10_alphas = [-4.0, -2.0, -1.5, -1.0, -0.5, 0.0, 1.0]
configs = [{"d": d, "n": n, "sparsity": r, "seed": 0, "log10_alpha": la} for n in ns for la in log10_alphas]
store = Path(tempfile.mkdtemp()) / "fig1.sqlite"

first = run_sweep(hypentropy_point, configs, store=store, name="fig1", progress=False)
print(f"{first.status}: {first.computed} points computed, {first.reused} reused, {first.seconds:.1f} s")

# %% [markdown]
# Running the same sweep again finds every point in the store; adding scales computes only the new points (after
# Ctrl-C, a crash or `kill -9`, the rerun does the same):

# %%
again = run_sweep(hypentropy_point, configs, store=store, name="fig1", progress=False)
print(f"rerun: {again.computed} computed, {again.reused} reused")
more = configs + [{"d": d, "n": n, "sparsity": r, "seed": 0, "log10_alpha": la} for n in ns for la in (-6.0,)]
extended = run_sweep(hypentropy_point, more, store=store, name="fig1", progress=False)
print(f"extended: {extended.computed} computed, {extended.reused} reused")
extended.raise_for_failures()

# %% [markdown]
# The references: the min-l1 and min-l2 interpolants of the same problems (the `alpha -> 0` and `alpha -> oo`
# ends), from the reference solvers.

# %%
references = {}
for n in ns:
    problem = ib.sparse_regression(d, n, r, seed=0, noise_std=0.1)
    references[n] = {}
    for name, solve in (("l1", ib.reference.min_l1), ("l2", ib.reference.min_l2)):
        beta = np.array([float(b) for b in solve(problem.X, problem.y, dps=30).beta])
        references[n][name] = problem.population_error(beta)
    print(f"N = {n}: min-l1 error {references[n]['l1']:.3f}, min-l2 error {references[n]['l2']:.3f}")

# %% [markdown]
# ## The pictures
#
# The plots read the store (`load_results`), not the sweep's return value: a figure can be redrawn any time from
# the stored points without computing anything.

# %%
points = {}
for config, result in load_results(store, "fig1"):
    points[(config["n"], config["log10_alpha"])] = result
alphas = sorted({la for _n, la in points})

fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
for k, n in enumerate(ns):
    errors = [points[(n, la)]["population_error"] for la in alphas]
    axes[0].semilogx([10**la for la in alphas], errors, "o-", color=f"C{k}", label=f"N = {n}")
    axes[0].axhline(references[n]["l1"], color=f"C{k}", ls="--", lw=0.8)
    axes[0].axhline(references[n]["l2"], color=f"C{k}", ls=":", lw=0.8)
axes[0].set_xlabel("alpha")
axes[0].set_ylabel("population error")
axes[0].set_title("(a) error of the gradient-flow solution\n(dashed: min l1, dotted: min l2)")
axes[0].legend()
for k, n in enumerate(ns):
    errors = np.array([points[(n, la)]["population_error"] for la in alphas])
    share = (errors - references[n]["l1"]) / (references[n]["l2"] - references[n]["l1"])
    axes[1].semilogx([10**la for la in alphas], share, "o-", color=f"C{k}", label=f"N = {n}")
axes[1].axhline(0.5, color="k", lw=0.6)
axes[1].set_xlabel("alpha")
axes[1].set_ylabel("(error - l1 error) / (l2 error - l1 error)")
axes[1].set_title("(b) where the transition happens: 0 = rich end, 1 = kernel end")
axes[1].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## What the pictures say
#
# * Small `alpha` reaches the min-l1 error, large `alpha` the min-l2 error; in between the error moves
#   continuously from one to the other: the kernel and rich regimes are the two ends of one family of implicit
#   regularizers.
# * The transition takes a few decades of `alpha`, and it moves with `N`: the more samples, the larger the
#   `alpha` that still behaves like the rich end (Figure 1(c) of the paper shows the same through the largest
#   `alpha` that recovers `beta*`). With `N = 10` not even the l1 end recovers `beta*` (its error stays high).

# %%
for n in ns:
    errors = np.array([points[(n, la)]["population_error"] for la in alphas])
    share = (errors - references[n]["l1"]) / (references[n]["l2"] - references[n]["l1"])
    half = np.interp(0.5, share, alphas)  # the error rises monotonically in alpha on this grid
    print(f"N = {n}: halfway between the l1 and l2 errors at alpha ~ 10^{half:.2f}")

# %% [markdown]
# The full figure at the paper's sizes is a paper check (`python -m paper_checks woodworth2020.fig1_sparse
# --full`); `run_sweep(..., client="tcp://scheduler:8786")` runs the same sweep on a Dask cluster.
