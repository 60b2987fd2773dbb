"""Eigenvalues of a loss Hessian by Lanczos on Hessian-vector products, for a whole ensemble at once.

A loss summed over independent ensemble members has a block-diagonal Hessian, so one Hessian-vector
product with a vector stacked over members gives every member's product; the Lanczos recurrences run side
by side with per-member inner products. ``m`` iterations cost ``m`` products (double backward), against
``P`` products (the number of parameters per member) for the dense Hessian: at the fading-memory paper's
100 units (P of about 11 000) Lanczos is the only affordable route. The basis is fully reorthogonalised in
float64; a member whose Krylov space is exhausted continues from a fresh random direction, so ``m = P``
iterations return the exact spectrum.

With fewer iterations, each Ritz value comes with its residual norm ``|beta_m s_mi|`` (``s_i`` its eigenvector
of the tridiagonal matrix): the Hessian has an eigenvalue within that distance of the Ritz value, which tells a
converged value from one that is still moving. The bound measures the Lanczos iteration only: the products
themselves carry the rounding of the network's dtype (about 1e-7 of the largest eigenvalue in float32).
"""
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import torch

from .._validation import check_positive_ints

__all__ = ["RitzValues", "hessian_eigenvalues"]


@dataclass(frozen=True)
class RitzValues:
    """Result of :func:`hessian_eigenvalues`.

    Attributes:
        values: ``(E, m)`` Ritz values per member, sorted by magnitude, largest first.
        bounds: ``(E, m)`` residual norm of each Ritz pair: an eigenvalue of the Hessian lies within
            ``bounds`` of ``values`` (zero once the Krylov space holds the eigenvector).
    """

    values: torch.Tensor
    bounds: torch.Tensor


def hessian_eigenvalues(loss: Callable[[], torch.Tensor], params: Sequence[torch.Tensor], *, iterations: int,
                        generator: Optional[torch.Generator] = None) -> RitzValues:
    """Ritz values of the Hessian of ``loss()`` after ``iterations`` Lanczos steps for each of the ``E``
    members, with their error bounds (:class:`RitzValues`); NaN for a member whose Hessian-vector products
    are not finite.

    ``params`` are tensors whose first dimension indexes members (``E``; the same for all) and ``loss()``
    sums the members' losses. With ``iterations`` equal to the number of parameters per member the values
    are the full spectrum; with fewer, the extreme eigenvalues converge first, and by Cauchy interlacing the
    ``k``-th largest Ritz magnitude never exceeds the ``k``-th largest eigenvalue magnitude.
    """
    params = list(params)
    if not params or any(p.dim() < 1 or p.shape[0] != params[0].shape[0] for p in params):
        raise ValueError("hessian_eigenvalues: params must be tensors sharing their first (member) dimension")
    E, sizes = params[0].shape[0], [p[0].numel() for p in params]
    P = sum(sizes)
    check_positive_ints("hessian_eigenvalues", iterations=iterations)
    if iterations > P:
        raise ValueError(f"hessian_eigenvalues: iterations must be at most the {P} parameters per member, "
                         f"got {iterations}")
    grads = torch.autograd.grad(loss(), params, create_graph=True)

    def hvp(v: torch.Tensor) -> torch.Tensor:  # (E, P) float64 -> (E, P) float64
        pieces = [c.view_as(p).to(p.dtype) for c, p in zip(v.split(sizes, dim=1), params)]
        out = torch.autograd.grad(grads, params, grad_outputs=pieces, retain_graph=True)
        return torch.cat([o.reshape(E, -1) for o in out], 1).to(torch.float64)

    def fresh(basis: torch.Tensor) -> torch.Tensor:
        v = torch.randn(E, P, generator=generator, dtype=torch.float64).to(params[0].device)
        for _ in range(2):
            v = v - torch.einsum("ekp,ek->ep", basis, torch.einsum("ekp,ep->ek", basis, v)) if basis.numel() else v
        return v / v.norm(dim=1, keepdim=True)

    basis = torch.empty(E, 0, P, dtype=torch.float64, device=params[0].device)
    v = fresh(basis)
    alphas, betas = [], []
    for j in range(iterations):
        basis = torch.cat([basis, v.unsqueeze(1)], 1)
        w = hvp(v)
        alphas.append((w * v).sum(1))
        for _ in range(2):  # full reorthogonalisation, twice is enough
            w = w - torch.einsum("ekp,ek->ep", basis, torch.einsum("ekp,ep->ek", basis, w))
        beta = w.norm(dim=1)
        if j == iterations - 1:
            break
        exhausted = beta <= 1e-10 * torch.stack(alphas).abs().amax(0).clamp_min(1e-300)
        renewed = fresh(basis)
        v = torch.where(exhausted.unsqueeze(1), renewed, w / beta.clamp_min(1e-300).unsqueeze(1))
        betas.append(torch.where(exhausted, torch.zeros_like(beta), beta))
    T = torch.diag_embed(torch.stack(alphas, 1))
    if betas:
        off = torch.diag_embed(torch.stack(betas, 1), offset=1)
        T = T + off + off.mT
    finite = torch.isfinite(T).flatten(1).all(1) & beta.isfinite()  # non-finite members get rows of NaN
    values = torch.full(T.shape[:2], torch.nan, dtype=T.dtype, device=T.device)
    bounds = values.clone()
    if finite.any():
        ritz, vectors = torch.linalg.eigh(T[finite])
        order = ritz.abs().argsort(dim=1, descending=True)
        values[finite] = ritz.gather(1, order)
        # the residual of Ritz pair i is the last Lanczos residual times the last component of s_i
        bounds[finite] = (beta[finite].unsqueeze(1) * vectors[:, -1, :].abs()).gather(1, order)
    return RitzValues(values, bounds)
