"""implicit-bias: derive and verify the implicit regularizer of gradient flow on overparametrized least squares.

>>> import implicit_bias as ib
>>> ib.derive(ib.diagonal(2)).grad_Q
asinh(beta/(2*alpha**2))/4
"""

import importlib
from typing import Any

from .derive import CheckResult, Regularizer, derive
from .derive.commuting import CommutingRegularizer
from .derive.explicit import ExplicitRegularizer, explicit_regularizer
from .derive.limits import Limit, Limits
from .derive.numeric import NumericRegularizer
from .derive.warped import WarpedRegularizer
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
from .parametrizations import Parametrization, diagonal, positive, product, single_neuron
from .parametrizations.coupled import lie_bracket, split_coordinates
from .parametrizations.shared import SharedParametrization
from .problems import SparseRegression, sparse_regression
from .richness import RichnessDerivation, RichnessTable, derive_richness, richness_table
from .symbols import ALPHA, BETA, SIGMA
from .verify import VerifyReport, verify
from .verify_shared import SharedVerifyReport

__version__ = "0.1.0"

#: Subpackages loaded on first attribute access (``ib.flow.gradient_flow``), so that ``import implicit_bias``
#: does not pay for heyoka, python-flint, scipy's solvers or matplotlib until they are used.
_LAZY_SUBMODULES = frozenset({"dynamics", "experiments", "flow", "plotting", "reference", "results", "sweeps"})
#: Public names loaded with their subpackage on first access (``ib.saddle_to_saddle`` loads python-flint).
_LAZY_NAMES = {"SaddleToSaddle": "dynamics", "saddle_to_saddle": "dynamics"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_SUBMODULES, *_LAZY_NAMES})

__all__ = [
    "ALPHA",
    "BETA",
    "SIGMA",
    "CheckResult",
    "CommutingRegularizer",
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
    "SaddleToSaddle",
    "SharedParametrization",
    "SharedVerifyReport",
    "SparseRegression",
    "VerifyReport",
    "WarpedRegularizer",
    "derive",
    "derive_richness",
    "diagonal",
    "explicit_regularizer",
    "lie_bracket",
    "positive",
    "product",
    "richness_sweep",
    "richness_table",
    "saddle_to_saddle",
    "single_neuron",
    "sparse_regression",
    "split_coordinates",
    "verify",
]
