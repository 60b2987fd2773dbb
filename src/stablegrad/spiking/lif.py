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

``reset="before_leak"`` gives the order of sinabs and sinabs-exodus, ``u[t] = alpha * (u[t-1] -
threshold * s[t-1]) + z[t]``, whose exact decay factor is ``alpha * (1 - threshold * sigma[t])``; the
default ``"after_leak"`` is the paper's.
"""
import numbers
from typing import Callable, Union

import torch

__all__ = ["BACKWARDS", "RESETS", "lif", "respond", "simulate"]

BACKWARDS = ("bptt", "slayer", "exodus")
RESETS = ("after_leak", "before_leak")

Alpha = Union[float, torch.Tensor]


def _scan(x: torch.Tensor, decay, reverse: bool = False) -> torch.Tensor:
    """The linear recurrence ``y[t] = x[t] + decay[t] * y[t -/+ 1]`` over the time axis 1 of ``x``
    ``(B, T, N)``, forwards or backwards from zero; ``decay`` is a number or broadcasts to ``x``."""
    decay = torch.as_tensor(decay, dtype=x.dtype, device=x.device).expand_as(x)
    y = torch.empty_like(x)
    y_t = torch.zeros_like(x[:, 0])
    for t in (range(x.shape[1] - 1, -1, -1) if reverse else range(x.shape[1])):
        y_t = x[:, t] + decay[:, t] * y_t
        y[:, t] = y_t
    return y


def _potential(u_t, z_t, s_t, alpha: Alpha, threshold: float, reset: str):
    """One step of the potential: the reset subtracted after the leak (the paper) or before it (sinabs)."""
    if reset == "before_leak":
        return alpha * (u_t - threshold * s_t) + z_t
    return alpha * u_t + z_t - threshold * s_t


def _simulate(z: torch.Tensor, alpha: Alpha, threshold: float, reset: str = "after_leak"):
    """Potentials and spikes ``(B, T, N)`` of the recurrence, without a graph."""
    u = torch.empty_like(z)
    s = torch.empty_like(z)
    u_t = z.new_zeros(z.shape[0], z.shape[2])
    s_t = torch.zeros_like(u_t)
    for t in range(z.shape[1]):
        u_t = _potential(u_t, z[:, t], s_t, alpha, threshold, reset)
        s_t = (u_t > threshold).to(z.dtype)
        u[:, t], s[:, t] = u_t, s_t
    return u, s


def _over_time(alpha: Alpha):
    """``alpha`` shaped to broadcast against ``(B, T, N)`` tensors."""
    return alpha.unsqueeze(-2) if isinstance(alpha, torch.Tensor) else alpha


class _Adjoint(torch.autograd.Function):
    """Spikes forward; the adjoint recurrence backward (exact, or without the reset term for SLAYER)."""

    @staticmethod
    def forward(ctx, z, alpha, threshold, surrogate, with_reset, reset):
        u, s = _simulate(z, alpha, threshold, reset)
        ctx.save_for_backward(u)
        ctx.alpha, ctx.threshold, ctx.surrogate, ctx.with_reset = alpha, threshold, surrogate, with_reset
        ctx.reset = reset
        return s

    @staticmethod
    def backward(ctx, grad_s):
        (u,) = ctx.saved_tensors
        sigma = ctx.surrogate(u - ctx.threshold)
        alpha = _over_time(ctx.alpha)
        if not ctx.with_reset:
            decay = alpha
        elif ctx.reset == "before_leak":
            decay = alpha * (1 - ctx.threshold * sigma)
        else:
            decay = alpha - ctx.threshold * sigma
        return _scan(sigma * grad_s, decay, reverse=True), None, None, None, None, None


class _Response(torch.autograd.Function):
    """The spike response ``a[t] = alpha * a[t-1] + s[t]`` (``a = eps * s`` with ``eps_n = alpha**n``);
    its adjoint is the same recurrence run backwards."""

    @staticmethod
    def forward(ctx, s, alpha):
        ctx.alpha = alpha
        return _scan(s, _over_time(alpha))

    @staticmethod
    def backward(ctx, grad_a):
        return _scan(grad_a, _over_time(ctx.alpha), reverse=True), None


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


def _bptt(z, alpha, threshold, surrogate, reset):
    """The loop itself, differentiated by autograd step by step (the reference)."""
    u_t = z.new_zeros(z.shape[0], z.shape[2])
    s_t = torch.zeros_like(u_t)
    spikes = []
    for t in range(z.shape[1]):
        u_t = _potential(u_t, z[:, t], s_t, alpha, threshold, reset)
        s_t = _Step.apply(u_t - threshold, surrogate)
        spikes.append(s_t)
    return torch.stack(spikes, 1)


def _check_alpha(caller: str, alpha, x: torch.Tensor) -> Alpha:
    """``alpha`` as a float, or as a tensor on ``x``'s device and dtype that broadcasts to ``(B, N)``."""
    expected = "a number in (0, 1] (1 is the IF neuron), or a tensor of such numbers broadcasting to (B, N)"
    if isinstance(alpha, torch.Tensor):
        if alpha.requires_grad:
            raise ValueError(f"{caller}: alpha is not trained here; pass alpha.detach(), got a tensor requiring grad")
        shape = (x.shape[0], x.shape[2])
        if alpha.dim() > 2 or any(a not in (1, n) for a, n in zip(reversed(alpha.shape), reversed(shape))):
            raise ValueError(f"{caller}: alpha must be {expected}, got shape {tuple(alpha.shape)} for (B, N) = {shape}")
        if not bool(((alpha > 0) & (alpha <= 1)).all()):
            raise ValueError(f"{caller}: alpha must be {expected}, got values outside (0, 1]")
        return float(alpha) if alpha.dim() == 0 else alpha.to(x)
    if not (isinstance(alpha, numbers.Real) and not isinstance(alpha, bool) and 0 < alpha <= 1):
        raise ValueError(f"{caller}: alpha must be {expected}, got {alpha!r}")
    return float(alpha)


