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
# # Your own parametrization
#
# The engine derives `Q` for a model you type, not only for the catalogue's. This notebook takes a depth-3
# diagonal network started *unbalanced* (`u0 = c alpha`, `v0 = alpha`, a shape constant `c`) and trained with
# *different learning rates* (`u` twice as fast as `v`), and goes through what you get back: the implicit form
# when no closed form exists, its limits, the independent check, the flow itself, and what the engine answers
# for models it cannot derive.

# %%
import matplotlib.pyplot as plt
import mpmath
import numpy as np
from IPython.display import Math, display

import implicit_bias as ib
from implicit_bias.testing import assert_flow_matches_regularizer, assert_regularizer_verified

plt.rcParams["figure.dpi"] = 80

# %% [markdown]
# ## The model: shapes and learning rates
#
# Every string is parsed with a whitelist (never evaluated). `symbols` declares extra constants (positive unless
# said otherwise); `lr` gives each parameter its learning-rate multiplier `eta`.

# %%
model = ib.Parametrization.from_expr(
    "u**3 - v**3", params=["u", "v"], init={"u": "c*alpha", "v": "alpha"}, lr={"u": 2, "v": 1}, symbols=["c"])
print("phi =", model.phi, "| w0 =", model.init, "| eta =", model.lr, "| constants:", model.constants)
print("beta0 = phi(w0) =", model.beta0)

# %%
reg = ib.derive(model)
print("kind:", reg.kind)
print("b(sigma) = beta:", reg.equation)
print("Q lives on beta in", reg.beta_domain)

# %% [markdown]
# ## The implicit form
#
# `kind == "legendre"`: the dual curve `b(sigma) = phi(w(sigma))` has no elementary inverse, so `grad Q` is the
# root `sigma(beta)` of `b(sigma) = beta` and `Q(beta) = beta sigma(beta) - B(sigma(beta))` with `B = int b`
# (integration by parts, exact). The conjugate `Q*(sigma) = B(sigma)` is always a closed form.

# %%
display(Math(reg.latex()))
print("Q*(sigma) =", reg.conjugate)

# %% [markdown]
# The implicit form evaluates at any precision: `to_numeric` solves for the root with a safeguarded Newton
# iteration, at any `alpha`, here down to `e^-1000`:

# %%
f = reg.to_numeric(dps=30)
for alpha in [mpmath.mpf("0.5"), mpmath.mpf("1e-3"), mpmath.exp(-1000)]:
    print(f"alpha = {mpmath.nstr(alpha, 3):>10}:  Q(0.5) = {mpmath.nstr(f.Q(0.5, alpha=alpha, c=2), 12):>22},"
          f"  grad Q(0.5) = {mpmath.nstr(f.grad_Q(0.5, alpha=alpha, c=2), 12)}")

# %% [markdown]
# ## Its limits
#
# The rich limit is an *asymmetric* l1 norm: unequal shapes and learning rates weight positive and negative
# entries differently. The kernel limit is a quadratic around `beta0 = phi(w0)`, weighted by the tangent kernel:
# with an unbalanced start `Q` is smallest at `beta0`, not at 0 (visible at the larger `alpha` below).

# %%
limits = reg.limits()
print(limits)

# %%
c = 2
betas = np.linspace(-1.5, 1.5, 121)
fig, ax = plt.subplots(figsize=(6, 4))
for alpha in [0.5, 0.2, 1e-2, 1e-4]:
    q = [float(f.Q(x, alpha=alpha, c=c)) for x in betas]
    ax.plot(betas, np.array(q) / max(q), label=f"alpha = {alpha:g}")
rich = np.where(betas >= 0, betas, -2 * c * betas)  # the rich limit's form at c = 2
ax.plot(betas, rich / rich.max(), "k--", lw=1, label="rich limit (asymmetric l1)")
ax.set_xlabel("beta")
ax.set_ylabel("Q / max Q on the plot")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## The check
#
# `reg.check()` judges the returned expressions against the model at random points (the inverse, the
# derivatives, Fenchel-Young with the conjugate, the normalization, the tangent kernel, the flow integrated
# numerically from the parametrization, the numeric form, and the limits). `implicit_bias.testing` wraps it as an
# assertion for your own tests:

# %%
result = reg.check()
print(f"verified: {result.verified} (worst residual {result.residual:.1e}, tolerance {result.tolerance:.0e})")
for name, value in result.details.items():
    print(f"  {name:<22} {value:.1e}")
assert_regularizer_verified(reg);

# %% [markdown]
# And the flow itself: gradient flow on `(u, v)` with these learning rates, from this initialization, against
# `argmin Q` from the independent convex solver (`c = 2`, `alpha = 0.3`):

# %%
X, y = [[1, 0.5, -0.3], [0.2, -1, 0.4]], [1, -0.5]
report = assert_flow_matches_regularizer(model, X, y, 0.3, constants={"c": 2})
print(report.summary())

# %% [markdown]
# ## What the engine answers for a model it cannot derive
#
# A model outside what the engine can solve fails at once with a typed error that says why, never with a wrong
# `Q`:
#
# * `u^2 v - w`: no method solves the flow of its gradient field (`DerivationError`, listing what is supported);
# * two outputs sharing parameters whose gradient fields do not commute: gradient flow is then *not* a mirror
#   flow of any fixed potential (Li, Wang, Lee & Arora 2022), and the engine says so (`NoMirrorPotentialError`);
# * an initialization at a critical point of `phi`, where the flow never moves (`CriticalInitializationError`).

# %%
attempts = {
    "u**2*v - w": lambda: ib.Parametrization.from_expr("u**2*v - w", ["u", "v", "w"],
                                                         {"u": "alpha", "v": "alpha", "w": "alpha"}),
    "(u*v + w, u**2*w)": lambda: ib.Parametrization.from_exprs(["u*v + w", "u**2*w"], ["u", "v", "w"],
                                                                {"u": 1, "v": 1, "w": 1}),
    "u**2 - v**2 from (0, 0)": lambda: ib.Parametrization.from_expr("u**2 - v**2", ["u", "v"], {"u": 0, "v": 0}),
}
for name, build in attempts.items():
    try:
        ib.derive(build())
    except ib.ImplicitBiasError as exc:
        print(f"{name}:\n  {type(exc).__name__}: {exc}\n")

# %% [markdown]
# All three are subclasses of `ib.ImplicitBiasError`, so a script can catch the family. For a model with
# non-commuting shared parameters the flow itself still runs (`ib.flow.shared_flow`), and for the single neuron
# the engine finds a conserved quantity that reduces it to a time-warped mirror flow: see
# `04_beyond_diagonal_networks`.
