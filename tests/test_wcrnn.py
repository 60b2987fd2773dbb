"""Weakly coupled residual networks: residual families, the model, and the fading-memory diagnostics."""
import math

import pytest
import torch
from conftest import AutodiffOnly

from stablegrad.models import WCRNN
from stablegrad.models.residuals import INFORMED, informed, residual, rotation
from stablegrad.tangent import autodiff_jacobian, hessian_eigenvalues, lyapunov_spectrum, state_gradient_norms
from stablegrad.tasks.adding import adding_problem, rms
from stablegrad.tasks.cifar import LUMA, load_cifar10_gray

D = torch.float64


def _net(kind="linear", N=6, E=3, nonlinearity="tanh", seed=0, **kw):
    g = torch.Generator().manual_seed(seed)
    R = torch.stack([residual("identity", N, r=r) for r in (0.9, 1.0, 1.05)[:E]]) if "residual" not in kw else None
    kw.setdefault("residual", R)
    kw.setdefault("gamma", torch.linspace(0.05, 0.2, N, dtype=D))
    return WCRNN(N, 2, 3, kind=kind, nonlinearity=nonlinearity, ensemble=E, generator=g, dtype=D, **kw)


class TestResiduals:
    def test_identity_has_eigenvalue_r(self):
        assert torch.equal(residual("identity", 4, r=0.97), 0.97 * torch.eye(4))

    def test_rotation_eigenvalues_are_unit_with_the_angle(self):
        phi = torch.tensor([0.3, 1.1, 2.5])
        eig = torch.linalg.eigvals(rotation(phi).to(D))
        assert torch.allclose(eig.abs(), torch.ones(6, dtype=D))
        assert torch.allclose(eig.angle().abs().sort().values, phi.to(D).repeat_interleave(2).sort().values)

    def test_homogeneous_rotation_is_orthogonal_with_one_angle(self):
        R = residual("rotation", 8, phi=2 * math.pi / 28).to(D)
        assert torch.allclose(R.T @ R, torch.eye(8, dtype=D))
        assert torch.allclose(torch.linalg.eigvals(R).angle().abs(), torch.full((8,), 2 * math.pi / 28, dtype=D))

    def test_heterogeneous_diagonal_spans_its_interval(self):
        r = residual("diagonal", 4000, r0=0.96, delta_r=0.04, generator=torch.Generator().manual_seed(1)).diagonal()
        assert r.min() >= 0.94 and r.max() <= 0.98
        assert r.min() < 0.941 and r.max() > 0.979  # fills the interval

    def test_orthogonal_is_orthogonal_and_haar_signed(self):
        Q = residual("orthogonal", 50, generator=torch.Generator().manual_seed(2)).to(D)
        assert torch.allclose(Q.T @ Q, torch.eye(50, dtype=D), atol=1e-5)

    def test_informed_singular_values_and_gamma_lie_in_the_papers_ranges(self):
        R, gamma = informed(200, generator=torch.Generator().manual_seed(3))
        s = torch.linalg.svdvals(R)
        lo, hi = INFORMED["r"]
        assert s.min() >= lo - 1e-6 and s.max() <= hi + 1e-6
        assert gamma.min() >= INFORMED["gamma"][0] and gamma.max() <= INFORMED["gamma"][1]
        angles = torch.linalg.eigvals(R.to(D)).angle().abs()
        assert angles.max() <= INFORMED["phi"][1] + 0.02  # r close to 1: nearly pure rotations

    @pytest.mark.parametrize("call, message", [
        (lambda: residual("spiral", 4), "kind must be one of"),
        (lambda: residual("rotation", 5, phi=0.2), "n must be even"),
        (lambda: residual("identity", 4, phi=0.2), "wrong parameters"),
        (lambda: residual("diagonal", 4, r0=0.9, delta_r=-0.1), "delta_r must be >= 0"),
        (lambda: residual("identity", 0), "n must be a positive integer"),
    ])
    def test_bad_arguments(self, call, message):
        with pytest.raises(ValueError, match=message):
            call()


