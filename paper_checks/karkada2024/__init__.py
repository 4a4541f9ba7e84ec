"""Checks of Karkada (2024), "The lazy (NTK) and rich (muP) regimes: a gentle tutorial" (arXiv 2404.19719).

One module per claim; each ``run(ctx)`` computes (through ``implicit_bias.sweeps`` where there is a sweep) and
stores its result, and ``judge(result)`` turns a stored result into Outcomes.
"""

