"""Recurrent LIF networks with exponential synapses: forward model, closed-form surrogate Jacobians, ensembles."""
import math

import pytest
import torch
from conftest import AutodiffOnly

from stablegrad import lyapunov_spectrum
from stablegrad.models.lif import LIFNetwork
from stablegrad.tangent import autodiff_jacobian, random_orthonormal

F64 = torch.float64


def spiking_state(model, *batch, generator=None):
    """A state in which some neurons spike (U above threshold), some sit just below or above it, and the
    rest are far from it; currents of order one."""
    R, N = model.ensemble, model.n_hidden
    U = torch.randn(R, *batch, N, dtype=F64, generator=generator) * 0.8 + 0.6
    near = torch.rand(R, *batch, N, dtype=F64, generator=generator) < 0.3
    jitter = (torch.rand(R, *batch, N, dtype=F64, generator=generator) - 0.5) * 0.1
    U = torch.where(near, model.threshold + jitter, U)
    I = torch.randn(R, *batch, N, dtype=F64, generator=generator)
    return torch.cat([U, I], -1)


def poisson(T, *shape, p=0.3, generator=None):
    return (torch.rand(T, *shape, dtype=F64, generator=generator) < p).to(F64)


@pytest.mark.parametrize("reset", [True, False])
def test_jacobian_equals_autodiff_for_an_ensemble_with_batch_dims(reset):
    model = LIFNetwork(7, 3, ensemble=3, rec_std=1.5, sharpness=2.0, reset_in_backward=reset, dtype=F64)
    h = spiking_state(model, 2, 4)
    x = poisson(1, 3, 2, 4, 3)[0]
    U = h[..., :7]
    assert (U > model.threshold).any() and (U <= model.threshold).any()
    assert ((U - model.threshold).abs() < 0.05).any()
    analytic = model.jacobian(h, x)
    assert analytic.shape == (3, 2, 4, 14, 14)
    # forward mode, as lyapunov_spectrum's fallback uses it
    torch.testing.assert_close(analytic, autodiff_jacobian(model, h, x), atol=1e-12, rtol=0)
    # reverse mode, as training uses it; and trajectories do not touch each other
    full = torch.func.jacrev(lambda v: model.step(v, x))(h).detach().reshape(24, 14, 24, 14).clone()
    own = torch.stack([full[m, :, m, :] for m in range(24)]).reshape(3, 2, 4, 14, 14)
    torch.testing.assert_close(analytic, own, atol=1e-12, rtol=0)
    full[range(24), :, range(24), :] = 0
    assert not full.any()


def test_jacobian_without_reset_is_eqs_11_to_14():
    """Built entry by entry from the paper's eqs 11-14 with phi'_g(x) = 1/(g|x|+1)^2, g = 2 sharpness."""
    g = 10.0
    model = LIFNetwork(5, 2, ensemble=2, rec_std=1.2, sharpness=g / 2, reset_in_backward=False, dtype=F64)
    h, x = spiking_state(model, 3), poisson(1, 2, 3, 2)[0]
    beta, alpha = math.exp(-2 / 10), math.exp(-2 / 5)
    J = model.jacobian(h, x)
    expected = torch.zeros_like(J)
    for r in range(2):
        for b in range(3):
            U = h[r, b, :5]
            dphi = 1 / (g * (U - 1.0).abs() + 1) ** 2
            for i in range(5):
                for j in range(5):
                    delta = float(i == j)
                    expected[r, b, i, j] = beta * delta + model.W[r, i, j] * dphi[j]  # eq 11
                    expected[r, b, i, 5 + j] = alpha * delta  # eq 12
                    expected[r, b, 5 + i, j] = model.W[r, i, j] * dphi[j]  # eq 13
                    expected[r, b, 5 + i, 5 + j] = alpha * delta  # eq 14
    torch.testing.assert_close(J.detach(), expected.detach(), atol=1e-14, rtol=0)


