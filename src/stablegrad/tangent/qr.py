"""Reduced QR with a positive diagonal of R, and its analytical pullback.

The Lyapunov machinery reads growth rates off log R_ii, so R must have a positive diagonal;
that also makes the decomposition unique and therefore differentiable. The backward pass is
eq. 8 of the gradient-flossing paper (the "copyltu" pullback), written for batches.
"""
import torch

__all__ = ["qr_positive", "copyltu"]


def copyltu(M: torch.Tensor) -> torch.Tensor:
    """Symmetric matrix built from the lower triangle of ``M``: out_ij = M_max(i,j),min(i,j)."""
    lower = M.tril(-1)
    return lower + lower.mT + torch.diag_embed(M.diagonal(dim1=-2, dim2=-1))


class _QRPositive(torch.autograd.Function):
    @staticmethod
    def forward(ctx, A):
        Q, R = torch.linalg.qr(A, mode="reduced")
        sign = torch.sign(R.diagonal(dim1=-2, dim2=-1))
        sign = torch.where(sign == 0, torch.ones_like(sign), sign)
        Q = Q * sign.unsqueeze(-2)
        R = R * sign.unsqueeze(-1)
        ctx.save_for_backward(Q, R)
        return Q, R

    @staticmethod
    def backward(ctx, Q_bar, R_bar):
        Q, R = ctx.saved_tensors
        if Q_bar is None:
            Q_bar = torch.zeros_like(Q)
        if R_bar is None:
            R_bar = torch.zeros_like(R)
        M = R @ R_bar.mT - Q_bar.mT @ Q
        B = Q_bar + Q @ copyltu(M)
        # A_bar = B R^{-T}: solve X R^T = B with R^T lower triangular.
        return torch.linalg.solve_triangular(R.mT, B, upper=False, left=False)


def qr_positive(A: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Reduced QR of ``A`` of shape ``(..., n, k)``, ``n >= k``, with ``diag(R) > 0``.

    Batched over leading dimensions; differentiable through the analytical pullback
    ``A_bar = [Q_bar + Q copyltu(M)] R^{-T}`` with ``M = R R_bar^T - Q_bar^T Q``.
    """
    if not isinstance(A, torch.Tensor):
        raise TypeError(f"qr_positive: A must be a torch.Tensor, got {type(A).__name__}")
    if A.dim() < 2 or A.shape[-2] < A.shape[-1]:
        raise ValueError(
            f"qr_positive: A must have shape (..., n, k) with n >= k, got {tuple(A.shape)}"
        )
    return _QRPositive.apply(A)
