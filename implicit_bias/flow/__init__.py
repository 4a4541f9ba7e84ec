"""High-precision gradient flow of the original parameters (heyoka Taylor integration in MPFR arithmetic)."""

from .gradient_flow import FlowSolution, flow_digits, gradient_flow, required_dps
from .shared import SharedFlowSolution, shared_flow

__all__ = ["FlowSolution", "SharedFlowSolution", "flow_digits", "gradient_flow", "required_dps", "shared_flow"]