def test_reset_changes_exactly_the_rows_it_should():
    """Reset included: rows of spiking neurons lose beta 1 + W diag(phi') and the U->I block; every row of
    dU'/dU gains the diagonal term -P phi'; the current rows do not change."""
    kwargs = dict(ensemble=2, rec_std=1.2, sharpness=1.0, generator=torch.Generator().manual_seed(1), dtype=F64)
    with_reset = LIFNetwork(6, 2, reset_in_backward=True, **kwargs)
    kwargs["generator"] = torch.Generator().manual_seed(1)
    without = LIFNetwork(6, 2, reset_in_backward=False, **kwargs)
    assert torch.equal(with_reset.W, without.W)
    h, x = spiking_state(with_reset, 3), poisson(1, 2, 3, 2)[0]
    A, B = with_reset.jacobian(h, x), without.jacobian(h, x)
    torch.testing.assert_close(A[..., 6:, :], B[..., 6:, :], atol=0, rtol=0)
    S = (h[..., :6] > 1.0).to(F64)
    off = ~torch.eye(6, dtype=torch.bool)
    torch.testing.assert_close(A[..., :6, :6][..., off], ((1 - S).unsqueeze(-1) * B[..., :6, :6])[..., off])
    assert (A[..., :6, :6].diagonal(dim1=-2, dim2=-1) != B[..., :6, :6].diagonal(dim1=-2, dim2=-1)).any()


@pytest.mark.parametrize("reset", [True, False])
def test_spectrum_through_analytic_jacobian_equals_autodiff(reset):
    model = LIFNetwork(6, 4, ensemble=2, rec_std=1.0, in_std=1.5, sharpness=1.5, reset_in_backward=reset,
                       dtype=F64)
    h0 = spiking_state(model, 3)
    x = poisson(60, 2, 3, 4)
    Q0 = random_orthonormal(2, 3, 12, 5, dtype=F64)
    analytic = lyapunov_spectrum(model, h0, x, k=5, Q0=Q0)
    autodiff = lyapunov_spectrum(AutodiffOnly(model), h0, x, k=5, Q0=Q0)
    torch.testing.assert_close(analytic.running, autodiff.running, atol=1e-12, rtol=0)
    torch.testing.assert_close(analytic.state, autodiff.state, atol=1e-12, rtol=0)


def test_forward_is_the_same_in_both_reset_modes_and_spikes_reset():
    kwargs = dict(ensemble=2, rec_std=1.0, in_std=2.0, dtype=F64)
    a = LIFNetwork(8, 5, reset_in_backward=True, generator=torch.Generator().manual_seed(2), **kwargs)
    b = LIFNetwork(8, 5, reset_in_backward=False, generator=torch.Generator().manual_seed(2), **kwargs)
    x = poisson(200, 2, 3, 5, p=0.2, generator=torch.Generator().manual_seed(3))
    ha = hb = a.initial_state(3)
    spiked = 0
    for x_t in x:
        S = a.spikes(ha)
        assert torch.equal(S, b.spikes(hb))
        assert set(S.unique().tolist()) <= {0.0, 1.0}
        assert torch.equal(S, (ha[..., :8] > 1.0).to(F64))
        ha, hb = a.step(ha, x_t), b.step(hb, x_t)
        assert torch.equal(ha, hb)
        assert (ha[..., :8][S.bool()] == 0).all()  # a neuron that spiked is reset at the next step
        spiked += int(S.sum())
    assert spiked > 50  # the checks above saw spikes
    assert torch.equal(a.hidden(ha), a.spikes(ha))


def test_step_follows_the_model_equations():
    model = LIFNetwork(4, 3, ensemble=2, rec_std=1.0, dtype=F64)
    h, x = spiking_state(model, 5), poisson(1, 2, 5, 3)[0]
    U, I = h[..., :4], h[..., 4:]
    S = (U > 1.0).to(F64)
    I_next = math.exp(-0.4) * I + torch.einsum("rij,rbj->rbi", model.W, S) + torch.einsum("rij,rbj->rbi", model.V, x)
    U_next = (math.exp(-0.2) * U + I_next) * (1 - S)
    torch.testing.assert_close(model.step(h, x), torch.cat([U_next, I_next], -1), atol=1e-14, rtol=0)
    torch.testing.assert_close(model.step(h, None), model.step(h, torch.zeros_like(x)), atol=0, rtol=0)


