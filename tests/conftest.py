import pytest
import torch


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


class Linear:
    """h -> A h: its Lyapunov exponents are log|eigenvalues of A|."""

    def __init__(self, A):
        self.A = A

    def step(self, h, x=None):
        return h @ self.A.mT


class Henon:
    """The Henon map (a = 1.4, b = 0.3), without an analytic Jacobian."""

    a, b = 1.4, 0.3

    def step(self, h, x=None):
        return torch.stack([1 - self.a * h[..., 0] ** 2 + h[..., 1], self.b * h[..., 0]], -1)


class AutodiffOnly:
    """Hides a model's analytic Jacobian so the autodiff path is used."""

    def __init__(self, model):
        self.model = model

    def step(self, h, x=None):
        return self.model.step(h, x)


def assert_gradients_match_finite_differences(objective, params, *, eps=1e-6, rtol=1e-6, atol=1e-9):
    """Autograd's gradient of ``objective()`` against central differences along a random direction.

    Returns the gradients so that callers can check more of them.
    """
    grads = torch.autograd.grad(objective(), params)
    for param, grad in zip(params, grads):
        direction = torch.randn_like(param)
        with torch.no_grad():
            param += eps * direction
            plus = objective()
            param -= 2 * eps * direction
            minus = objective()
            param += eps * direction
        numeric = (plus - minus) / (2 * eps)
        assert torch.allclose((grad * direction).sum(), numeric, rtol=rtol, atol=atol)
    return grads
