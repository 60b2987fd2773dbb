"""Recurrent spiking stacks of the surrogate-design paper: the layers against independent computations."""
import pytest
import torch

from stablegrad import surrogate
from stablegrad.models.spiking_stack import LIFLayer, SpikingLSTMLayer, SpikingStack
from stablegrad.spiking import lif

F64 = torch.float64
SG = surrogate.get("exponential", dampening=0.7, sharpness=1.3)


def _layer(**kwargs):
    torch.manual_seed(0)
    layer = LIFLayer(6, 5, surrogate=SG, **kwargs).to(F64)
    with torch.no_grad():
        layer.w_in.mul_(3.0)
        layer.bias.uniform_(0.0, 0.2)
    return layer


@pytest.mark.parametrize("detach_reset, backward, alpha, threshold, seed",
                         [(False, "bptt", 0.8, 0.9, 1), (True, "slayer", 0.9, 0.8, 6)])
def test_lif_layer_without_recurrence_is_the_exodus_lif(detach_reset, backward, alpha, threshold, seed):
    """W_rec = 0: the layer is ``spiking.lif`` of ``z W_in + b``, forward and backward (two independent
    implementations of the same recurrence and surrogate). With the reset in the graph that is BPTT; stopping
    the reset's gradient is what SLAYER's backward pass does."""
    layer = _layer(alpha=alpha, threshold=threshold, detach_reset=detach_reset)
    with torch.no_grad():
        layer.w_rec.zero_()
    gen = torch.Generator().manual_seed(seed)
    z = (torch.rand(3, 40, 6, generator=gen) < 0.4).to(F64)
    weights = torch.randn(3, 40, 5, generator=gen, dtype=F64)
    spikes = layer(z)
    grads = torch.autograd.grad((spikes * weights).sum(), (layer.w_in, layer.bias))
    w_in, bias = layer.w_in.detach().clone().requires_grad_(), layer.bias.detach().clone().requires_grad_()
    reference = lif(z @ w_in + bias, alpha=alpha, threshold=threshold, surrogate=SG, backward=backward)
    expected = torch.autograd.grad((reference * weights).sum(), (w_in, bias))
    assert torch.equal(spikes.detach(), reference.detach()) and 0.05 < spikes.mean() < 0.9
    for got, want in zip(grads, expected):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


def test_lif_layer_forward_is_equation_one_with_a_zero_diagonal():
    layer = _layer(alpha=0.9, threshold=1.0)
    gen = torch.Generator().manual_seed(2)
    z = (torch.rand(2, 30, 6, generator=gen) < 0.5).to(F64)
    with torch.no_grad():
        layer.w_rec.normal_(0, 0.5)
        spikes, v = layer(z, return_voltage=True)
        w_rec = layer.w_rec * (1 - torch.eye(5, dtype=F64))
        y, x = torch.zeros(2, 5, dtype=F64), torch.zeros(2, 5, dtype=F64)
        for t in range(30):
            y = 0.9 * y + x @ w_rec + layer.bias + z[:, t] @ layer.w_in - 1.0 * x
            x = (y > 1.0).to(F64)
            torch.testing.assert_close(v[:, t], y - 1.0, rtol=1e-12, atol=1e-12)
            assert torch.equal(spikes[:, t], x)


def test_alif_forward_by_hand():
    """a_t = rho a_{t-1} + (1 - rho) x_{t-1}, A_t = thr + beta a_t, reset and centring both by A_t."""
    layer = _layer(alpha=0.9, threshold=0.6, adaptive=True, beta=1.8, tau_adapt=10.0)
    gen = torch.Generator().manual_seed(7)
    z = (torch.rand(2, 40, 6, generator=gen) < 0.5).to(F64)
    rho = torch.exp(torch.tensor(-0.1, dtype=F64))
    with torch.no_grad():
        layer.w_rec.normal_(0, 0.3)
        spikes, v = layer(z, return_voltage=True)
        w_rec = layer.w_rec * (1 - torch.eye(5, dtype=F64))
        y, x, a = (torch.zeros(2, 5, dtype=F64) for _ in range(3))
        for t in range(40):
            a = rho * a + (1 - rho) * x
            threshold = 0.6 + 1.8 * a
            y = 0.9 * y + x @ w_rec + layer.bias + z[:, t] @ layer.w_in - threshold * x
            x = (y > threshold).to(F64)
            torch.testing.assert_close(v[:, t], y - threshold, rtol=1e-12, atol=1e-12)
            assert torch.equal(spikes[:, t], x)
    assert 0.05 < spikes.mean() < 0.6


def test_alif_without_adaptation_is_lif_and_adaptation_raises_the_threshold():
    gen = torch.Generator().manual_seed(3)
    z = (torch.rand(2, 50, 6, generator=gen) < 0.5).to(F64)
    lif_spikes = _layer(alpha=0.9)(z)
    assert torch.equal(_layer(alpha=0.9, adaptive=True, beta=0.0)(z), lif_spikes)
    assert _layer(alpha=0.9, adaptive=True, beta=1.8, tau_adapt=20.0)(z).sum() < lif_spikes.sum()


def test_spiking_lstm_step_by_hand():
    torch.manual_seed(4)
    layer = SpikingLSTMLayer(3, 4, surrogate=SG).to(F64)
    z = torch.randn(2, 2, 3, dtype=F64)
    with torch.no_grad():
        out = layer(z)
        h, c = torch.zeros(2, 4, dtype=F64), torch.zeros(2, 4, dtype=F64)
        for t in range(2):
            i, f, o, g = layer.gates(torch.cat([z[:, t], h], -1)).chunk(4, -1)
            c = (f > 0) * c + (i > 0) * torch.where(g > 0, 1.0, -1.0)
            h = (o > 0) * torch.where(c > 0, 1.0, -1.0)
            torch.testing.assert_close(out[:, t], h.to(F64))


@pytest.mark.parametrize("make, message", [
    (lambda: SpikingStack("gru", 3, 4, 2, surrogate=SG), "kind must be one of"),
    (lambda: SpikingStack("lif", 3, 0, 2, surrogate=SG), "n_rec must be a positive integer"),
    (lambda: LIFLayer(3, 4, surrogate=SG, alpha=1.5), "alpha must lie in"),
    (lambda: LIFLayer(3, 4, surrogate=SG, threshold=0.0), "threshold must be positive"),
    (lambda: LIFLayer(3, 4, surrogate=None), "surrogate must be a stablegrad.surrogate.Surrogate"),
    (lambda: SpikingLSTMLayer(3, 4, surrogate=torch.sigmoid), "surrogate must be a stablegrad.surrogate.Surrogate"),
    (lambda: SpikingStack("slstm", 3, 4, 2, surrogate=SG, layer_kwargs=dict(alpha=0.9)), "apply to LIF/ALIF"),
    (lambda: SpikingStack("lif", 3, 4, 2, surrogate=SG, layer_kwargs=dict(adaptive=True)), "kind='alif'"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
