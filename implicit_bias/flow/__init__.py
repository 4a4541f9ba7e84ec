"""High-precision gradient flow of the original parameters (heyoka Taylor integration in MPFR arithmetic)."""

from .gradient_flow import FlowSolution, flow_digits, gradient_flow, required_dps

__all__ = ["FlowSolution", "flow_digits", "gradient_flow", "required_dps"]
