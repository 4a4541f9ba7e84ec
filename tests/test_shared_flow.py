"""The flow of a vector model's shared parameters: bad input, a model with no potential, recorded trajectories."""

import mpmath
import pytest

import implicit_bias as ib
from implicit_bias.flow.shared import shared_flow

NEURON = ib.Parametrization.from_exprs(["a*w1", "a*w2"], "a,w1,w2", {"a": 1, "w1": "alpha", "w2": 0})


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(p=ib.diagonal(2), X=[[1, 2]], y=[1], alpha=0.5), "expected a SharedParametrization"),
    (dict(p=NEURON, X=[[1, 2, 3]], y=[1], alpha=0.5), "X has 3 columns but the model has 2 outputs"),
    (dict(p=NEURON, X=[[1, 2]], y=[1], alpha=-1), "alpha=-1"),
    (dict(p=NEURON, X=[[1, 2]], y=[1], alpha=0.5, constants={"alpha": 1}), "'alpha' is not a constant"),
    (dict(p=NEURON, X=[[1, 2]], y=[1], alpha=0.5, times=[-1]), "times=[-1]"),
    (dict(p=NEURON, X=[[1, 2], [2, 4]], y=[1, 2], alpha=0.5), "must be underdetermined"),
])
def test_bad_input_names_the_argument(kwargs, fragment):
    with pytest.raises(ib.InputError) as exc:
        shared_flow(progress=False, **kwargs)
    assert fragment in str(exc.value)


def test_a_model_without_a_potential_still_flows_to_its_limit():
    p = ib.Parametrization.from_exprs(["u*v + w", "u**2*w"], "u,v,w", {"u": 1, "v": 1, "w": 1})
    with pytest.raises(ib.NoMirrorPotentialError):
        ib.derive(p)
    sol = shared_flow(p, [[1, 0.5]], [0.3], alpha=1, dps=25, progress=False)
    assert sol.success, sol.message
    assert abs(sol.beta[0] + sol.beta[1] / 2 - mpmath.mpf("0.3")) < 1e-20
    assert sol.certificate < 1e-15


def test_recorded_trajectory_starts_at_the_initialization():
    sol = shared_flow(NEURON, [[1, 0], [0, 1]], [0.2, 0.7], alpha=0.5, dps=25, times=[0, 1, 2], progress=False)
    assert sol.success and [t for t, _w, _b in sol.trajectory] == [0, 1, 2]
    assert sol.trajectory[0][1] == [1, mpmath.mpf("0.5"), 0]