def test_ensemble_members_are_stand_alone_networks():
    model = LIFNetwork(6, 3, ensemble=3, rec_std=1.0, in_std=1.5, dtype=F64)
    h, x = spiking_state(model, 4), poisson(1, 3, 4, 3)[0]
    together, J = model.step(h, x), model.jacobian(h, x)
    for r in range(3):
        single = model.member(r)
        assert single.ensemble == 1 and single.reset_in_backward == model.reset_in_backward
        torch.testing.assert_close(single.step(h[r : r + 1], x[r : r + 1])[0], together[r], atol=0, rtol=0)
        torch.testing.assert_close(single.jacobian(h[r : r + 1], x[r : r + 1])[0], J[r], atol=0, rtol=0)
    assert not torch.equal(together[0], together[1])
    # one input stream shared by the ensemble broadcasts
    torch.testing.assert_close(model.step(h, x[:1]), model.step(h, x[:1].expand(3, 4, 3)), atol=0, rtol=0)


def test_spectrum_without_recurrence_is_log_beta_and_log_alpha():
    """W = 0, reset ignored: the Jacobian [[beta 1, alpha 1], [0, alpha 1]] is constant with eigenvalues beta
    and alpha, so the exponents are log beta = -0.2 (N times) then log alpha = -0.4 (N times), whatever the
    input does to the spikes."""
    N = 5
    model = LIFNetwork(N, 3, ensemble=2, in_std=3.0, reset_in_backward=False, dtype=F64)
    with torch.no_grad():
        model.W.zero_()
    x = poisson(400, 2, 1, 3, p=0.5)
    spectrum = lyapunov_spectrum(model, model.initial_state(1), x, transient=300)
    expected = torch.tensor([math.log(model.beta)] * N + [math.log(model.alpha)] * N, dtype=F64)
    assert math.isclose(math.log(model.beta), -0.2) and math.isclose(math.log(model.alpha), -0.4)
    torch.testing.assert_close(spectrum.exponents, expected.expand(2, 1, 2 * N), atol=1e-10, rtol=0)
    assert (spectrum.state[..., :N] == 0).any()  # the input made neurons spike


def test_default_initialisation_is_fluctuation_driven():
    """The documented regime: 64 neurons, 100 Poisson inputs at 20 Hz spike at 1-10 % of the steps."""
    N, n_in, R, T = 64, 100, 4, 600
    generator = torch.Generator().manual_seed(0)
    model = LIFNetwork(N, n_in, ensemble=R, generator=generator, dtype=F64)
    assert torch.allclose(model.W.std(dim=(-2, -1)), torch.full((R,), 0.7 / N**0.5, dtype=F64), rtol=0.05)
    assert torch.allclose(model.V.std(dim=(-2, -1)), torch.full((R,), 0.7 / n_in**0.5, dtype=F64), rtol=0.05)
    x = poisson(T, R, 1, n_in, p=20 * 2e-3, generator=generator)
    h, spikes = model.initial_state(1), []
    with torch.no_grad():
        for x_t in x:
            h = model.step(h, x_t)
            spikes.append(model.spikes(h))
    rate = torch.stack(spikes[100:]).mean(dim=(0, 2, 3))
    assert ((rate > 0.01) & (rate < 0.1)).all(), rate


def test_flossing_gradient_reaches_the_weights():
    model = LIFNetwork(6, 3, ensemble=2, rec_std=1.0, in_std=2.0, dtype=F64)
    x = poisson(40, 2, 1, 3)
    spectrum = lyapunov_spectrum(model, spiking_state(model, 1), x, k=3)
    (spectrum.exponents ** 2).sum().backward()
    for p in (model.W, model.V):
        assert torch.isfinite(p.grad).all() and p.grad.abs().max() > 1e-6


