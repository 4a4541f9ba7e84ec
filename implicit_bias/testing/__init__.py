"""Tools for testing code built on :mod:`implicit_bias`: hypothesis strategies for random models
(:mod:`implicit_bias.testing.strategies`, which needs ``hypothesis``)."""