class TestModel:
    @pytest.mark.parametrize("kind", ["linear", "A", "B"])
    @pytest.mark.parametrize("nonlinearity", ["tanh", "identity"])
    def test_analytic_jacobian_equals_autodiff(self, kind, nonlinearity):
        net = _net(kind, nonlinearity=nonlinearity)
        h, x = torch.randn(3, 4, 6, dtype=D), torch.randn(1, 4, 2, dtype=D)
        assert torch.allclose(net.jacobian(h, x), autodiff_jacobian(net, h, x), atol=1e-12)

    def test_parameters_start_as_torch_linear(self):
        net = WCRNN(100, 1, 10, residual=torch.eye(100), ensemble=4, generator=torch.Generator().manual_seed(0))
        for p, fan_in in ((net.W, 100), (net.b, 100), (net.U, 1), (net.c, 1), (net.V, 100), (net.d, 100)):
            bound = 1 / math.sqrt(fan_in)
            assert p.abs().max() <= bound
            assert p.numel() < 1000 or abs(p.var().item() / (bound ** 2 / 3) - 1) < 0.05  # U(-b, b)

    def test_ensemble_equals_separate_networks(self):
        net = _net()
        x = torch.randn(5, 7, 2, dtype=D)
        out = net(x)
        out.pow(2).sum().backward()
        for i in range(3):
            alone = net.member(i)
            o = alone(x)
            o.pow(2).sum().backward()
            assert torch.allclose(o[0], out[i])
            assert torch.allclose(alone.W.grad[0], net.W.grad[i])
            assert torch.allclose(alone.R[0], net.R[i])

    def test_forward_is_the_readout_of_the_last_state(self):
        net = _net("B")
        x = torch.randn(4, 9, 2, dtype=D)
        assert torch.allclose(net(x), net.readout(net.states(x)[-1]))

    def test_linear_kind_follows_eq_11(self):
        net = _net(E=1, N=4, residual=torch.diag(torch.tensor([0.5, 0.6, 0.7, 0.8], dtype=D)), gamma=0.1)
        h, x = torch.randn(1, 2, 4, dtype=D), torch.randn(1, 2, 2, dtype=D)
        a = h @ net.W[0].T + net.b[0] + x @ net.U[0].T + net.c[0]
        assert torch.allclose(net.step(h, x), h @ net.R[0].T + 0.1 * torch.tanh(a))

    def test_trainable_residual_is_a_parameter_and_learns(self):
        net = _net("B", train_residual=True)
        assert any(p is net.R for p in net.parameters())
        net(torch.randn(2, 3, 2, dtype=D)).sum().backward()
        assert net.R.grad is not None and net.R.grad.abs().sum() > 0

    @pytest.mark.parametrize("kwargs, message", [
        (dict(gamma=0.0), "gamma must be positive"),
        (dict(gamma=-0.01), "gamma must be positive"),
        (dict(gamma=torch.ones(5)), "gamma must be a number, of shape"),
        (dict(residual=torch.eye(5)), r"residual must be of shape \(6, 6\)"),
        (dict(kind="C"), "kind must be one of"),
        (dict(nonlinearity="relu"), "nonlinearity must be one of"),
    ])
    def test_bad_arguments(self, kwargs, message):
        base = dict(residual=torch.eye(6), gamma=0.01)
        with pytest.raises(ValueError, match=message):
            WCRNN(6, 2, 3, **{**base, **kwargs})

    def test_inputs_of_the_wrong_width(self):
        with pytest.raises(ValueError, match=r"inputs must have shape \(B, T, n_in=2\)"):
            _net()(torch.randn(4, 9, 3, dtype=D))


def _deviation(gamma: float) -> float:
    """Largest gap between the measured exponents and log|eig R| for a heterogeneous rotation x diagonal R."""
    g = torch.Generator().manual_seed(5)
    N = 8
    r = torch.tensor([0.8, 0.8, 0.9, 0.9, 0.95, 0.95, 0.99, 0.99], dtype=D)  # subcritical: tanh stays unsaturated
    R = rotation(torch.tensor([0.3, 0.7, 1.3, 2.0])).to(D) @ torch.diag(r)
    net = WCRNN(N, 1, 1, residual=R, gamma=gamma, ensemble=1, generator=g, dtype=D)
    inputs = torch.rand(3000, 1, 1, dtype=D, generator=g)
    spectrum = lyapunov_spectrum(net, torch.zeros(1, 1, N, dtype=D), inputs, transient=200, generator=g)
    expected = torch.linalg.eigvals(R).abs().log().sort(descending=True).values
    return (spectrum.exponents[0, 0] - expected).abs().max().item()