def test_sizes_properties_and_reproducibility():
    model = LIFNetwork(6, 3, ensemble=4, dt=1e-3, tau_mem=20e-3, tau_syn=10e-3, threshold=0.5, sharpness=5.0)
    assert (model.n_hidden, model.n_in, model.ensemble, model.state_size) == (6, 3, 4, 12)
    assert model.beta == pytest.approx(math.exp(-0.05)) and model.alpha == pytest.approx(math.exp(-0.1))
    assert model.sharpness == 5.0 and model.surrogate.name == "fast_sigmoid"
    s0 = model.initial_state(2, 5)
    assert s0.shape == (4, 2, 5, 12) and not s0.any()
    assert model.hidden(s0).shape == (4, 2, 5, 6)
    a = LIFNetwork(5, 2, ensemble=2, generator=torch.Generator().manual_seed(7))
    b = LIFNetwork(5, 2, ensemble=2, generator=torch.Generator().manual_seed(7))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


class TestBadInput:
    model = LIFNetwork(6, 2, ensemble=2)

    @pytest.mark.parametrize("shape", [(2, 6), (3, 12), (12,), (2, 4, 13)])
    def test_state_shape(self, shape):
        expected = r"h \(the state \(U, I\)\) must have shape \(R=2, \*batch, 2N=12\)"
        for method in (self.model.step, self.model.jacobian, self.model.hidden):
            with pytest.raises(ValueError, match=expected):
                method(torch.zeros(shape))

    def test_input_width(self):
        with pytest.raises(ValueError, match="x must have last dimension n_in=2"):
            self.model.step(torch.zeros(2, 3, 12), torch.zeros(2, 3, 5))

    def test_input_batch(self):
        with pytest.raises(ValueError, match=r"x of shape \(2, 4, 2\) does not match h"):
            self.model.jacobian(torch.zeros(2, 3, 12), torch.zeros(2, 4, 2))

    @pytest.mark.parametrize("name", ["n_hidden", "n_in", "ensemble"])
    def test_sizes(self, name):
        kwargs = {"n_hidden": 4, "n_in": 1, "ensemble": 1, name: 0}
        with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
            LIFNetwork(kwargs.pop("n_hidden"), kwargs.pop("n_in"), **kwargs)

    @pytest.mark.parametrize("kwargs", [dict(dt=5e-3), dict(dt=10e-3), dict(dt=20e-3), dict(tau_syn=1e-3)])
    def test_time_step_not_smaller_than_time_constants(self, kwargs):
        with pytest.raises(ValueError, match="dt=.* must be smaller than both time constants"):
            LIFNetwork(4, **kwargs)

    @pytest.mark.parametrize("name", ["dt", "tau_mem", "tau_syn", "threshold", "sharpness"])
    @pytest.mark.parametrize("value", [0.0, -1.0, float("nan")])
    def test_non_positive(self, name, value):
        with pytest.raises(ValueError, match=f"{name} must be a positive number"):
            LIFNetwork(4, **{name: value})

    def test_unknown_surrogate(self):
        with pytest.raises(ValueError, match="surrogate must name a shape .* got 'fast_sigmiod'"):
            LIFNetwork(4, surrogate="fast_sigmiod")

    @pytest.mark.parametrize("name", ["rec_std", "in_std"])
    def test_negative_std(self, name):
        with pytest.raises(ValueError, match=f"{name} must be a finite non-negative number"):
            LIFNetwork(4, **{name: -0.1})

    def test_reset_flag(self):
        with pytest.raises(ValueError, match="reset_in_backward must be True or False"):
            LIFNetwork(4, reset_in_backward="no")

    def test_through_lyapunov_spectrum(self):
        with pytest.raises(ValueError, match="2N=12"):
            lyapunov_spectrum(self.model, torch.zeros(2, 6), torch.zeros(10, 2, 2))
