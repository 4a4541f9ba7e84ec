"""Dynamics at exponential scales: the trajectory of gradient flow and descent, not only its limit.

- :mod:`.saddles`: the saddle-to-saddle limit of depth-2 diagonal networks (Pesme & Flammarion 2023), exactly;
- :mod:`.dual_path`: dense gradient flow of depth-2 models in the dual coordinate (any ``alpha``);
- :mod:`.large_steps`: GD / SGD with finite steps and their effective initialization (Even et al. 2023).
"""

from .dual_path import DualPath, dual_path
from .large_steps import DescentRun, EffectiveInitialization, descent, effective_initialization, implicit_solution
from .saddles import SaddleToSaddle, paper_time, saddle_to_saddle, time_scale, toolkit_time

__all__ = ["DescentRun", "DualPath", "EffectiveInitialization", "SaddleToSaddle", "descent", "dual_path",
           "effective_initialization", "implicit_solution", "paper_time", "saddle_to_saddle", "time_scale",
           "toolkit_time"]
