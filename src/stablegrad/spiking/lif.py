"""A layer of leaky integrate-and-fire neurons with a choice of backward pass (EXODUS, Bauer et al.).

Forward, for input currents ``z`` ``(B, T, N)`` and zero initial state::

    u[t] = alpha * u[t-1] + z[t] - threshold * s[t-1],    s[t] = H(u[t] - threshold)

(``alpha = 1`` is the IF neuron). With ``sigma[t] = surrogate(u[t] - threshold)`` standing in for
``dH/du`` and ``g[t] = dL/ds[t]`` the gradient arriving at the spikes, the adjoint ``a[t] = dL/du[t]``
obeys, backwards in time from ``a[T] = 0``::

    a[t] = sigma[t] g[t] + (alpha - threshold * sigma[t]) a[t+1],    dL/dz[t] = a[t]

which is exactly what autograd computes through the loop (``backward="bptt"``); ``"exodus"`` evaluates
it as one reverse recurrence over ``(B, N)`` from the saved potentials, without a graph per step.
``"slayer"`` drops the reset term ``-threshold * sigma[t]`` from the decay (SLAYER's spike response
ignores the reset kernel), so it equals the exact gradient only where the surrogate vanishes; where
``threshold * sigma > alpha`` the exact decay factor turns negative, which SLAYER cannot follow.
"""
from typing import Callable

import torch

__all__ = ["BACKWARDS", "lif"]

BACKWARDS = ("bptt", "slayer", "exodus")


def _forward(z: torch.Tensor, alpha: float, threshold: float):
    """Potentials and spikes ``(B, T, N)`` of the recurrence, without a graph."""
    u = torch.empty_like(z)
    s = torch.empty_like(z)
    u_t = z.new_zeros(z.shape[0], z.shape[2])
    s_t = torch.zeros_like(u_t)
    for t in range(z.shape[1]):
        u_t = alpha * u_t + z[:, t] - threshold * s_t
        s_t = (u_t > threshold).to(z.dtype)
        u[:, t], s[:, t] = u_t, s_t
    return u, s


class _Adjoint(torch.autograd.Function):
    """Spikes forward; the adjoint recurrence backward (exact, or without the reset term for SLAYER)."""

    @staticmethod
    def forward(ctx, z, alpha, threshold, surrogate, with_reset):
        u, s = _forward(z, alpha, threshold)
        ctx.save_for_backward(u)
        ctx.alpha, ctx.threshold, ctx.surrogate, ctx.with_reset = alpha, threshold, surrogate, with_reset
        return s

    @staticmethod
    def backward(ctx, grad_s):
        (u,) = ctx.saved_tensors
        sigma = ctx.surrogate(u - ctx.threshold)
        decay = ctx.alpha - ctx.threshold * sigma if ctx.with_reset else torch.full_like(sigma, ctx.alpha)
        source = sigma * grad_s
        grad_z = torch.empty_like(grad_s)
        a = torch.zeros_like(grad_s[:, 0])
        for t in range(grad_s.shape[1] - 1, -1, -1):
            a = source[:, t] + decay[:, t] * a
            grad_z[:, t] = a
        return grad_z, None, None, None, None


class _Step(torch.autograd.Function):
    """``H(v)`` forward, ``surrogate(v)`` backward, for any callable surrogate."""

    @staticmethod
    def forward(ctx, v, surrogate):
        ctx.save_for_backward(v)
        ctx.surrogate = surrogate
        return (v > 0).to(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        return grad * ctx.surrogate(v), None


def _bptt(z, alpha, threshold, surrogate):
    """The loop itself, differentiated by autograd step by step (the reference)."""
    u_t = z.new_zeros(z.shape[0], z.shape[2])
    s_t = torch.zeros_like(u_t)
    spikes = []
    for t in range(z.shape[1]):
        u_t = alpha * u_t + z[:, t] - threshold * s_t
        s_t = _Step.apply(u_t - threshold, surrogate)
        spikes.append(s_t)
    return torch.stack(spikes, 1)


def lif(z: torch.Tensor, *, alpha: float, threshold: float = 1.0, surrogate: Callable, backward: str = "exodus"):
    """Spikes ``(B, T, N)`` of LIF neurons driven by currents ``z`` ``(B, T, N)``; see the module docstring.

    ``surrogate`` maps the centred potential ``u - threshold`` to the surrogate derivative (e.g.
    ``stablegrad.surrogate.get("fast_sigmoid", dampening=scale)``; its dampening is the paper's gradient
    scale). ``backward`` is one of ``BACKWARDS``: ``"bptt"``, ``"slayer"``, ``"exodus"``.
    """
    if backward not in BACKWARDS:
        raise ValueError(f"lif: backward must be one of {BACKWARDS}, got {backward!r}")
    if not isinstance(z, torch.Tensor) or z.dim() != 3 or not z.is_floating_point():
        got = f"{z.dtype} tensor of shape {tuple(z.shape)}" if isinstance(z, torch.Tensor) else type(z).__name__
        raise ValueError(f"lif: z must be a floating-point tensor of shape (B, T, N), got {got}")
    if not (isinstance(alpha, (int, float)) and 0 < alpha <= 1):
        raise ValueError(f"lif: alpha must be a number in (0, 1] (1 is the IF neuron), got {alpha!r}")
    if not (isinstance(threshold, (int, float)) and threshold > 0):
        raise ValueError(f"lif: threshold must be a positive number, got {threshold!r}")
    if not callable(surrogate):
        raise ValueError(f"lif: surrogate must be a callable of the centred potential, got {surrogate!r}")
    if backward == "bptt":
        return _bptt(z, float(alpha), float(threshold), surrogate)
    return _Adjoint.apply(z, float(alpha), float(threshold), surrogate, backward == "exodus")
