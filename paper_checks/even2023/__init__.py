"""Even, Pesme, Gunasekar & Flammarion (2023), "(S)GD over Diagonal Linear Networks: Implicit Regularisation, Large
Stepsizes and Edge of Stability", NeurIPS: one module per claim (``run(ctx)`` computes and stores,
``judge(result)`` decides)."""
