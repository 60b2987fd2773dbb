"""Surrogate shapes (Table S1 of the surrogate-design paper) and the step functions built on them."""
import pytest
import torch

from stablegrad import surrogate

TABLE_S1 = surrogate.TABLE_S1


def _shape(name, **kw):
    return surrogate.get(name, **({"q": 3.0} if name == "q_pseudospike" else {}), **kw)


@pytest.mark.parametrize("name", TABLE_S1)
def test_table_s1_shapes_peak_at_one_with_unit_area(name):
    """Peak on a fine grid; area as F(L) - F(-L) for large L (the next test checks that F' = f)."""
    s = _shape(name)
    assert s(torch.linspace(-3, 3, 60_001, dtype=torch.float64)).max().item() == pytest.approx(1.0, abs=1e-9)
    L = torch.tensor(1e9, dtype=torch.float64)
    assert (s.primitive(L) - s.primitive(-L)).item() == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("name", [*TABLE_S1, "sech2"])
def test_primitive_is_an_antiderivative_with_dampening_and_sharpness(name):
    s = _shape(name, dampening=0.7, sharpness=2.5)
    v = torch.linspace(-3, 3, 601, dtype=torch.float64)
    v = v[(v.abs() - 0.5 / 2.5).abs() > 1e-9]  # the rectangle's edges are not differentiable
    x = v.clone().requires_grad_()
    (grad,) = torch.autograd.grad(s.primitive(x).sum(), x)
    torch.testing.assert_close(grad, s(v), rtol=1e-12, atol=1e-12)
    zero = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(s.primitive(zero).sum(), zero)
    assert slope.item() == pytest.approx(0.7, rel=1e-12)  # the peak, exactly at v = 0


def test_fast_sigmoid_of_the_flossing_paper_is_table_s1_at_half_the_sharpness():
    g, v = 3.0, torch.linspace(-2, 2, 41, dtype=torch.float64)
    torch.testing.assert_close(surrogate.get("fast_sigmoid", sharpness=g / 2)(v), 1 / (g * v.abs() + 1) ** 2)


@pytest.mark.parametrize("step, exact", [(surrogate.heaviside, lambda v: (v > 0).double()),
                                         (surrogate.sign, torch.sign)])
def test_step_functions_are_exact_forward_and_surrogate_backward(step, exact):
    s = surrogate.get("sech2", sharpness=4.0)
    v = torch.randn(200, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).requires_grad_()
    out = step(v, s)
    assert torch.equal(out.detach(), exact(v.detach()))
    (grad,) = torch.autograd.grad(out.sum(), v)
    torch.testing.assert_close(grad, 1 / torch.cosh(4 * v.detach()) ** 2, rtol=1e-12, atol=1e-14)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown surrogate 'sech'"):
        surrogate.get("sech")
    with pytest.raises(ValueError, match="sharpness must be positive and finite"):
        surrogate.get("sech2", sharpness=float("inf"))
    with pytest.raises(ValueError, match="sharpness must be positive"):
        surrogate.get("sech2", sharpness=torch.tensor([1.0, -2.0]))
    with pytest.raises(ValueError, match="dampening must be positive"):
        surrogate.get("gaussian", dampening=-1.0)
    with pytest.raises(ValueError, match="q must be a number > 1"):
        surrogate.get("q_pseudospike", q=1.0)
    with pytest.raises(ValueError, match=r"takes the shape parameters \['q'\]"):
        surrogate.get("q_pseudospike")
    with pytest.raises(ValueError, match="must be a new string"):
        surrogate.register("gaussian", lambda v: v, lambda v: v)


def test_sech2_differentiates_to_zero_not_nan_far_in_its_tail():
    """1 / cosh(v)^2 overflows and back-propagates inf * 0 = NaN for |g h| > 89 in float32."""
    v = torch.tensor([-200.0, -60.0, 0.5, 60.0, 200.0], requires_grad=True)
    g = torch.tensor(20.0, requires_grad=True)
    value = surrogate.Surrogate("sech2", sharpness=g)(v)
    grad_v, grad_g = torch.autograd.grad(value.sum(), (v, g))
    assert torch.isfinite(grad_v).all() and torch.isfinite(grad_g)
    assert value[[0, 1, 3, 4]].eq(0).all()


@pytest.mark.parametrize("name", TABLE_S1)
@pytest.mark.parametrize("dampening, sharpness", [(0.5, 1.0), (1.0, 3.0), (1.7, 0.4)])
def test_dampening_scales_the_peak_and_sharpness_narrows_the_width(name, dampening, sharpness):
    """Peak = dampening and area = dampening / sharpness, by trapezoidal integration of the callable itself."""
    s = _shape(name, dampening=dampening, sharpness=sharpness)
    v = torch.linspace(-400, 400, 1_600_001, dtype=torch.float64)
    values = s(v)
    assert values.max().item() == pytest.approx(dampening, rel=1e-6)
    # power-law tails beyond |v| = 400 hold up to ~3e-3 of the area (fast sigmoid at sharpness 0.4); the
    # rectangle's edges cost the trapezoid rule ~1e-4
    tolerance = {"fast_sigmoid": 5e-3, "q_pseudospike": 5e-3, "rectangular": 1e-3}.get(name, 1e-6)
    assert torch.trapezoid(values, v).item() == pytest.approx(dampening / sharpness, rel=tolerance)


def test_q_pseudospike_is_the_fast_sigmoid_at_q_2_and_tends_to_the_exponential():
    v = torch.linspace(-6, 6, 2001, dtype=torch.float64)
    torch.testing.assert_close(surrogate.get("q_pseudospike", q=2.0)(v), surrogate.get("fast_sigmoid")(v),
                               rtol=1e-14, atol=1e-14)
    exponential = surrogate.get("exponential")(v)
    gaps = [(surrogate.get("q_pseudospike", q=q)(v) - exponential).abs().max().item() for q in (4.0, 40.0, 4000.0)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-3
