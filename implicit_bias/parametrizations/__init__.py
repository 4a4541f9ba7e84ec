"""Parametrizations: what a model is (``beta_i = phi(w_i)``), and the catalogue of named ones."""

from .base import ALPHA, Parametrization, param_symbol, shape_symbol
from .catalogue import diagonal, positive, product, single_neuron

__all__ = ["ALPHA", "Parametrization", "diagonal", "param_symbol", "positive", "product", "shape_symbol",
           "single_neuron"]
