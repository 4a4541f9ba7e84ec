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
# # Quickstart: the hypentropy, derived and verified
#
# Train `beta = u^2 - v^2` (one pair `(u_i, v_i)` per coordinate) by gradient flow from `u = v = alpha` on an
# underdetermined least-squares problem `X beta = y`. Among the many interpolating solutions, the flow converges
# to `argmin Q(beta) s.t. X beta = y` for a regularizer `Q` fixed by the model and by `alpha`. This notebook
# derives that `Q` from the model alone, looks at how it moves between `|beta|` and `beta^2` as `alpha` changes,
# and checks the claim against the flow itself at `alpha = e^-100`.

# %%
import matplotlib.pyplot as plt
import mpmath
import numpy as np
import sympy as sp
from IPython.display import Math, display

import implicit_bias as ib

plt.rcParams["figure.dpi"] = 80

# %% [markdown]
# ## Derive Q from the model
#
# The model is typed as an expression with its parameters and their initialization. `ib.derive` solves the flow
# of `grad phi` from the initialization (the dual curve `b(sigma) = phi(w(sigma))`), inverts it, and integrates
# the inverse: `Q' = b^{-1}`, `Q(beta0) = 0`. Nothing is looked up in a table.

# %%
model = ib.Parametrization.from_expr("u**2 - v**2", params=["u", "v"], init={"u": "alpha", "v": "alpha"})
reg = ib.derive(model)
print("kind:  ", reg.kind)
print("grad Q:", reg.grad_Q)
print("Q:     ", reg.Q)
display(Math(reg.latex()))

# %% [markdown]
# This is the hypentropy of Woodworth et al. (2020, Theorem 1), `alpha^2 q(beta / alpha^2)` with
# `q(z) = 2 - sqrt(4 + z^2) + z asinh(z/2)`, in this toolkit's normalization (`Q(beta0) = 0` and `Q' = b^{-1}`
# exactly). `reg.ratio_to` finds the constant relating `Q` to another normalization of the same regularizer:

# %%
a, b = ib.ALPHA, ib.BETA
paper = a**2 * (2 - sp.sqrt(4 + (b / a**2) ** 2) + (b / a**2) * sp.asinh(b / (2 * a**2)))  # typed in to compare
print("the paper's hypentropy =", reg.ratio_to(paper), "x Q")

# %% [markdown]
# The engine checks its own answer independently (`b(grad_Q(beta)) = beta`, `Q' = grad_Q`, the conjugate, the
# normalization, the flow integrated numerically from the model, ...) at random points, and derives the two
# limits, each confirmed numerically at an extreme `alpha`:

# %%
check = reg.check()
print(f"verified: {check.verified}   worst residual {check.residual:.1e} (tolerance {check.tolerance:.0e})")
print(reg.limits())

# %% [markdown]
# ## From l2 to l1 as alpha shrinks
#
# `Q` scaled to `Q(1) = 1`, for several `alpha`, beside `|beta|` and `beta^2`: at large `alpha` the weights
# barely move (the kernel regime) and `Q` is the quadratic; as `alpha -> 0` it becomes the l1 norm (the rich
# regime), but only logarithmically slowly in `alpha`.

# %%
f = reg.to_numeric(dps=30)
betas = np.linspace(-2, 2, 161)
fig, ax = plt.subplots(figsize=(6, 4))
for alpha in [10.0, 1.0, 0.3, 0.1, 1e-3, 1e-10]:
    scale = f.Q(1, alpha=alpha)
    ax.plot(betas, [float(f.Q(x, alpha=alpha) / scale) for x in betas], label=f"alpha = {alpha:g}")
ax.plot(betas, np.abs(betas), "k--", lw=1, label="|beta|")
ax.plot(betas, betas**2, "k:", lw=1, label="beta^2")
ax.set_xlabel("beta")
ax.set_ylabel("Q(beta) / Q(1)")
ax.set_ylim(0, 3)
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Verify by the flow at alpha = e^-100
#
# `ib.verify` runs gradient flow on the *original* parameters `(u, v)` in high precision (floats cannot follow
# an `alpha` of `e^-100`: `alpha^2` is below their smallest normal number), finishes it exactly along the dual
# curves, and compares its limit with `argmin Q` from an independent convex solver, on a generated
# sparse-regression problem (Woodworth et al. 2020, Sec. 4).

# %%
problem = ib.sparse_regression(10, 4, 2, seed=0)
report = ib.verify(model, problem.X, problem.y_exact(), alpha=mpmath.exp(-100))
print(report.summary())
assert report.agree

# %% [markdown]
# ## Reading the report
#
# * `verdict: agree`: both computations finished (`status` is `"success"`) and the flow's limit equals
#   `argmin Q` to the working precision (`dps`, chosen from `alpha`).
# * At `alpha = e^-100` both answers are the min-l1 solution to about 40 digits, so agreement in many digits
#   says little by itself. The line *alpha-dependent part agrees to N digits* compares `beta - beta_l1` of the
#   two: the part of the answer that `Q`, and not its l1 limit, decides.
# * The flow's certificate estimates `|beta - beta(infinity)|`; `|beta_Q - beta_l2|` shows how far the answer is
#   from the kernel regime's.
#
# The same numbers are fields of the report:

# %%
print("status:", report.status, "| agree:", report.agree, "| working digits:", report.dps)
print("max |beta_GF - argmin Q| =", mpmath.nstr(report.max_abs_diff, 3))
print("alpha-dependent part agrees to", round(report.alpha_part_digits, 1), "digits")
print("|beta_GF - beta_l1| =", mpmath.nstr(max(abs(x - y) for x, y in zip(report.gf_beta, report.l1_beta)), 3))
print("planted support:", [int(i) for i in np.flatnonzero(problem.beta_star)],
      "| two largest |beta_GF|:", sorted(int(i) for i in np.argsort([-abs(float(x)) for x in report.gf_beta])[:2]))

# %% [markdown]
# The same from the command line (`--log10-alpha -43.43` is `alpha = e^-100`):
#
# ```bash
# implicit-bias derive "u**2 - v**2" --params u,v --init u=alpha,v=alpha
# implicit-bias verify "u**2 - v**2" --params u,v --init u=alpha,v=alpha --log10-alpha -43.43 --dim 10 --n 4
# ```
#
# Next: your own model (`02_your_own_parametrization`), the kernel-to-rich transition in pictures
# (`03_kernel_vs_rich`), and models beyond diagonal networks (`04_beyond_diagonal_networks`).
