"""Woodworth, Gunasekar, Lee, Moroshko, Savarese, Golan, Soudry & Srebro (2020), "Kernel and Rich Regimes in
Overparametrized Models", COLT 2020, PMLR 125:3635-3673 (arXiv:2002.09277v3).

One module per claim: Theorems 1-4 (``thm*``), Figures 1-3, 5 and 7 (``fig*``), Sections 6 and 7 (``sec*``).
Theorem numbers follow arXiv v3: ``thm3_shape`` is Theorem 1's general-shape case (Sec. 4), ``thm4_depth`` the
depth-D result (Theorem 3 in v3, Sec. 5), ``sec6_width`` Theorem 4 (Sec. 6).
"""
