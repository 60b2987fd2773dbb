"""Two-layer recurrent spiking networks of the surrogate-design paper: LIF, ALIF and the spiking LSTM.

LIF (eq. 1 of Herranz-Celotti & Rouat), per layer, batch first::

    y_t = alpha * y_{t-1} + W_rec x_{t-1} + b + W_in z_t - A_t x_{t-1},    x_t = H~(y_t - A_t)

with ``A_t = thr`` (LIF) or ``A_t = thr + beta * a_t``, ``a_t = rho * a_{t-1} + (1 - rho) x_{t-1}`` (ALIF),
``W_rec`` with a zero diagonal, and ``H~`` the Heaviside with a surrogate derivative (firing for
``v > 0``; the paper's ``H(0) = 1`` differs only at equality). The spiking LSTM replaces the LSTM's
sigmoids by ``H~`` and its tanh by ``2 H~ - 1`` (the authors' code; the paper prints ``1 - 2 H~``, a
sign-flipped tanh). A stack feeds layer 1's spikes to layer 2 and reads out layer 2 at every step with
one linear map; the language model for PTB embeds words instead and ties its output to the embedding. As in the authors' code, the reset term's gradient is stopped by default
(``detach_reset``); ``alpha``, ``thr``, ``beta`` and ``rho`` are constants shared by a layer's neurons
here (the authors train one per neuron).
"""
import math
from typing import Optional

import torch
from torch import nn

from .. import init
from .._validation import check_positive_ints
from ..surrogate import Surrogate, heaviside

__all__ = ["KINDS", "LIFLayer", "SpikingLSTMLayer", "SpikingLanguageModel", "SpikingStack", "spiking_layers"]


def _check_surrogate(caller: str, surrogate) -> None:
    if not isinstance(surrogate, Surrogate):
        raise ValueError(f"{caller}: surrogate must be a stablegrad.surrogate.Surrogate (from surrogate.get), "
                         f"got {surrogate!r}")


class LIFLayer(nn.Module):
    """A recurrent layer of LIF neurons (``adaptive=False``) or ALIF neurons (``adaptive=True``).

    ``alpha`` is the leak per step, ``threshold`` the firing threshold ``thr``; for ALIF, ``beta`` scales
    the adaptation and ``tau_adapt`` (steps) sets ``rho = exp(-1 / tau_adapt)``; all four are shared by the
    layer's neurons. Weights start Glorot uniform (the paper's default); set them with :mod:`stablegrad.init`
    for its other schemes and conditions.
    """

    def __init__(self, n_in: int, n_rec: int, *, surrogate: Surrogate, alpha: float = 0.9, threshold: float = 1.0,
                 adaptive: bool = False, beta: float = 1.8, tau_adapt: float = 100.0, detach_reset: bool = True):
        super().__init__()
        check_positive_ints("LIFLayer", n_in=n_in, n_rec=n_rec)
        if not 0 < alpha <= 1:
            raise ValueError(f"LIFLayer: alpha must lie in (0, 1], got {alpha!r}")
        if not threshold > 0:
            raise ValueError(f"LIFLayer: threshold must be positive, got {threshold!r}")
        if adaptive and not (beta >= 0 and tau_adapt > 0):
            raise ValueError(f"LIFLayer: beta must be >= 0 and tau_adapt > 0, got {beta!r}, {tau_adapt!r}")
        _check_surrogate("LIFLayer", surrogate)
        self.n_in, self.n_rec, self.surrogate = n_in, n_rec, surrogate
        self.alpha, self.threshold, self.adaptive, self.detach_reset = alpha, threshold, adaptive, detach_reset
        self.beta, self.rho = beta, math.exp(-1 / tau_adapt)
        self.w_in = nn.Parameter(init.weights((n_in, n_rec), "glorot", "uniform"))
        self.w_rec = nn.Parameter(init.weights((n_rec, n_rec), "glorot", "uniform"))
        self.bias = nn.Parameter(torch.zeros(n_rec))
        self.register_buffer("off_diagonal", 1 - torch.eye(n_rec))

    def forward(self, z: torch.Tensor, return_voltage: bool = False):
        """Spikes ``(B, T, n_rec)`` for inputs ``z`` ``(B, T, n_in)`` from rest; with ``return_voltage``
        also the centred voltages ``y_t - A_t``."""
        batch, steps = z.shape[0], z.shape[1]
        w_rec = self.w_rec * self.off_diagonal
        drive = z @ self.w_in + self.bias
        y = z.new_zeros(batch, self.n_rec)
        x = torch.zeros_like(y)
        a = torch.zeros_like(y)
        spikes, voltages = [], []
        for t in range(steps):
            if self.adaptive:
                a = self.rho * a + (1 - self.rho) * x
            threshold = self.threshold + self.beta * a if self.adaptive else self.threshold
            reset = threshold * (x.detach() if self.detach_reset else x)
            y = self.alpha * y + x @ w_rec + drive[:, t] - reset
            v = y - threshold
            x = heaviside(v, self.surrogate)
            spikes.append(x)
            voltages.append(v)
        spikes = torch.stack(spikes, 1)
        return (spikes, torch.stack(voltages, 1)) if return_voltage else spikes


