import pytest
import torch
from conftest import AutodiffOnly, assert_gradients_match_finite_differences

from stablegrad import flossing_loss, lyapunov_spectrum
from stablegrad.models import LSTM
from stablegrad.tangent import random_orthonormal

F64 = torch.float64


def random_state(model, *batch):
    """A state away from the origin: cell states of order one, hidden states inside (-1, 1)."""
    N = model.n_hidden
    c = torch.randn(model.ensemble, *batch, N, dtype=F64)
    h = torch.rand(model.ensemble, *batch, N, dtype=F64) * 1.6 - 0.8
    return torch.cat([c, h], -1)


@pytest.mark.parametrize("driven", [True, False])
def test_jacobian_equals_autodiff_for_an_ensemble_with_batch_dims(driven):
    model = LSTM(5, 2, ensemble=3, g=[0.5, 1.0, 2.0], bias_std=0.7, dtype=F64)
    s = random_state(model, 2, 4)
    x = torch.randn(3, 2, 4, 2, dtype=F64) if driven else None
    full = torch.func.jacrev(lambda v: model.step(v, x))(s)  # (3, 2, 4, 10, 3, 2, 4, 10)
    M, S = 3 * 2 * 4, model.state_size
    full = full.detach().reshape(M, S, M, S)
    own = torch.stack([full[m, :, m, :] for m in range(M)]).reshape(3, 2, 4, S, S)
    analytic = model.jacobian(s, x)
    assert analytic.shape == (3, 2, 4, S, S)
    assert torch.allclose(analytic, own, atol=1e-12, rtol=0)
    # trajectories (ensemble members and batch entries) do not touch each other
    off_diagonal = full.clone()
    off_diagonal[range(M), :, range(M), :] = 0
    assert not off_diagonal.any()


def test_jacobian_blocks_are_not_trivial():
    """Guards the comparison above: every block of the Jacobian carries signal."""
    model = LSTM(4, 1, g=1.5, bias_std=0.5, dtype=F64)
    J = model.jacobian(random_state(model, 3), torch.randn(1, 3, 1, dtype=F64))
    for rows in (slice(0, 4), slice(4, 8)):
        for cols in (slice(0, 4), slice(4, 8)):
            assert J[..., rows, cols].abs().max() > 1e-3


@pytest.mark.parametrize("driven", [True, False])
def test_spectrum_through_analytic_jacobian_equals_autodiff(driven):
    model = LSTM(6, 2, ensemble=2, g=[1.0, 3.0], bias_std=0.5, dtype=F64)
    h0 = random_state(model, 3)
    x = torch.randn(40, 2, 3, 2, dtype=F64) if driven else None
    steps = None if driven else 40
    Q0 = random_orthonormal(2, 3, 12, 5, dtype=F64)
    analytic = lyapunov_spectrum(model, h0, x, steps=steps, k=5, Q0=Q0)
    autodiff = lyapunov_spectrum(AutodiffOnly(model), h0, x, steps=steps, k=5, Q0=Q0)
    assert torch.allclose(analytic.running, autodiff.running, atol=1e-12, rtol=0)
    assert torch.allclose(analytic.state, autodiff.state, atol=1e-12, rtol=0)


def test_step_equals_torch_lstm_cell():
    """Independent check: torch.nn.LSTMCell stacks its chunks as (i, f, g, o) = our GATES (i, f, c, o)."""
    assert LSTM.GATES == ("i", "f", "c", "o")
    R, N, n_in, B = 3, 7, 2, 5
    model = LSTM(N, n_in, ensemble=R, g=1.3, bias_std=0.8, dtype=F64)
    s, x = random_state(model, B), torch.randn(R, B, n_in, dtype=F64)
    ours = model.step(s, x)
    for r in range(R):
        cell = torch.nn.LSTMCell(n_in, N, dtype=F64)
        order = [LSTM.GATES.index(gate) for gate in ("i", "f", "c", "o")]  # torch chunk -> our gate
        with torch.no_grad():
            cell.weight_hh.copy_(torch.cat([model.W[r, g] for g in order]))
            cell.weight_ih.copy_(torch.cat([model.U[r, g] for g in order]))
            cell.bias_ih.copy_(torch.cat([model.b[r, g] for g in order]))
            cell.bias_hh.zero_()
            h_next, c_next = cell(x[r], (s[r, :, N:], s[r, :, :N]))
        assert torch.allclose(ours[r, :, :N], c_next, atol=1e-14, rtol=0)
        assert torch.allclose(ours[r, :, N:], h_next, atol=1e-14, rtol=0)
        assert torch.allclose(model.hidden(ours)[r], h_next, atol=1e-14, rtol=0)


def test_no_input_equals_zero_input():
    model = LSTM(4, 3, ensemble=2, bias_std=0.3, dtype=F64)
    s = random_state(model, 2)
    assert torch.equal(model.step(s, None), model.step(s, torch.zeros(2, 2, 3, dtype=F64)))


def test_ensemble_spectrum_equals_separate_members():
    model = LSTM(6, 2, ensemble=3, g=[0.5, 1.5, 3.0], bias_std=0.4, dtype=F64)
    h0 = random_state(model, 2)
    x = torch.randn(40, 3, 2, 2, dtype=F64)
    Q0 = random_orthonormal(3, 2, 12, 12, dtype=F64)
    together = lyapunov_spectrum(model, h0, x, transient=10, Q0=Q0)
    for i in range(3):
        single = model.member(i)
        assert single.ensemble == 1
        assert all(torch.equal(p[0], q[i]) for p, q in zip(single.parameters(), model.parameters()))
        alone = lyapunov_spectrum(single, h0[i : i + 1], x[:, i : i + 1], transient=10, Q0=Q0[i : i + 1])
        assert torch.allclose(together.exponents[i], alone.exponents[0], atol=1e-12, rtol=0)
    # the members differ, so the comparison above could tell them apart
    assert (together.exponents[0] - together.exponents[2]).abs().max() > 1e-2


