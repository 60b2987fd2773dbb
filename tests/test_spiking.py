"""LIF layers with BPTT, SLAYER and EXODUS backward passes."""
import pytest
import torch

from stablegrad import surrogate
from stablegrad.spiking import lif

SURROGATES = {"fast_sigmoid": surrogate.get("fast_sigmoid"), "exponential": surrogate.get("exponential", dampening=0.5),
              "gaussian": surrogate.get("gaussian", sharpness=3.0)}


def _gradients(z, weights, backward, **kw):
    z = z.detach().requires_grad_()
    spikes = lif(z, backward=backward, **kw)
    (grad,) = torch.autograd.grad((spikes * weights).sum(), z)
    return spikes.detach(), grad


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
@pytest.mark.parametrize("alpha", [1.0, 0.9, 0.5])
@pytest.mark.parametrize("name", sorted(SURROGATES))
@pytest.mark.parametrize("drive", [1.2, 4.0])  # mean input / (1 - alpha) in thresholds: sparse and dense spiking
def test_exodus_equals_bptt(dtype, tol, alpha, name, drive):
    gen = torch.Generator().manual_seed(0)
    for shape, threshold in (((3, 40, 5), 1.0), ((2, 17, 11), 0.4)):
        z = 2 * drive * threshold * max(1 - alpha, 0.1) * torch.rand(*shape, generator=gen, dtype=dtype)
        weights = torch.randn(*shape, generator=gen, dtype=dtype)
        kw = dict(alpha=alpha, threshold=threshold, surrogate=SURROGATES[name])
        s_ref, g_ref = _gradients(z, weights, "bptt", **kw)
        s_ex, g_ex = _gradients(z, weights, "exodus", **kw)
        assert torch.equal(s_ref, s_ex)
        assert 0.02 < s_ref.mean() < 0.9, s_ref.mean()
        torch.testing.assert_close(g_ex, g_ref, rtol=tol, atol=tol * g_ref.abs().max().item())


def test_exodus_equals_bptt_through_a_two_layer_network():
    gen = torch.Generator().manual_seed(1)
    x = (torch.rand(4, 30, 8, generator=gen, dtype=torch.float64) < 0.3).double()
    W1 = torch.randn(8, 6, generator=gen, dtype=torch.float64, requires_grad=True)
    W2 = torch.randn(6, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    target = torch.rand(4, 30, 3, generator=gen, dtype=torch.float64)

    def grads(backward):
        kw = dict(alpha=0.8, threshold=1.0, surrogate=SURROGATES["fast_sigmoid"], backward=backward)
        out = lif(lif(x @ W1, **kw) @ W2, **kw)
        return torch.autograd.grad(((out - target) ** 2).sum(), (W1, W2))

    for exact, reference in zip(grads("exodus"), grads("bptt")):
        assert reference.abs().max() > 0
        torch.testing.assert_close(exact, reference, rtol=1e-10, atol=1e-12)


def test_slayer_is_bptt_without_the_reset_path():
    """SLAYER drops the reset kernel: equal to autograd of the loop with the reset detached, and different
    from the exact gradient once neurons spike."""
    gen = torch.Generator().manual_seed(2)
    z = 0.8 * torch.rand(3, 50, 7, generator=gen, dtype=torch.float64)
    weights = torch.randn(3, 50, 7, generator=gen, dtype=torch.float64)
    sg, alpha = SURROGATES["fast_sigmoid"], 0.9
    _, g_slayer = _gradients(z, weights, "slayer", alpha=alpha, surrogate=sg)
    _, g_exact = _gradients(z, weights, "exodus", alpha=alpha, surrogate=sg)

    zz = z.clone().requires_grad_()
    u, s_prev, spikes = zz.new_zeros(3, 7), zz.new_zeros(3, 7), []
    for t in range(50):
        u = alpha * u + zz[:, t] - s_prev.detach()
        s_prev = surrogate.heaviside(u - 1.0, sg)
        spikes.append(s_prev)
    (g_no_reset,) = torch.autograd.grad((torch.stack(spikes, 1) * weights).sum(), zz)
    torch.testing.assert_close(g_slayer, g_no_reset, rtol=1e-12, atol=1e-12)
    assert (g_slayer - g_exact).abs().max() > 1e-3


@pytest.mark.parametrize("alpha", [1.0, 0.9, 0.5])
def test_sinabs_order_reset_before_leak_exodus_equals_bptt_and_slayer_drops_the_reset(alpha):
    """u[t] = alpha (u[t-1] - theta s[t-1]) + z[t] (sinabs, sinabs-exodus): the forward by hand, EXODUS = BPTT
    in float64, SLAYER = autograd with the reset detached."""
    gen = torch.Generator().manual_seed(3)
    z = 3 * max(1 - alpha, 0.1) * torch.rand(3, 60, 5, generator=gen, dtype=torch.float64)
    weights = torch.randn(3, 60, 5, generator=gen, dtype=torch.float64)
    sg = SURROGATES["exponential"]
    kw = dict(alpha=alpha, threshold=0.7, surrogate=sg, reset="before_leak")
    s_ref, g_ref = _gradients(z, weights, "bptt", **kw)
    s_ex, g_ex = _gradients(z, weights, "exodus", **kw)
    _, g_slayer = _gradients(z, weights, "slayer", **kw)
    u, s_prev = torch.zeros(3, 5, dtype=torch.float64), torch.zeros(3, 5, dtype=torch.float64)
    for t in range(60):  # the forward by hand
        u = alpha * (u - 0.7 * s_prev) + z[:, t]
        s_prev = (u > 0.7).double()
        assert torch.equal(s_ref[:, t], s_prev)
    assert 0.02 < s_ref.mean() < 0.9 and torch.equal(s_ref, s_ex)
    torch.testing.assert_close(g_ex, g_ref, rtol=1e-10, atol=1e-10 * g_ref.abs().max().item())
    zz = z.clone().requires_grad_()
    u, s_prev, spikes = zz.new_zeros(3, 5), zz.new_zeros(3, 5), []
    for t in range(60):
        u = alpha * (u - 0.7 * s_prev.detach()) + zz[:, t]
        s_prev = surrogate.heaviside(u - 0.7, sg)
        spikes.append(s_prev)
    (g_no_reset,) = torch.autograd.grad((torch.stack(spikes, 1) * weights).sum(), zz)
    torch.testing.assert_close(g_slayer, g_no_reset, rtol=1e-12, atol=1e-12)
    _, g_paper = _gradients(z, weights, "exodus", alpha=alpha, threshold=0.7, surrogate=sg)
    difference = (g_paper - g_ex).abs().max()
    assert difference > 1e-3 if alpha < 1 else difference < 1e-12  # the orders differ only with a leak


@pytest.mark.parametrize("kwargs, message", [
    (dict(reset="before"), "reset must be one of"),
    (dict(alpha=0.0), "alpha must be a number in"), (dict(alpha=1.5), "alpha must be a number in"),
    (dict(threshold=0.0), "threshold must be a positive"), (dict(backward="exact"), "backward must be one of"),
])
def test_bad_arguments(kwargs, message):
    args = dict(alpha=0.9, threshold=1.0, surrogate=SURROGATES["fast_sigmoid"], backward="exodus") | kwargs
    with pytest.raises(ValueError, match=message):
        lif(torch.zeros(2, 3, 4), **args)
    with pytest.raises(ValueError, match=r"z must be a floating-point tensor of shape \(B, T, N\)"):
        lif(torch.zeros(3, 4), alpha=0.9, surrogate=SURROGATES["fast_sigmoid"])