class SpikingLSTMLayer(nn.Module):
    """The LSTM with ``H~`` for its gates and ``2 H~ - 1`` for its tanh (the paper's sLSTM)."""

    def __init__(self, n_in: int, n_rec: int, *, surrogate: Surrogate):
        super().__init__()
        check_positive_ints("SpikingLSTMLayer", n_in=n_in, n_rec=n_rec)
        _check_surrogate("SpikingLSTMLayer", surrogate)
        self.n_rec, self.surrogate = n_rec, surrogate
        self.gates = nn.Linear(n_in + n_rec, 4 * n_rec)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = z.new_zeros(z.shape[0], self.n_rec)
        c = torch.zeros_like(h)
        out = []
        for t in range(z.shape[1]):
            i, f, o, g = self.gates(torch.cat([z[:, t], h], -1)).chunk(4, -1)
            i, f, o = (heaviside(gate, self.surrogate) for gate in (i, f, o))
            c = f * c + i * (2 * heaviside(g, self.surrogate) - 1)
            h = o * (2 * heaviside(c, self.surrogate) - 1)
            out.append(h)
        return torch.stack(out, 1)


KINDS = ("lif", "alif", "slstm")


def spiking_layers(owner: str, kind: str, n_in: int, n_rec: int, surrogate: Surrogate,
                   layer_kwargs: Optional[dict] = None) -> nn.ModuleList:
    """The paper's two recurrent layers of ``kind``, the first fed ``n_in`` inputs, the second the
    first's ``n_rec`` outputs; ``owner`` names the caller in error messages."""
    if kind not in KINDS:
        raise ValueError(f"{owner}: kind must be one of {KINDS}, got {kind!r}")
    check_positive_ints(owner, n_in=n_in, n_rec=n_rec)
    kwargs = dict(layer_kwargs or {})
    if kind == "slstm" and kwargs:
        raise ValueError(f"{owner}: layer_kwargs apply to LIF/ALIF layers, not to {kind!r}, got {kwargs}")
    if "adaptive" in kwargs:
        raise ValueError(f"{owner}: choose adaptation with kind='alif', not with layer_kwargs['adaptive']")

    def layer(size_in):
        if kind == "slstm":
            return SpikingLSTMLayer(size_in, n_rec, surrogate=surrogate)
        return LIFLayer(size_in, n_rec, surrogate=surrogate, adaptive=kind == "alif", **kwargs)

    return nn.ModuleList([layer(n_in), layer(n_rec)])


class SpikingStack(nn.Module):
    """Two recurrent spiking layers of ``kind`` (``"lif"``, ``"alif"``, ``"slstm"``) and a linear readout at
    every step: inputs ``(B, T, n_in)`` -> logits ``(B, T, n_out)``. ``layer_kwargs`` go to
    :class:`LIFLayer` (leak, threshold, adaptation)."""

    def __init__(self, kind: str, n_in: int, n_rec: int, n_out: int, *, surrogate: Surrogate,
                 layer_kwargs: Optional[dict] = None):
        super().__init__()
        check_positive_ints("SpikingStack", n_out=n_out)
        self.kind = kind
        self.layers = spiking_layers("SpikingStack", kind, n_in, n_rec, surrogate, layer_kwargs)
        self.readout = nn.Linear(n_rec, n_out)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            z = layer(z)
        return self.readout(z)


class SpikingLanguageModel(nn.Module):
    """The paper's PTB network: word ids ``(B, T)`` -> an embedding of width ``n_rec`` -> two spiking
    layers of ``kind`` -> logits ``(B, T, vocabulary)`` as the last layer's output times the embedding
    matrix (tied weights, no readout). The embedding starts uniform in +-0.05 (Keras's default; the
    authors' code is Keras)."""

    def __init__(self, kind: str, vocabulary: int, n_rec: int, *, surrogate: Surrogate,
                 layer_kwargs: Optional[dict] = None):
        super().__init__()
        check_positive_ints("SpikingLanguageModel", vocabulary=vocabulary, n_rec=n_rec)
        self.kind = kind
        self.embedding = nn.Embedding(vocabulary, n_rec)
        nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
        self.layers = spiking_layers("SpikingLanguageModel", kind, n_rec, n_rec, surrogate, layer_kwargs)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if ids.dtype != torch.int64 or ids.dim() != 2:
            raise ValueError(f"SpikingLanguageModel: ids must be int64 (B, T), got {tuple(ids.shape)} {ids.dtype}")
        z = self.embedding(ids)
        for layer in self.layers:
            z = layer(z)
        return z @ self.embedding.weight.T
