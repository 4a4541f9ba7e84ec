"""implicit-bias: derive and verify the implicit regularizer of gradient flow on overparametrized least squares.

>>> import implicit_bias as ib
>>> ib.derive(ib.diagonal(2)).grad_Q
asinh(beta/(2*alpha**2))/4
"""

from .derive import BETA, SIGMA, CheckResult, Regularizer, derive
from .derive.explicit import ExplicitRegularizer, explicit_regularizer
from .derive.limits import Limit, Limits
from .derive.numeric import NumericRegularizer
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
from .experiments.richness import RichnessSweep, richness_sweep
from .parametrizations import ALPHA, Parametrization, diagonal, positive, product, single_neuron
from .parametrizations.coupled import lie_bracket, split_coordinates
from .problems import SparseRegression, sparse_regression
from .richness import RichnessDerivation, RichnessTable, derive_richness, richness_table
from .verify import VerifyReport, verify

__version__ = "0.1.0"

__all__ = [
    "ALPHA",
    "BETA",
    "SIGMA",
    "CheckResult",
    "CriticalInitializationError",
    "DerivationError",
    "ExplicitRegularizer",
    "ImplicitBiasError",
    "InputError",
    "Limit",
    "Limits",
    "NoMirrorPotentialError",
    "NotSeparableError",
    "NumericRegularizer",
    "NumericalError",
    "Parametrization",
    "ParametrizationError",
    "ParseError",
    "Regularizer",
    "RichnessDerivation",
    "RichnessSweep",
    "RichnessTable",
    "SparseRegression",
    "VerifyReport",
    "derive",
    "derive_richness",
    "diagonal",
    "explicit_regularizer",
    "lie_bracket",
    "positive",
    "product",
    "richness_sweep",
    "richness_table",
    "single_neuron",
    "sparse_regression",
    "split_coordinates",
    "verify",
]
