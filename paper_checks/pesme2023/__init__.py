"""Pesme & Flammarion (2023), "Saddle-to-Saddle Dynamics in Diagonal Linear Networks", NeurIPS: one module per
claim (``run(ctx)`` computes and stores, ``judge(result)`` decides)."""
