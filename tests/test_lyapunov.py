import math

import pytest
import torch
from conftest import AutodiffOnly, Henon, Linear

from stablegrad import VanillaRNN, lyapunov_spectrum
from stablegrad.tangent import random_orthonormal

F64 = torch.float64


def diagonalisable(eigenvalues):
    P = torch.randn(len(eigenvalues), len(eigenvalues), dtype=F64)
    return P @ torch.diag(torch.tensor(eigenvalues, dtype=F64)) @ torch.linalg.inv(P)


@pytest.mark.parametrize("t_ons", [1, 3])
def test_linear_map_exponents_are_log_abs_eigenvalues(t_ons):
    eigenvalues = [0.9, -0.7, 0.5, 0.3, -0.2]
    A = diagonalisable(eigenvalues)
    spectrum = lyapunov_spectrum(Linear(A), torch.randn(5, dtype=F64), steps=400, transient=200, t_ons=t_ons)
    expected = torch.tensor(sorted(math.log(abs(e)) for e in eigenvalues)[::-1], dtype=F64)
    assert torch.allclose(spectrum.exponents, expected, atol=1e-6, rtol=0)


def test_henon_map_through_autodiff():
    spectrum = lyapunov_spectrum(Henon(), torch.tensor([0.1, 0.1], dtype=F64), steps=10_000, transient=100)
    l1, l2 = spectrum.exponents.tolist()
    assert abs(l1 - 0.419) < 5e-3
    assert abs(l2 - (-1.623)) < 5e-3
    # the Jacobian determinant is -b everywhere, so the exponents sum to log b exactly
    assert abs(l1 + l2 - math.log(0.3)) < 1e-10


def test_autodiff_path_equals_analytic_jacobian():
    model = VanillaRNN(12, 2, ensemble=2, dtype=F64)
    h0 = torch.randn(2, 3, 12, dtype=F64)
    x = torch.randn(40, 2, 3, 2, dtype=F64)
    Q0 = random_orthonormal(2, 3, 12, 5, dtype=F64)
    analytic = lyapunov_spectrum(model, h0, x, k=5, Q0=Q0)
    autodiff = lyapunov_spectrum(AutodiffOnly(model), h0, x, k=5, Q0=Q0)
    assert torch.allclose(analytic.running, autodiff.running, atol=1e-12)


def test_reorthonormalisation_interval_does_not_change_the_spectrum():
    model = VanillaRNN(20, 1, g=1.5, dtype=F64)
    h0 = torch.randn(1, 20, dtype=F64)
    x = torch.randn(600, 1, 1, dtype=F64)
    Q0 = random_orthonormal(1, 20, 6, dtype=F64)
    every_step = lyapunov_spectrum(model, h0, x, k=6, transient=100, Q0=Q0)
    every_fifth = lyapunov_spectrum(model, h0, x, k=6, transient=100, t_ons=5, Q0=Q0)
    assert torch.allclose(every_step.exponents, every_fifth.exponents, atol=1e-10)
    assert every_fifth.steps.tolist() == list(range(5, 501, 5))
    assert every_step.steps.tolist() == list(range(1, 501))


def test_ensemble_equals_separate_runs():
    model = VanillaRNN(16, 2, ensemble=4, g=[0.5, 1.0, 1.5, 2.0], dtype=F64)
    h0 = torch.randn(4, 3, 16, dtype=F64)
    x = torch.randn(80, 4, 3, 2, dtype=F64)
    Q0 = random_orthonormal(4, 3, 16, 16, dtype=F64)
    together = lyapunov_spectrum(model, h0, x, transient=10, Q0=Q0)
    for i in range(4):
        alone = lyapunov_spectrum(model.member(i), h0[i : i + 1], x[:, i : i + 1], transient=10, Q0=Q0[i : i + 1])
        assert torch.allclose(together.exponents[i], alone.exponents[0], atol=1e-12)


def test_result_continues_a_computation():
    model = VanillaRNN(10, 1, dtype=F64)
    h0, x = torch.randn(1, 10, dtype=F64), torch.randn(100, 1, 1, dtype=F64)
    Q0 = random_orthonormal(1, 10, 4, dtype=F64)
    whole = lyapunov_spectrum(model, h0, x, k=4, Q0=Q0)
    first = lyapunov_spectrum(model, h0, x[:60], k=4, Q0=Q0)
    second = lyapunov_spectrum(model, first.state, x[60:], k=4, Q0=first.Q)
    joined = (60 * first.exponents + 40 * second.exponents) / 100
    assert torch.allclose(whole.exponents, joined, atol=1e-12)
    assert torch.allclose(whole.running[-1], whole.exponents)


