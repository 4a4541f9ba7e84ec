"""Property-testing helpers for users' own CI: hypothesis strategies and ready-made assertions.

Strategies: :func:`separable_models` (random separable models from a grammar of elementary pieces),
:func:`underdetermined_problems` (``X beta = y`` with controlled size, conditioning and sparsity),
:func:`alpha_scales` (initialization scales over many decades), :func:`catalogue_parametrizations` (the
catalogue's models with random shapes and learning rates). Assertions: :func:`assert_regularizer_verified` (the
independent checker accepts a derived regularizer) and :func:`assert_flow_matches_regularizer` (gradient flow
converges to its argmin). Needs ``hypothesis`` (in the ``[test]`` extra).

Examples
--------
>>> from hypothesis import given, settings
>>> import implicit_bias as ib
>>> from implicit_bias.testing import assert_regularizer_verified, catalogue_parametrizations
>>> @settings(max_examples=2, deadline=None)
... @given(catalogue_parametrizations(kinds=["diagonal"], max_depth=2))
... def test_every_diagonal_model_is_verified(p):
...     assert_regularizer_verified(ib.derive(p), n_points=2)
>>> test_every_diagonal_model_is_verified()
"""

from .assertions import assert_flow_matches_regularizer, assert_regularizer_verified
from .models import CATALOGUE_KINDS, catalogue_parametrizations
from .problems import Problem, alpha_scales, underdetermined_problems
from .strategies import separable_models

__all__ = [
    "CATALOGUE_KINDS",
    "Problem",
    "alpha_scales",
    "assert_flow_matches_regularizer",
    "assert_regularizer_verified",
    "catalogue_parametrizations",
    "separable_models",
    "underdetermined_problems",
]
