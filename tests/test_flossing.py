import pytest
import torch
from conftest import AutodiffOnly, assert_gradients_match_finite_differences

from stablegrad import VanillaRNN, floss, flossing_loss, lyapunov_spectrum
from stablegrad.flossing import FlossingError
from stablegrad.tangent import random_orthonormal

F64 = torch.float64


def test_loss_is_mean_squared_distance_to_target():
    exponents = torch.tensor([[0.3, -0.1, -2.0], [0.0, -0.5, -1.0]])
    loss = flossing_loss(exponents, k=2, target=torch.tensor([[0.0], [-0.5]]))
    assert torch.allclose(loss, torch.tensor([(0.09 + 0.01) / 2, (0.25 + 0.0) / 2]))


@pytest.mark.parametrize("k", [0, 4])
def test_loss_rejects_bad_k(k):
    with pytest.raises(ValueError, match="k must be integers in \\[1, 3\\]"):
        flossing_loss(torch.zeros(2, 3), k=k)


def _flossing_objective(model, h0, x, Q0):
    return flossing_loss(lyapunov_spectrum(model, h0, x, k=3, Q0=Q0), 3).sum()


def test_flossing_gradient_matches_finite_differences():
    model = VanillaRNN(6, 2, g=1.2, dtype=F64)
    h0, x = torch.randn(1, 6, dtype=F64), torch.randn(25, 1, 2, dtype=F64)
    Q0 = random_orthonormal(1, 6, 3, dtype=F64)
    assert_gradients_match_finite_differences(lambda: _flossing_objective(model, h0, x, Q0), [model.W, model.V])


def test_flossing_gradient_through_autodiff_jacobian_equals_analytic():
    model = VanillaRNN(6, 2, g=1.2, dtype=F64)
    h0, x = torch.randn(1, 6, dtype=F64), torch.randn(25, 1, 2, dtype=F64)
    Q0 = random_orthonormal(1, 6, 3, dtype=F64)
    analytic = torch.autograd.grad(_flossing_objective(model, h0, x, Q0), [model.W, model.V])
    autodiff = torch.autograd.grad(_flossing_objective(AutodiffOnly(model), h0, x, Q0), [model.W, model.V])
    for a, b in zip(analytic, autodiff):
        assert torch.allclose(a, b, atol=1e-12)


def test_floss_moves_the_leading_exponent_to_each_members_target():
    torch.manual_seed(1)
    targets = torch.tensor([-1.0, 0.0])
    model = VanillaRNN(16, 1, ensemble=2, g=0.8)

    def leading_exponent():  # a long, independent estimate
        with torch.no_grad():
            x = torch.randn(2000, 2, 1, 1)
            return lyapunov_spectrum(model, model.initial_state(1), x, k=1, transient=100).exponents[:, 0, 0]

    before = leading_exponent()
    history = floss(model, lambda epoch: torch.randn(100, 2, 1, 1), k=1, epochs=150,
                    target=targets.view(2, 1, 1), lr=0.01, transient=50, progress=False)
    after = leading_exponent()
    assert ((before - targets).abs() > 0.3).all(), before
    assert ((after - targets).abs() < 0.15).all(), after
    assert history.loss.shape == (150, 2, 1)


def test_floss_of_an_ensemble_equals_separate_runs():
    model = VanillaRNN(8, 1, ensemble=3, g=[0.5, 1.0, 1.5], dtype=F64)
    x = torch.randn(30, 3, 2, 1, dtype=F64)
    Q0 = random_orthonormal(3, 2, 8, 4, dtype=F64)
    singles = [model.member(i) for i in range(3)]
    together = floss(model, x, k=4, epochs=5, lr=0.01, Q0=Q0, progress=False)
    for i, single in enumerate(singles):
        alone = floss(single, x[:, i : i + 1], k=4, epochs=5, lr=0.01, Q0=Q0[i : i + 1], progress=False)
        assert torch.allclose(together.exponents[:, i], alone.exponents[:, 0], atol=1e-10)
        assert torch.allclose(model.W[i], single.W[0], atol=1e-10)


def test_floss_rejects_bad_epochs():
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        floss(VanillaRNN(4), torch.zeros(5, 1, 1), k=1, epochs=0)


def test_floss_reports_divergence():
    model = VanillaRNN(4, 1, nonlinearity="relu", g=0.01)
    with torch.no_grad():
        model.W.zero_()  # every direction collapses: exponents are -inf
    with pytest.raises(FloatingPointError, match="non-finite at epoch 0"):
        floss(model, torch.ones(5, 1, 1), k=2, epochs=3, progress=False)


def test_floss_stops_before_a_step_with_an_undefined_gradient():
    """A ReLU network silenced during the transient: the exponents stay finite, their gradient does not."""
    model = VanillaRNN(4, 1, nonlinearity="relu", g=0.5, dtype=F64)
    with torch.no_grad():
        model.V.abs_(), model.W.abs_()  # positive input keeps every unit active
    active = torch.ones(8, 1, 1, 1, dtype=F64)
    silenced = active.clone()
    silenced[0] = -100.0  # every unit below zero after step 1: the tangent map of step 2 is zero
    with pytest.raises(FlossingError, match="gradient became non-finite at epoch 1") as failure:
        floss(model, lambda epoch: active if epoch == 0 else silenced, k=2, epochs=3, transient=3,
              h0=torch.ones(1, 1, 4, dtype=F64), progress=False)  # from h = 0 no ReLU unit would be active
    assert failure.value.epoch == 1 and failure.value.history.exponents.shape == (1, 1, 1, 2)
    assert torch.isfinite(failure.value.history.exponents).all()
    assert all(torch.isfinite(p).all() for p in model.parameters())  # no step was taken on the NaN gradient


def test_per_member_k_equals_flossing_each_k_alone():
    model = VanillaRNN(8, 1, ensemble=3, g=[0.5, 1.0, 1.5], dtype=F64)
    singles = [model.member(i) for i in range(3)]
    x = torch.randn(30, 3, 1, 1, dtype=F64)
    Q0 = random_orthonormal(3, 1, 8, 5, dtype=F64)
    ks = [1, 3, 5]
    together = floss(model, x, k=ks, epochs=4, lr=0.01, Q0=Q0, progress=False)
    for i, (single, k) in enumerate(zip(singles, ks)):
        alone = floss(single, x[:, i : i + 1], k=k, epochs=4, lr=0.01, Q0=Q0[i : i + 1, ..., :k], progress=False)
        assert torch.allclose(together.loss[:, i], alone.loss[:, 0], atol=1e-12)
        assert torch.allclose(model.W[i], single.W[0], atol=1e-12)


def test_loss_rejects_per_member_k_of_wrong_length():
    with pytest.raises(ValueError, match="one entry per member"):
        flossing_loss(torch.zeros(2, 3), k=[1, 2, 3])
