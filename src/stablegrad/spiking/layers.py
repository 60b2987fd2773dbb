"""IF and LIF neurons as ``torch.nn`` layers, and the surrogate the EXODUS experiments used.

A layer maps input currents ``(B, T, *features)`` to spikes of the same shape (or to their spike
response ``eps * s`` when ``respond=True``), so that weight layers and spiking layers alternate in an
``nn.Sequential``; :class:`PerStep` applies a weight layer that knows nothing of time (a convolution) to
every time step.
"""
import math
from typing import Callable, Optional

import torch
from torch import nn

from .. import surrogate as surrogates
from .lif import _check_alpha, check_neuron, lif, respond

__all__ = ["IF", "LIF", "PerStep", "single_exponential"]


def single_exponential(scale: float = 1.0, width: float = 0.5, threshold: float = 1.0) -> surrogates.Surrogate:
    """``scale / (threshold * width) * exp(-|v| / (threshold * width))`` of the centred potential ``v``:
    the surrogate of the EXODUS experiments (sinabs' ``SingleExponential``), whose ``scale`` is the
    paper's gradient scale. With the default width its peak is ``2 / threshold``, above ``alpha /
    threshold``, where SLAYER's gradient parts from the exact one (§3.2.2)."""
    for name, value in (("scale", scale), ("width", width), ("threshold", threshold)):
        if not (isinstance(value, (int, float)) and value > 0):
            raise ValueError(f"single_exponential: {name} must be a positive number, got {value!r}")
    return surrogates.get("exponential", dampening=scale / (threshold * width), sharpness=1 / (2 * threshold * width))


class LIF(nn.Module):
    """Leaky integrate-and-fire neurons ``u[t] = alpha u[t-1] + z[t] - threshold s[t-1]`` over the
    features of ``(B, T, *features)`` currents, differentiated by ``backward`` (``"exodus"``,
    ``"slayer"`` or ``"bptt"``). ``alpha = exp(-dt / tau)``. The surrogate defaults to
    :func:`single_exponential` at this threshold; ``reset="before_leak"`` is sinabs' order."""

    def __init__(self, alpha: float, *, threshold: float = 1.0, surrogate: Optional[Callable] = None,
                 backward: str = "exodus", respond: bool = False, reset: str = "after_leak"):
        super().__init__()
        if isinstance(alpha, torch.Tensor):
            raise ValueError(f"{type(self).__name__}: alpha must be a number; for one alpha per neuron or per "
                             "sample call stablegrad.spiking.lif directly")
        self.alpha = _check_alpha(type(self).__name__, alpha, torch.zeros(1, 1, 1))
        self.threshold = threshold
        self.surrogate = single_exponential(threshold=threshold) if surrogate is None else surrogate
        check_neuron(type(self).__name__, threshold=threshold, surrogate=self.surrogate, backward=backward, reset=reset)
        self.backward, self.respond, self.reset = backward, bool(respond), reset

    @classmethod
    def from_tau(cls, tau: float, dt: float = 1.0, **kwargs) -> "LIF":
        """A layer with membrane time constant ``tau`` at time step ``dt`` (same units)."""
        if not (isinstance(tau, (int, float)) and tau > 0 and isinstance(dt, (int, float)) and dt > 0):
            raise ValueError(f"LIF.from_tau: tau and dt must be positive numbers, got tau={tau!r}, dt={dt!r}")
        return cls(math.exp(-dt / tau), **kwargs)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if not isinstance(z, torch.Tensor) or z.dim() < 3:
            got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(f"{type(self).__name__}: input must have shape (B, T, *features), got {got}")
        flat = z.reshape(z.shape[0], z.shape[1], -1)
        s = lif(flat, alpha=self.alpha, threshold=self.threshold, surrogate=self.surrogate, backward=self.backward,
                reset=self.reset)
        return (respond(s, alpha=self.alpha) if self.respond else s).reshape(z.shape)

    def extra_repr(self) -> str:
        return (f"alpha={self.alpha:.4g}, threshold={self.threshold}, backward={self.backward!r}, "
                f"respond={self.respond}, reset={self.reset!r}")


class IF(LIF):
    """Integrate-and-fire neurons: :class:`LIF` without leak (``alpha = 1``)."""

    def __init__(self, **kwargs):
        super().__init__(1.0, **kwargs)


class PerStep(nn.Module):
    """``module`` applied to every time step of ``(B, T, ...)`` (folded into the batch)."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.module(x.reshape(x.shape[0] * x.shape[1], *x.shape[2:]))
        return y.reshape(x.shape[0], x.shape[1], *y.shape[1:])
