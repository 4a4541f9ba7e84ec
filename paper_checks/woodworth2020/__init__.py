"""Woodworth, Gunasekar, Lee, Moroshko, Savarese, Golan, Soudry & Srebro (2020), "Kernel and Rich Regimes in
Overparametrized Models", COLT 2020, PMLR 125:3635-3673 (arXiv:2002.09277v3).

One module per claim: Theorems 1-3 (``thm*``), Figures 1-3, 5 and 7 (``fig*``), Sections 6 (Theorem 4) and 7
(``sec*``). Theorem numbers are those of arXiv v3: Theorem 1 is the depth-2 result (``thm1_hypentropy`` for
``w0 = 1``, ``thm1_general_shape`` for any shape ``w0``, Sec. 4), Theorem 3 the depth-D one (Sec. 5).
"""
