"""Checks of Kunin, Raventós, Dominé, Chen, Klindt, Saxe & Ganguli (2024), "Get rich quick: exact solutions reveal
how unbalanced initializations promote rapid feature learning" (NeurIPS 2024): one module per claim."""