def test_relu_network_uses_step_derivative():
    model = VanillaRNN(10, 1, nonlinearity="relu", mean=-0.1, dtype=F64)
    h0, x = torch.randn(1, 10, dtype=F64), torch.randn(30, 1, 1, dtype=F64)
    Q0 = random_orthonormal(1, 10, 3, dtype=F64)
    analytic = lyapunov_spectrum(model, h0, x, k=3, Q0=Q0)
    autodiff = lyapunov_spectrum(AutodiffOnly(model), h0, x, k=3, Q0=Q0)
    assert torch.allclose(analytic.exponents, autodiff.exponents, atol=1e-12)


class TestBadInput:
    model = VanillaRNN(6, 2, ensemble=2)
    h0 = torch.zeros(2, 6)
    x = torch.zeros(10, 2, 2)

    @pytest.mark.parametrize("k", [0, 7, -1, 2.5])
    def test_k_out_of_range(self, k):
        with pytest.raises(ValueError, match="k must be"):
            lyapunov_spectrum(self.model, self.h0, self.x, k=k)

    def test_t_ons_below_one(self):
        with pytest.raises(ValueError, match="t_ons"):
            lyapunov_spectrum(self.model, self.h0, self.x, t_ons=0)

    def test_negative_transient(self):
        with pytest.raises(ValueError, match="transient"):
            lyapunov_spectrum(self.model, self.h0, self.x, transient=-1)

    def test_transient_consuming_every_step(self):
        with pytest.raises(ValueError, match="transient=10 leaves no step"):
            lyapunov_spectrum(self.model, self.h0, self.x, transient=10)

    def test_inputs_batch_mismatch(self):
        with pytest.raises(ValueError, match="inputs of shape"):
            lyapunov_spectrum(self.model, self.h0, torch.zeros(10, 3, 2))

    def test_inputs_width_mismatch(self):
        with pytest.raises(ValueError, match="n_in=2"):
            lyapunov_spectrum(self.model, self.h0, torch.zeros(10, 2, 5))

    def test_state_width_mismatch(self):
        with pytest.raises(ValueError, match="N=6"):
            lyapunov_spectrum(self.model, torch.zeros(2, 5), self.x)

    def test_both_inputs_and_steps(self):
        with pytest.raises(ValueError, match="exactly one of inputs"):
            lyapunov_spectrum(self.model, self.h0, self.x, steps=10)

    def test_neither_inputs_nor_steps(self):
        with pytest.raises(ValueError, match="exactly one of inputs"):
            lyapunov_spectrum(self.model, self.h0)

    def test_blow_up_reports_the_step(self):
        explosive = Linear(torch.eye(3) * 1e10)
        with pytest.raises(FloatingPointError, match="non-finite at step 4 "):
            lyapunov_spectrum(explosive, torch.ones(3), steps=20)

    def test_non_finite_initial_state(self):
        with pytest.raises(ValueError, match="h0 contains non-finite"):
            lyapunov_spectrum(self.model, torch.full((2, 6), float("nan")), self.x)

    def test_system_without_step(self):
        with pytest.raises(TypeError, match="step"):
            lyapunov_spectrum(object(), self.h0, self.x)


def test_repeated_ensemble_holds_copies_of_every_member():
    model = VanillaRNN(8, 1, ensemble=2, g=[0.7, 1.4], bias=0.1, dtype=F64)
    h0, x = torch.randn(2, 1, 8, dtype=F64), torch.randn(50, 2, 1, 1, dtype=F64)
    Q0 = random_orthonormal(2, 1, 8, 3, dtype=F64)
    once = lyapunov_spectrum(model, h0, x, k=3, Q0=Q0).exponents
    thrice = lyapunov_spectrum(model.repeated(3), h0.repeat(3, 1, 1), x.repeat(1, 3, 1, 1), k=3,
                               Q0=Q0.repeat(3, 1, 1, 1)).exponents
    assert torch.equal(thrice, once.repeat(3, 1, 1))
    with pytest.raises(ValueError, match="times must be a positive integer"):
        model.repeated(0)