def _check_threshold(caller: str, threshold) -> None:
    if not (isinstance(threshold, numbers.Real) and not isinstance(threshold, bool) and threshold > 0):
        raise ValueError(f"{caller}: threshold must be a positive number, got {threshold!r}")


def _check_reset(caller: str, reset) -> None:
    if reset not in RESETS:
        raise ValueError(f"{caller}: reset must be one of {RESETS}, got {reset!r}")


def check_neuron(caller: str, *, threshold, surrogate, backward, reset="after_leak") -> None:
    """Clear errors for a neuron's threshold, surrogate, backward pass and reset order (shared with the layers)."""
    if backward not in BACKWARDS:
        raise ValueError(f"{caller}: backward must be one of {BACKWARDS}, got {backward!r}")
    _check_reset(caller, reset)
    _check_threshold(caller, threshold)
    if not callable(surrogate):
        raise ValueError(f"{caller}: surrogate must be a callable of the centred potential, got {surrogate!r}")


def _check_time_series(caller: str, name: str, x) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 3 or not x.is_floating_point():
        got = f"{x.dtype} tensor of shape {tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{caller}: {name} must be a floating-point tensor of shape (B, T, N), got {got}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{caller}: {name} contains NaN or infinite values")


def lif(z: torch.Tensor, *, alpha: Alpha, threshold: float = 1.0, surrogate: Callable, backward: str = "exodus",
        reset: str = "after_leak"):
    """Spikes ``(B, T, N)`` of LIF neurons driven by currents ``z`` ``(B, T, N)``; see the module docstring.

    ``alpha`` is the leak per step (``exp(-dt / tau)``; 1 for IF), one number or one per neuron (a tensor
    broadcasting to ``(B, N)``). ``surrogate`` maps the centred potential ``u - threshold`` to the
    surrogate derivative (e.g. ``stablegrad.surrogate.get("fast_sigmoid", dampening=scale)``; its dampening
    is the paper's gradient scale). ``backward`` is one of ``BACKWARDS``: ``"bptt"``, ``"slayer"``,
    ``"exodus"``; ``reset`` one of ``RESETS`` (see the module docstring).
    """
    _check_time_series("lif", "z", z)
    alpha = _check_alpha("lif", alpha, z)
    check_neuron("lif", threshold=threshold, surrogate=surrogate, backward=backward, reset=reset)
    if backward == "bptt":
        return _bptt(z, alpha, float(threshold), surrogate, reset)
    return _Adjoint.apply(z, alpha, float(threshold), surrogate, backward == "exodus", reset)


def respond(s: torch.Tensor, *, alpha: Alpha) -> torch.Tensor:
    """The post-synaptic response ``eps * s`` with ``eps_n = alpha**n`` (the paper's ``a = eps * s``),
    ``(B, T, N)``: what an SRM layer passes on instead of the bare spikes."""
    _check_time_series("respond", "s", s)
    return _Response.apply(s, _check_alpha("respond", alpha, s))


def simulate(z: torch.Tensor, *, alpha: Alpha, threshold: float = 1.0, reset: str = "after_leak"):
    """Potentials ``u`` and spikes ``s`` ``(B, T, N)`` of the recurrence, without a graph (for analysis)."""
    _check_time_series("simulate", "z", z)
    _check_threshold("simulate", threshold)
    _check_reset("simulate", reset)
    with torch.no_grad():
        return _simulate(z, _check_alpha("simulate", alpha, z), float(threshold), reset)