def test_lyapunov_exponents_approach_log_residual_eigenvalues_as_gamma_vanishes():
    """Eq. 13: exponents = log|eig R| + O(gamma). The gap shrinks about tenfold per tenfold smaller gamma."""
    gaps = [_deviation(g) for g in (0.1, 0.01, 0.001)]
    assert gaps[2] < 5e-4
    assert gaps[1] < gaps[0] / 4 and gaps[2] < gaps[1] / 4
    assert gaps[0] > 1e-3  # the O(gamma) deviation is visible at gamma = 0.1


@pytest.mark.parametrize("analytic", [True, False])
def test_state_gradient_norms_match_autograd(analytic):
    net = _net("A")
    x = torch.randn(4, 12, 2, dtype=D)
    h, states = net.initial_state(4), []
    for xt in x.unbind(1):
        h = net.step(h, xt.unsqueeze(0))
        states.append(h)
    loss = net.readout(h).pow(2).sum()
    grads = torch.autograd.grad(loss, states)
    system = net if analytic else AutodiffOnly(net)
    norms = state_gradient_norms(system, torch.stack(states).detach(), x.movedim(1, 0).unsqueeze(1), grads[-1])
    expected = torch.stack([g.abs().amax(-1) for g in grads])
    assert torch.allclose(norms, expected, rtol=1e-10, atol=1e-14)


def test_state_gradient_norms_reject_mismatched_inputs():
    with pytest.raises(ValueError, match="one step per state"):
        state_gradient_norms(_net(), torch.zeros(5, 3, 1, 6, dtype=D), torch.zeros(4, 1, 1, 2, dtype=D),
                             torch.zeros(3, 1, 6, dtype=D))


def _tiny_loss(net, x, y):
    return lambda: ((net(x) - y) ** 2).sum()


def test_hessian_eigenvalues_equal_the_dense_hessian():
    net = WCRNN(2, 1, 1, residual=torch.eye(2, dtype=D) * 0.9, gamma=0.3, ensemble=2,
                generator=torch.Generator().manual_seed(0), dtype=D)
    x, y = torch.randn(3, 5, 1, dtype=D), torch.randn(3, 1, dtype=D)
    params = [p for p in net.parameters()]
    P = sum(p[0].numel() for p in params)
    ritz = hessian_eigenvalues(_tiny_loss(net, x, y), params, iterations=P,
                               generator=torch.Generator().manual_seed(1))
    for i in range(2):
        alone = net.member(i)
        flat = torch.cat([p.detach().flatten() for p in alone.parameters()])
        shapes = [p.shape for p in alone.parameters()]

        def loss_of(v, alone=alone, shapes=shapes):
            pieces, k = {}, 0
            for (name, _), shape in zip(alone.named_parameters(), shapes):
                n = math.prod(shape)
                pieces[name] = v[k:k + n].view(shape)
                k += n
            return ((torch.func.functional_call(alone, pieces, (x,)) - y) ** 2).sum()

        dense = torch.linalg.eigvalsh(torch.func.hessian(loss_of)(flat))
        assert torch.allclose(ritz.values[i].sort().values, dense.sort().values, atol=1e-8 * dense.abs().max())
        assert (ritz.bounds[i] <= 1e-8 * dense.abs().max()).all()  # a full Krylov space leaves no residual


def test_hessian_ritz_values_lie_inside_the_spectrum():
    """Cauchy interlacing: fewer Lanczos steps give values between the extreme eigenvalues."""
    net = WCRNN(3, 1, 1, residual=torch.eye(3, dtype=D), gamma=0.2, ensemble=1,
                generator=torch.Generator().manual_seed(4), dtype=D)
    x, y = torch.randn(6, 4, 1, dtype=D), torch.randn(6, 1, dtype=D)
    params = list(net.parameters())
    P = sum(p[0].numel() for p in params)
    full = hessian_eigenvalues(_tiny_loss(net, x, y), params, iterations=P).values[0]
    few = hessian_eigenvalues(_tiny_loss(net, x, y), params, iterations=5)
    assert few.values.min() >= full.min() - 1e-9 and few.values.max() <= full.max() + 1e-9


