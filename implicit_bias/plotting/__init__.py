"""Result -> matplotlib Figure. Plotting never computes: it draws stored results only."""

from .figures import plot_depth_ratio, plot_explicit_vs_implicit, plot_q_depth

__all__ = ["plot_depth_ratio", "plot_explicit_vs_implicit", "plot_q_depth"]
