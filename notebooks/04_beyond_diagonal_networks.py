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
# # Beyond diagonal networks
#
# A diagonal network gives every coordinate of `beta` parameters of its own, and its gradient flow is a mirror
# flow of a fixed potential. Models whose outputs *share* parameters need not be. This notebook takes the
# simplest one, a single neuron `f(x) = a <w, x>` (`beta = a w`, Azulay et al. 2021, Sec. 6; Kunin et al. 2024),
# and lets the engine find what governs it: a conserved quantity `delta`, a time-warped mirror flow and the
# regimes `delta` selects. The theory is on the *Single neuron* page of the documentation
# (`docs/single_neuron.md`).

# %%
import matplotlib.pyplot as plt
import mpmath
import numpy as np
import sympy as sp
from IPython.display import Math, display

import implicit_bias as ib

plt.rcParams["figure.dpi"] = 80

# %% [markdown]
# ## The single neuron
#
# `ib.single_neuron(d)` is one neuron with `w` in `R^d`, initialized with `|a0| ||w0|| = alpha` on the level set
# of a conserved quantity `delta` (a symbol here, a number if you give one). Its gradient fields do not commute,
# so no fixed mirror potential exists; `ib.derive` says why and what it does instead.

# %%
neuron = ib.single_neuron(2)
reg = ib.derive(neuron)
print(type(reg).__name__, "|", reg.kind)
print(reg.bracket_statement)
print("conserved:", reg.conserved, "=", reg.delta0)

# %% [markdown]
# On the level set the function-space flow is `beta' = -M(beta, delta) grad L` with a preconditioner `M` that
# depends only on `r = ||beta||` and `delta`, and the inner weights move as a dual variable at the time-varying
# rate `eta_w a(t)`: a *time-warped* mirror flow with potential `Psi_delta(r)`. Its limit is the argmin of the
# Bregman divergence `Q` of `Psi_delta` from `beta0` (while `a` keeps its sign).

# %%
display(Math(reg.latex()))

# %% [markdown]
# ## The regimes delta selects
#
# Each regime is derived as a limit of `M` and `Psi_delta` and confirmed numerically: `delta -> +oo` (upstream
# initialization, lazy: an l2 regularizer around `beta0`), `delta = 0` (balanced, rich: `||beta||^{3/2}`) and
# `delta -> -oo` (downstream, lazy along the initial direction).

# %%
for regime in reg.regimes():
    print(regime, "\n")

# %% [markdown]
# The shape of `Psi_delta(r)` (from `Psi_delta(0)`, scaled to 1 at `r = 1`) moves between these exponents:

# %%
delta, r = sorted(reg.potential.free_symbols, key=lambda s: s.name)
psi = sp.lambdify((delta, r), reg.potential, modules="mpmath")
radii = np.linspace(0.01, 2, 120)
fig, ax = plt.subplots(figsize=(6, 4))
for value in [30, 1, 0, -1, -30]:
    shape = [(psi(value, x) - psi(value, 0)) / (psi(value, 1) - psi(value, 0)) for x in radii]
    ax.plot(radii, [float(v) for v in shape], label=f"delta = {value}")
for power, style in ((2, ":"), (1.5, "--"), (1, "-.")):
    ax.plot(radii, radii**power, "k" + style, lw=0.8, label=f"r^{power:g}")
ax.set_xlabel("r = ||beta||")
ax.set_ylabel("(Psi_delta(r) - Psi_delta(0)) / (Psi_delta(1) - Psi_delta(0))")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Checked, and verified by the flow
#
# The checker tests the conserved quantity, the time warp, the reduction to `M` and the potential's dual map
# against the model itself; `ib.verify` runs gradient flow on `(a, w1, w2)` and compares its limit with the
# argmin of `Q` (here at `delta = -1`, where `a` could change sign; the report says which case the flow took).

# %%
print(reg.check())
model = ib.single_neuron(2, delta=-1)
report = ib.verify(model, [[1.0, 0.5]], [0.7], alpha=mpmath.mpf("0.01"))
print(report.summary())
assert report.agree

# %% [markdown]
# From the command line: `implicit-bias single-neuron --delta -1 --dim 2 --format json`.
#
# ## The richness scale
#
# *This section is completed when the richness scale (Karkada et al. 2024; the `richness` subcommand) is part of
# the toolkit.*
