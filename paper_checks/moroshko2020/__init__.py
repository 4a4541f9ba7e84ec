"""Moroshko, Woodworth, Gunasekar, Lee, Srebro & Soudry (2020), "Implicit Bias in Deep Linear Classification:
Initialization Scale vs Training Accuracy", NeurIPS: one module per claim (``run(ctx)`` computes and stores,
``judge(result)`` decides)."""
