"""Dynamics at exponential scales: the trajectory of gradient flow, not only its limit.

- :mod:`.saddles`: the saddle-to-saddle limit of depth-2 diagonal networks (Pesme & Flammarion 2023), exactly.
"""

from .saddles import SaddleToSaddle, paper_time, saddle_to_saddle, time_scale, toolkit_time

__all__ = ["SaddleToSaddle", "paper_time", "saddle_to_saddle", "time_scale", "toolkit_time"]
