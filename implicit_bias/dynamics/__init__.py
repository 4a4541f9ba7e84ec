"""Dynamics at exponential scales: the trajectory of gradient flow and descent, not only its limit.

- :mod:`.saddles`: the saddle-to-saddle limit of depth-2 diagonal networks (Pesme & Flammarion 2023), exactly;
- :mod:`.dual_path`: dense gradient flow of depth-2 models in the dual coordinate (any ``alpha``);
- :mod:`.large_steps`: GD / SGD with finite steps and their effective initialization (Even et al. 2023);
- :mod:`.classification`: the exponential-loss flow of depth-``D`` networks to any training accuracy, and
  :mod:`.margins`, its max-margin references (Moroshko et al. 2020).
"""

from .classification import MarginFlow, MarginState, exponential_flow
from .dual_path import DualPath, dual_path
from .large_steps import DescentRun, EffectiveInitialization, descent, effective_initialization, implicit_solution
from .margins import MarginSolution, max_margin_l1, max_margin_l2, min_Q_margin
from .saddles import SaddleToSaddle, paper_time, saddle_to_saddle, time_scale, toolkit_time

__all__ = ["DescentRun", "DualPath", "EffectiveInitialization", "MarginFlow", "MarginSolution", "MarginState",
           "SaddleToSaddle", "descent", "dual_path", "effective_initialization", "exponential_flow",
           "implicit_solution", "max_margin_l1", "max_margin_l2", "min_Q_margin", "paper_time", "saddle_to_saddle",
           "time_scale", "toolkit_time"]
