"""Binary recurrent networks: binary forward pass, surrogate backward pass, analytic surrogate Jacobian."""
import pytest
import torch

from stablegrad import flossing_loss, lyapunov_spectrum
from stablegrad.models import BinaryRNN
from stablegrad.tangent import autodiff_jacobian

from conftest import assert_gradients_match_finite_differences


def _network(R=3, N=10, n_in=2, g=(0.5, 2.0, 10.0)):
    gen = torch.Generator().manual_seed(0)
    return BinaryRNN(N, n_in, ensemble=R, g=torch.tensor(g), generator=gen, dtype=torch.float64)


def test_forward_is_binary_and_backward_uses_the_surrogate():
    model = _network()
    gen = torch.Generator().manual_seed(1)
    h = torch.randn(3, 4, 10, generator=gen, dtype=torch.float64).requires_grad_()
    x = torch.randn(3, 4, 2, generator=gen, dtype=torch.float64)
    out = model.step(h, x)
    expected = torch.einsum("rij,rbj->rbi", model.W, torch.sign(h)) + torch.einsum("rij,rbj->rbi", model.V, x)
    assert torch.equal(out.detach(), expected.detach())
    cotangent = torch.randn_like(out)
    (grad,) = torch.autograd.grad(out, h, cotangent)
    slope = 1 / torch.cosh(model.g.view(3, 1, 1) * h) ** 2
    torch.testing.assert_close(grad, torch.einsum("rij,rbi->rbj", model.W, cotangent) * slope, rtol=1e-12, atol=1e-12)
    assert set(model.hidden(h).detach().unique().tolist()) <= {-1.0, 0.0, 1.0}


def test_analytic_surrogate_jacobian_equals_autodiff():
    model = _network()
    gen = torch.Generator().manual_seed(2)
    h = torch.randn(3, 5, 10, generator=gen, dtype=torch.float64)
    x = torch.randn(3, 5, 2, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(model.jacobian(h, x), autodiff_jacobian(model, h, x), rtol=1e-12, atol=1e-14)


def test_task_loss_leaves_g_alone_and_flossing_moves_it_with_the_exact_gradient():
    model = _network(g=(0.5, 1.0, 3.0))  # sharper surrogates make the QR too ill-conditioned for differences
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(40, 3, 1, 2, generator=gen, dtype=torch.float64)
    h = model.initial_state(1)
    for x_t in x:
        h = model.step(h, x_t)
    (g_grad,) = torch.autograd.grad(model.hidden(h).sum() + h.sum(), model.g, allow_unused=True)
    assert g_grad is None or torch.count_nonzero(g_grad) == 0

    Q0 = torch.linalg.qr(torch.randn(3, 1, 10, 4, generator=gen, dtype=torch.float64))[0]

    def objective():
        spectrum = lyapunov_spectrum(model, model.initial_state(1), x, k=4, Q0=Q0)
        return flossing_loss(spectrum).sum()

    (grad,) = assert_gradients_match_finite_differences(objective, [model.g])
    assert (grad != 0).all()


def test_ensemble_member_equals_a_network_alone():
    model = _network()
    x = torch.randn(30, 3, 2, 2, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    together = lyapunov_spectrum(model, model.initial_state(2), x, k=5, Q0=torch.eye(10, 5, dtype=torch.float64)
                                 .expand(3, 2, 10, 5))
    alone = lyapunov_spectrum(model.member(1), model.member(1).initial_state(2), x[:, 1:2], k=5,
                              Q0=torch.eye(10, 5, dtype=torch.float64).expand(1, 2, 10, 5))
    torch.testing.assert_close(together.exponents[1:2], alone.exponents, rtol=1e-12, atol=1e-12)


def test_sharper_surrogates_give_more_negative_exponents():
    """Jacobians W diag(sech^2(g h)) shrink pointwise as g grows, so every exponent falls."""
    gen = torch.Generator().manual_seed(5)
    model = BinaryRNN(40, 1, ensemble=3, g=torch.tensor([0.3, 1.0, 5.0]), generator=gen, dtype=torch.float64)
    with torch.no_grad():
        model.W.copy_(model.W[:1].expand(3, 40, 40))
        model.V.copy_(model.V[:1].expand(3, 40, 1))
    x = (torch.rand(400, 1, 1, 1, generator=gen, dtype=torch.float64) < 0.5).double()
    exponents = lyapunov_spectrum(model, model.initial_state(1), x, k=10, transient=50, generator=gen).exponents
    assert (exponents[0] > exponents[1]).all() and (exponents[1] > exponents[2]).all()


@pytest.mark.parametrize("g", [0.0, -1.0, float("nan"), (1.0, 2.0)])
def test_bad_sharpness_is_rejected(g):
    with pytest.raises(ValueError, match="g must be positive"):
        BinaryRNN(5, 1, ensemble=3, g=g)


def test_bad_state_shape_is_rejected():
    with pytest.raises(ValueError, match=r"h must have shape \(R=1, \*batch, N=5\)"):
        BinaryRNN(5).step(torch.zeros(1, 4))
