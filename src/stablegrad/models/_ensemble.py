"""Helpers shared by the ensemble models: parameters carry a leading dimension of R networks."""
import torch


def broadcast_members(weights: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """View ``(R, *shape)`` parameters as ``(R, 1, ..., 1, *shape)`` to broadcast over ``h``'s batch dims."""
    return weights.view(weights.shape[0], *([1] * (h.dim() - 2)), *weights.shape[1:])


def member_matvec(weights: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``weights[r] @ v[r, ...]`` for ``(R, m, n)`` weights and ``(R or 1, *batch, n)`` vectors.

    One batched matrix product over ``(R, prod(batch), n)``: broadcasting ``(R, 1, m, n)`` against
    ``(R, *batch, n, 1)`` instead would copy the weights once per batch element.
    """
    R = weights.shape[0]
    v = v.expand(R, *v.shape[1:])
    return (v.reshape(R, -1, v.shape[-1]) @ weights.mT).reshape(*v.shape[:-1], weights.shape[-2])
