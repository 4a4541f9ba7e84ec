r"""Gauges: the many hyperparameter choices that train a network with multipliers in exactly the same way.

Only the effective weight ``M_l = g_l W_l`` enters the forward pass. Gradient descent on ``W_l`` with rate
``eta_l`` moves it by ``Delta M_l = g_l Delta W_l = -eta_l g_l^2 dL/dM_l``, and ``M_l(0) ~ N(0, (g_l sigma_l)^2)``.
So the whole trajectory of ``M`` (hence of the function) depends on ``(g_l, sigma_l, eta_l)`` only through
the two invariants ``g_l sigma_l`` and ``g_l^2 eta_l`` (Karkada 2024, Sec. 4, "model rescaling" and
"layerwise learning rates"). Any ``(g, sigma, eta) -> (g', g sigma / g', g^2 eta / g'^2)`` is a gauge
transformation; three choices of ``g'`` have names:

* ``"multiplier"``: the derivation's own gauge, one global learning rate and multipliers ``g_l`` (Table 1);
* ``"learning-rate"``: no multipliers, ``(g, sigma, eta) -> (1, g sigma, g^2 eta)``: per-layer learning rates;
* ``"rescaling"``: unit initialization, ``(g, sigma, eta) -> (g sigma, 1, eta / sigma^2)``: the multipliers of
  the neural tangent parametrization, the read-out one divided by ``gamma`` and the learning rate multiplied
  by ``gamma^2`` (Bordelon & Pehlevan's model rescaling, with ``gamma = n^r``).

Every function here works on numbers, numpy arrays and SymPy expressions alike.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError

__all__ = ["GAUGES", "check_gauge", "gauge_image", "invariants", "regauge", "to_learning_rate_gauge",
           "to_rescaling_gauge"]

#: The named gauges, in the order the documentation lists them.
GAUGES: tuple[str, ...] = ("multiplier", "learning-rate", "rescaling")


def check_gauge(gauge: Any) -> str:
    """``gauge`` if it names a gauge; otherwise an InputError listing the names."""
    if not isinstance(gauge, str) or gauge not in GAUGES:
        raise InputError(f"gauge={gauge!r}: not a gauge; choose one of {', '.join(GAUGES)}")
    return gauge


def invariants(g: Any, sigma: Any, eta: Any) -> tuple[Any, Any]:
    """``(g sigma, g^2 eta)``: the scale of the effective weight at initialization and its learning rate.

    Examples
    --------
    >>> invariants(2.0, 0.25, 3.0)
    (0.5, 12.0)
    """
    return g * sigma, g**2 * eta


def regauge(g: Any, sigma: Any, eta: Any, g_new: Any) -> tuple[Any, Any, Any]:
    """The gauge image with multiplier ``g_new``: ``(g_new, g sigma / g_new, g^2 eta / g_new^2)``.

    Examples
    --------
    >>> regauge(2.0, 0.25, 3.0, 4.0)
    (4.0, 0.125, 0.75)
    """
    return g_new, g * sigma / g_new, g**2 * eta / g_new**2


def to_learning_rate_gauge(g: Any, sigma: Any, eta: Any) -> tuple[Any, Any, Any]:
    """``(g, sigma, eta) -> (1, g sigma, g^2 eta)``: no multipliers, per-layer learning rates.

    Examples
    --------
    >>> import sympy as sp
    >>> n, r = sp.symbols("n r", positive=True)
    >>> [sp.powsimp(e) for e in to_learning_rate_gauge(n**(r - sp.Rational(1, 2)), n**-r, 1)]
    [1, 1/sqrt(n), n**(2*r - 1)]
    """
    return regauge(g, sigma, eta, 1)


def to_rescaling_gauge(g: Any, sigma: Any, eta: Any) -> tuple[Any, Any, Any]:
    """``(g, sigma, eta) -> (g sigma, 1, eta / sigma^2)``: unit initialization.

    Examples
    --------
    >>> import sympy as sp
    >>> n, r = sp.symbols("n r", positive=True)
    >>> [sp.powsimp(e) for e in to_rescaling_gauge(1 / sp.sqrt(n), n**-r, 1)]
    [n**(-r - 1/2), 1, n**(2*r)]
    """
    return regauge(g, sigma, eta, g * sigma)


def gauge_image(g: Any, sigma: Any, eta: Any, gauge: str) -> tuple[Any, Any, Any]:
    """``(g, sigma, eta)`` (given in the multiplier gauge, or any gauge) carried to the named ``gauge``.

    ``"multiplier"`` returns the input unchanged: it is the gauge the derivation fixes, not a function of
    another gauge's numbers.

    Examples
    --------
    >>> gauge_image(2.0, 0.25, 3.0, "learning-rate")
    (1, 0.5, 12.0)
    """
    gauge = check_gauge(gauge)
    if gauge == "learning-rate":
        return to_learning_rate_gauge(g, sigma, eta)
    if gauge == "rescaling":
        return to_rescaling_gauge(g, sigma, eta)
    return g, sigma, eta
