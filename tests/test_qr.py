import pytest
import torch

from stablegrad.tangent import copyltu, qr_positive


def test_copyltu_copies_lower_triangle():
    M = torch.arange(9.0).view(3, 3)
    expected = torch.tensor([[0.0, 3, 6], [3, 4, 7], [6, 7, 8]])
    assert torch.equal(copyltu(M), expected)


@pytest.mark.parametrize("shape", [(6, 6), (7, 3), (2, 4, 5, 2)])
def test_qr_positive_factorises_with_positive_diagonal(shape):
    A = torch.randn(*shape, dtype=torch.float64)
    Q, R = qr_positive(A)
    assert torch.allclose(Q @ R, A, atol=1e-12)
    eye = torch.eye(shape[-1], dtype=torch.float64)
    assert torch.allclose(Q.mT @ Q, eye.expand_as(R), atol=1e-12)
    assert (R.diagonal(dim1=-2, dim2=-1) > 0).all()
    assert torch.equal(R, R.triu())


@pytest.mark.parametrize("shape", [(5, 5), (6, 3), (3, 4, 2)])
def test_pullback_passes_gradcheck(shape):
    A = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    # weight both outputs so that Q_bar and R_bar are generic
    wQ = torch.randn(*shape, dtype=torch.float64)
    wR = torch.randn(*shape[:-2], shape[-1], shape[-1], dtype=torch.float64)

    def weighted(a):
        Q, R = qr_positive(a)
        return (Q * wQ).sum() + (R * wR).sum()

    assert torch.autograd.gradcheck(weighted, (A,))


def test_pullback_equals_autograd_through_linalg_qr():
    A = torch.randn(4, 10, 6, dtype=torch.float64, requires_grad=True)
    wQ, wR = torch.randn(4, 10, 6, dtype=torch.float64), torch.randn(4, 6, 6, dtype=torch.float64)

    def reference(a):
        Q, R = torch.linalg.qr(a)
        s = torch.sign(R.diagonal(dim1=-2, dim2=-1))
        return Q * s.unsqueeze(-2), R * s.unsqueeze(-1)

    grads = []
    for qr in (qr_positive, reference):
        Q, R = qr(A)
        grads.append(torch.autograd.grad((Q * wQ).sum() + (R.triu() * wR).sum(), A)[0])
    assert torch.allclose(grads[0], grads[1], rtol=1e-10, atol=1e-12)


def test_qr_positive_rejects_wide_matrices():
    with pytest.raises(ValueError, match="n >= k"):
        qr_positive(torch.randn(3, 5))
