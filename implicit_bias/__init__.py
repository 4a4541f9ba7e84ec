"""implicit-bias: derive and verify the implicit regularizer of gradient flow on overparametrized least squares.

>>> import implicit_bias as ib
>>> ib.derive(ib.diagonal(2)).grad_Q
asinh(beta/(2*alpha**2))/4
"""

from .derive import BETA, SIGMA, CheckResult, Regularizer, derive
from .errors import (
    CriticalInitializationError,
    DerivationError,
    ImplicitBiasError,
    InputError,
    NoMirrorPotentialError,
    NotSeparableError,
    NumericalError,
    ParametrizationError,
    ParseError,
)
from .parametrizations import ALPHA, Parametrization, diagonal, positive, product, single_neuron

__version__ = "0.1.0"

__all__ = [
    "ALPHA",
    "BETA",
    "SIGMA",
    "CheckResult",
    "CriticalInitializationError",
    "DerivationError",
    "ImplicitBiasError",
    "InputError",
    "NoMirrorPotentialError",
    "NotSeparableError",
    "NumericalError",
    "Parametrization",
    "ParametrizationError",
    "ParseError",
    "Regularizer",
    "derive",
    "diagonal",
    "positive",
    "product",
    "single_neuron",
]
