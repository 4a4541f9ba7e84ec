"""The richness scale of wide networks (Karkada 2024): lazy (NTK) to rich (muP), derived symbolically.

:func:`derive_richness` solves the criteria as linear conditions on exponents; :func:`richness_table` reads the
exponent table at one ``r`` in one gauge off the solution; :mod:`.gauges` maps between gauges;
:class:`~.network.Network` is the numpy network the experiments train.
"""

from .exponents import RichnessDerivation, derive_richness, response_exponents, standard_parametrization
from .gauges import GAUGES, gauge_image, invariants, regauge, to_learning_rate_gauge, to_rescaling_gauge
from .table import LayerRow, RichnessTable, richness_table

__all__ = ["GAUGES", "LayerRow", "RichnessDerivation", "RichnessTable", "derive_richness", "gauge_image",
           "invariants", "regauge", "response_exponents", "richness_table", "standard_parametrization",
           "to_learning_rate_gauge", "to_rescaling_gauge"]
