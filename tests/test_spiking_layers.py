"""Spiking layers and the Table 2 networks: per-neuron leaks, the spike response, and exact gradients
through whole stacks."""
import math

import numpy as np
import pytest
import torch

from stablegrad import surrogate
from stablegrad.spiking import lif, respond, simulate
from stablegrad.spiking.layers import IF, LIF, PerStep, single_exponential
from stablegrad.spiking.networks import TABLE2, loss_over_time, network

F64 = torch.float64


def test_single_exponential_is_the_sinabs_formula():
    v = torch.linspace(-3, 3, 101, dtype=F64)
    for scale, width, threshold in ((1.0, 0.5, 1.0), (0.3, 1.0, 2.0)):
        expected = scale / (threshold * width) * torch.exp(-v.abs() / (threshold * width))
        torch.testing.assert_close(single_exponential(scale, width, threshold)(v), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("backward", ["bptt", "slayer", "exodus"])
def test_one_alpha_per_sample_and_neuron_equals_separate_calls(backward):
    gen = torch.Generator().manual_seed(0)
    z = 0.4 * torch.rand(3, 30, 4, generator=gen, dtype=F64)
    weights = torch.randn(3, 30, 4, generator=gen, dtype=F64)
    alpha = torch.tensor([[1.0, 0.9, 0.5, 0.8], [0.7, 1.0, 0.95, 0.6], [0.99, 0.3, 1.0, 0.85]], dtype=F64)
    sg = single_exponential()
    zz = z.clone().requires_grad_()
    s = lif(zz, alpha=alpha, surrogate=sg, backward=backward)
    (g,) = torch.autograd.grad((s * weights).sum(), zz)
    assert 0.02 < s.mean() < 0.5
    for b in range(3):
        for n in range(4):
            zi = z[b : b + 1, :, n : n + 1].clone().requires_grad_()
            si = lif(zi, alpha=alpha[b, n].item(), surrogate=sg, backward=backward)
            (gi,) = torch.autograd.grad((si * weights[b : b + 1, :, n : n + 1]).sum(), zi)
            assert torch.equal(si, s[b : b + 1, :, n : n + 1])
            torch.testing.assert_close(gi, g[b : b + 1, :, n : n + 1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("alpha", [torch.tensor(0.8, dtype=F64), torch.full((3, 1), 0.8, dtype=F64), np.float32(0.8)])
def test_alpha_as_zero_dim_column_or_numpy_number_is_the_scalar(alpha):
    gen = torch.Generator().manual_seed(7)
    z = 0.5 * torch.rand(3, 20, 4, generator=gen, dtype=F64)

    def grad(a):
        zz = z.clone().requires_grad_()
        s = respond(lif(zz, alpha=a, surrogate=single_exponential()), alpha=a)
        return s.detach(), torch.autograd.grad(s.sum(), zz)[0]

    s_ref, g_ref = grad(0.8)
    s, g = grad(alpha)
    assert s_ref.sum() > 0
    torch.testing.assert_close(s, s_ref, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(g, g_ref, rtol=1e-6, atol=1e-6)


def test_per_neuron_exodus_equals_bptt():
    gen = torch.Generator().manual_seed(1)
    z = 0.5 * torch.rand(4, 60, 6, generator=gen, dtype=F64)
    weights = torch.randn(4, 60, 6, generator=gen, dtype=F64)
    alpha = torch.tensor([1.0, 0.9, 0.5, 0.97, 0.7, 0.8], dtype=F64)
    grads = {}
    for backward in ("bptt", "exodus"):
        zz = z.clone().requires_grad_()
        (grads[backward],) = torch.autograd.grad((lif(zz, alpha=alpha, surrogate=single_exponential(),
                                                      backward=backward) * weights).sum(), zz)
    torch.testing.assert_close(grads["exodus"], grads["bptt"], rtol=1e-10, atol=1e-12)


def test_respond_is_the_convolution_with_alpha_powers():
    """a = eps * s with eps_n = alpha**n, and its gradient, against the explicit convolution in float64."""
    gen = torch.Generator().manual_seed(2)
    s = (torch.rand(2, 25, 3, generator=gen) < 0.3).to(F64).requires_grad_()
    alpha = 0.8
    eps = alpha ** torch.arange(25, dtype=F64)
    kernel = torch.stack([torch.cat([eps[: t + 1].flip(0), torch.zeros(24 - t, dtype=F64)]) for t in range(25)])
    expected = torch.einsum("tk,bkn->btn", kernel, s)
    a = respond(s, alpha=alpha)
    torch.testing.assert_close(a, expected, rtol=1e-12, atol=1e-12)
    weights = torch.randn(2, 25, 3, generator=gen, dtype=F64)
    (g,) = torch.autograd.grad((a * weights).sum(), s)
    (g_ref,) = torch.autograd.grad((expected * weights).sum(), s)
    torch.testing.assert_close(g, g_ref, rtol=1e-12, atol=1e-12)


def test_layers_flatten_features_and_filter_when_asked():
    gen = torch.Generator().manual_seed(3)
    z = 0.6 * torch.rand(2, 20, 3, 4, 4, generator=gen, dtype=F64)
    layer = LIF.from_tau(10.0, respond=True)
    assert layer.alpha == pytest.approx(math.exp(-0.1))
    flat = lif(z.reshape(2, 20, -1), alpha=layer.alpha, surrogate=layer.surrogate)
    torch.testing.assert_close(layer(z), respond(flat, alpha=layer.alpha).reshape(z.shape))
    torch.testing.assert_close(IF()(z), lif(z.reshape(2, 20, -1), alpha=1.0, surrogate=single_exponential())
                               .reshape(z.shape))
    conv = torch.nn.Conv2d(3, 2, 3).to(F64)
    torch.testing.assert_close(PerStep(conv)(z)[:, 7], conv(z[:, 7]))


def test_simulate_gives_the_forward_of_lif():
    gen = torch.Generator().manual_seed(4)
    z = 0.3 * torch.rand(2, 40, 5, generator=gen, dtype=F64)
    u, s = simulate(z, alpha=0.9, threshold=0.7)
    assert torch.equal(s, lif(z, alpha=0.9, threshold=0.7, surrogate=single_exponential()))
    u_prev = torch.cat([torch.zeros_like(u[:, :1]), u[:, :-1]], 1)
    s_prev = torch.cat([torch.zeros_like(s[:, :1]), s[:, :-1]], 1)
    torch.testing.assert_close(u, 0.9 * u_prev + z - 0.7 * s_prev, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("task, batch, steps", [("shd", 3, 40), ("dvs_gesture", 1, 12)])
def test_table2_networks_exodus_weight_gradients_equal_bptt(task, batch, steps):
    """Every weight's gradient through the whole stack: EXODUS equals BPTT in float64, SLAYER does not."""
    row = TABLE2[task]
    gen = torch.Generator().manual_seed(5)
    x = (torch.rand(batch, steps, *row.inputs, generator=gen) < 0.3).to(F64)
    labels = torch.randint(row.classes, (batch,), generator=gen)
    grads = {}
    for backward in ("bptt", "exodus", "slayer"):
        torch.manual_seed(0)
        net = network(task, backward=backward, hidden=16).to(F64)
        with torch.no_grad():  # drive the layers hard enough to spike
            for p in net.parameters():
                p.mul_(4.0)
        loss = loss_over_time(net(x), labels, row.readout)
        grads[backward] = torch.autograd.grad(loss, list(net.parameters()))
    for exact, reference in zip(grads["exodus"], grads["bptt"]):
        assert reference.abs().max() > 0
        torch.testing.assert_close(exact, reference, rtol=1e-9, atol=1e-12 * reference.abs().max().item())
    first = 0  # the input layer's weights feel the reset of every layer above
    assert not torch.allclose(grads["slayer"][first], grads["bptt"][first], rtol=1e-3)


def test_loss_over_time_reads_the_max_or_the_sum():
    out = torch.randn(4, 9, 5, dtype=F64)
    labels = torch.tensor([0, 4, 2, 2])
    ce = torch.nn.functional.cross_entropy
    torch.testing.assert_close(loss_over_time(out, labels, "max"), ce(out.max(1).values, labels))
    torch.testing.assert_close(loss_over_time(out, labels, "sum"), ce(out.sum(1), labels))


@pytest.mark.parametrize("make, message", [
    (lambda: LIF(1.5), "alpha must be a number in \\(0, 1\\]"),
    (lambda: LIF(torch.tensor(0.9)), "alpha must be a number; for one alpha per neuron"),
    (lambda: IF(threshold=0.0), "threshold must be a positive number"),
    (lambda: IF(backward="slayr"), "backward must be one of"),
    (lambda: LIF.from_tau(-3.0), "tau and dt must be positive"),
    (lambda: IF()(torch.zeros(3, 4)), "input must have shape \\(B, T, \\*features\\)"),
    (lambda: single_exponential(scale=0.0), "scale must be a positive number"),
    (lambda: network("nmnist"), "task must be one of"),
    (lambda: loss_over_time(torch.zeros(1, 2, 3), torch.zeros(1, dtype=torch.long), "mean"), "kind must be"),
    (lambda: network("shd", hidden=0), "hidden must be a positive integer"),
    (lambda: lif(torch.full((2, 3, 4), float("nan")), alpha=0.9, surrogate=single_exponential()),
     "z contains NaN or infinite values"),
    (lambda: lif(torch.zeros(2, 3, 4), alpha=torch.full((3,), 0.9), surrogate=single_exponential()),
     "broadcasting to \\(B, N\\)"),
    (lambda: lif(torch.zeros(2, 3, 4), alpha=torch.full((4,), 0.9, requires_grad=True),
                 surrogate=single_exponential()), "alpha is not trained here"),
    (lambda: lif(torch.zeros(2, 3, 4), alpha=torch.tensor([0.9, 0.0, 1.0, 1.0]), surrogate=single_exponential()),
     "values outside \\(0, 1\\]"),
    (lambda: respond(torch.zeros(2, 3), alpha=0.9), "s must be a floating-point tensor of shape \\(B, T, N\\)"),
    (lambda: simulate(torch.zeros(2, 3, 4), alpha=0.9, threshold=-1.0), "threshold must be a positive number"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_surrogate_dampening_is_the_gradient_scale_for_every_backward():
    """The gradient scale multiplies the SLAYER gradient exactly (it is linear in sigma); EXODUS's is not."""
    gen = torch.Generator().manual_seed(6)
    z = 0.1 * torch.rand(2, 50, 4, generator=gen, dtype=F64)
    weights = torch.randn(2, 50, 4, generator=gen, dtype=F64)

    def grad(backward, scale):
        zz = z.clone().requires_grad_()
        s = lif(zz, alpha=1.0, surrogate=surrogate.get("exponential", dampening=scale), backward=backward)
        return torch.autograd.grad((s * weights).sum(), zz)[0]

    torch.testing.assert_close(grad("slayer", 0.3), 0.3 * grad("slayer", 1.0), rtol=1e-12, atol=1e-12)
    assert not torch.allclose(grad("exodus", 0.3), 0.3 * grad("exodus", 1.0), rtol=1e-3)