def _flossing_objective(model, h0, x, Q0):
    return flossing_loss(lyapunov_spectrum(model, h0, x, k=3, Q0=Q0), 3).sum()


def test_flossing_gradient_matches_finite_differences():
    model = LSTM(5, 2, ensemble=2, g=[1.0, 2.5], bias_std=0.5, dtype=F64)
    h0, x = random_state(model, 1), torch.randn(25, 2, 1, 2, dtype=F64)
    Q0 = random_orthonormal(2, 1, 10, 3, dtype=F64)
    params = [model.W, model.U, model.b]
    grads = assert_gradients_match_finite_differences(lambda: _flossing_objective(model, h0, x, Q0), params,
                                                      atol=1e-12)
    assert all(grad.abs().max() > 1e-6 for grad in grads)


def test_initialisation_statistics():
    N, n_in = 150, 4
    g = torch.tensor([[0.5, 1.0, 1.5, 2.0], [0.2, 0.2, 0.2, 3.0]])
    model = LSTM(N, n_in, ensemble=2, g=g, input_g=[1.0, 2.0], bias_std=0.5, dtype=F64,
                 generator=torch.Generator().manual_seed(3))
    assert model.W.shape == (2, 4, N, N) and model.U.shape == (2, 4, N, n_in) and model.b.shape == (2, 4, N)
    W_std = model.W.std(dim=(-2, -1))
    assert torch.allclose(W_std, g.to(F64) / N**0.5, rtol=0.02)
    assert model.W.mean().abs() < 3 * 3.0 / N**0.5 / N
    U_std = model.U.std(dim=(1, 2, 3))
    assert torch.allclose(U_std, torch.tensor([1.0, 2.0], dtype=F64) / n_in**0.5, rtol=0.05)
    assert torch.allclose(model.b.std(dim=(1, 2)), torch.full((2,), 0.5, dtype=F64), rtol=0.05)
    assert torch.equal(LSTM(N, ensemble=2).b, torch.zeros(2, 4, N))  # paper: biases start at zero


def test_sizes_and_initial_state():
    model = LSTM(6, 3, ensemble=4)
    assert (model.n_hidden, model.n_in, model.ensemble, model.state_size) == (6, 3, 4, 12)
    s0 = model.initial_state(2, 5)
    assert s0.shape == (4, 2, 5, 12) and not s0.any()
    assert model.hidden(s0).shape == (4, 2, 5, 6)


def test_generator_makes_networks_reproducible():
    a = LSTM(5, 2, ensemble=2, bias_std=0.1, generator=torch.Generator().manual_seed(7))
    b = LSTM(5, 2, ensemble=2, bias_std=0.1, generator=torch.Generator().manual_seed(7))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


class TestBadInput:
    model = LSTM(6, 2, ensemble=2)

    @pytest.mark.parametrize("shape", [(2, 6), (3, 12), (12,), (2, 4, 13)])
    def test_state_shape(self, shape):
        expected = r"h \(the state \(c, h\)\) must have shape \(R=2, \*batch, 2N=12\)"
        with pytest.raises(ValueError, match=expected):
            self.model.step(torch.zeros(shape))
        with pytest.raises(ValueError, match="h "):
            self.model.jacobian(torch.zeros(shape))
        with pytest.raises(ValueError, match="h "):
            self.model.hidden(torch.zeros(shape))

    def test_input_width(self):
        with pytest.raises(ValueError, match="x must have last dimension n_in=2"):
            self.model.step(torch.zeros(2, 3, 12), torch.zeros(2, 3, 5))

    def test_input_batch(self):
        with pytest.raises(ValueError, match="x of shape \\(2, 4, 2\\) does not match h"):
            self.model.jacobian(torch.zeros(2, 3, 12), torch.zeros(2, 4, 2))

    def test_through_lyapunov_spectrum(self):
        with pytest.raises(ValueError, match="2N=12"):
            lyapunov_spectrum(self.model, torch.zeros(2, 6), torch.zeros(10, 2, 2))

    @pytest.mark.parametrize("name", ["n_hidden", "n_in", "ensemble"])
    def test_sizes(self, name):
        kwargs = {"n_hidden": 4, "n_in": 1, "ensemble": 1, name: 0}
        with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
            LSTM(kwargs.pop("n_hidden"), kwargs.pop("n_in"), **kwargs)

    @pytest.mark.parametrize("name", ["g", "input_g", "bias_std"])
    def test_scale_shape(self, name):
        with pytest.raises(ValueError, match=f"{name} must be a scalar, have length ensemble=2"):
            LSTM(4, ensemble=2, **{name: [1.0, 1.0, 1.0]})

    @pytest.mark.parametrize("name", ["g", "input_g", "bias_std"])
    def test_negative_scale(self, name):
        with pytest.raises(ValueError, match=f"{name} must be finite and non-negative"):
            LSTM(4, **{name: -0.1})

    @pytest.mark.parametrize("i", [-1, 2, 1.0])
    def test_member_index(self, i):
        with pytest.raises(ValueError, match="i must be an integer in \\[0, ensemble=2\\)"):
            self.model.member(i)