def test_hessian_ritz_bounds_hold_an_eigenvalue_and_shrink_with_iterations():
    """Each Ritz value has an eigenvalue within its residual bound; the largest converges first."""
    net = WCRNN(4, 1, 1, residual=torch.eye(4, dtype=D) * 0.95, gamma=0.2, ensemble=2,
                generator=torch.Generator().manual_seed(6), dtype=D)
    x, y = torch.randn(6, 5, 1, dtype=D), torch.randn(6, 1, dtype=D)
    params = list(net.parameters())
    P = sum(p[0].numel() for p in params)
    full = hessian_eigenvalues(_tiny_loss(net, x, y), params, iterations=P).values
    bounds_of_top = []
    for m in (4, 8, 16):
        ritz = hessian_eigenvalues(_tiny_loss(net, x, y), params, iterations=m,
                                   generator=torch.Generator().manual_seed(2))
        gap = (ritz.values.unsqueeze(-1) - full.unsqueeze(1)).abs().amin(-1)  # to the nearest eigenvalue
        assert (gap <= ritz.bounds * (1 + 1e-9) + 1e-12).all()
        bounds_of_top.append(ritz.bounds[:, 0] / ritz.values[:, 0].abs())
    assert (bounds_of_top[0] > 1e-6).all() and (bounds_of_top[2] < bounds_of_top[0] / 10).all()
    with pytest.raises(ValueError, match="at most the"):
        hessian_eigenvalues(_tiny_loss(net, x, y), params, iterations=P + 1)


class TestAdding:
    def test_target_is_the_sum_of_the_two_cued_values_one_per_half(self):
        x, y = adding_problem(500, 101, generator=torch.Generator().manual_seed(0))
        cues = x[..., 1]
        assert torch.equal(cues.sum(1), torch.full((500,), 2.0))
        assert torch.equal(cues[:, :50].sum(1), torch.ones(500))
        assert torch.allclose((x[..., 0] * cues).sum(1, keepdim=True), y)
        assert x[..., 0].min() >= 0 and x[..., 0].max() < 1

    def test_rms(self):
        assert rms(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0])).item() == pytest.approx(math.sqrt(5))

    def test_lengths_it_cannot_make(self):
        with pytest.raises(ValueError, match="length must be at least 2"):
            adding_problem(4, 1)
        with pytest.raises(ValueError, match="length must be a positive integer"):
            adding_problem(4, 0)


class TestCifar:
    def test_stand_in_is_labelled_and_in_range(self, tmp_path):
        split = load_cifar10_gray("train", root=tmp_path)
        assert split.standin and "cs.toronto.edu" in split.message
        assert split.images.shape == (500, 1024, 1) and set(split.labels.tolist()) == set(range(10))
        assert 0 <= split.images.min() and split.images.max() <= 1

    def test_real_folder_is_preferred_and_converted_by_luma(self, tmp_path):
        import pickle

        import numpy as np
        folder = tmp_path / "cifar-10-batches-py"
        folder.mkdir()
        rgb = np.zeros((2, 3072), dtype=np.uint8)
        rgb[0, :1024], rgb[0, 1024:2048], rgb[0, 2048:] = 255, 0, 0  # pure red
        rgb[1, 2048:] = 255  # pure blue
        with open(folder / "test_batch", "wb") as f:
            pickle.dump({b"data": rgb, b"labels": [3, 7]}, f, protocol=2)
        split = load_cifar10_gray("test", root=tmp_path)
        assert not split.standin and split.labels.tolist() == [3, 7]
        assert torch.allclose(split.images[0, :, 0], torch.full((1024,), LUMA[0]))
        assert torch.allclose(split.images[1, :, 0], torch.full((1024,), LUMA[2]))

    def test_unknown_split(self, tmp_path):
        with pytest.raises(ValueError, match="split must be one of"):
            load_cifar10_gray("valid", root=tmp_path)
