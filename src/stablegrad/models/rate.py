"""Rate (vanilla) recurrent networks, as an ensemble of independent realisations."""
import math
from typing import Optional, Sequence, Union

import torch
from torch import nn

from .._validation import check_positive_ints
from ._ensemble import EnsembleModule, broadcast_members, member_matvec

__all__ = ["VanillaRNN"]

_PHI = {
    "tanh": (torch.tanh, lambda h: 1 - torch.tanh(h) ** 2),
    "relu": (torch.relu, lambda h: (h > 0).to(h.dtype)),
}


def _per_member(value, R, name, dtype, device) -> torch.Tensor:
    """Broadcast a scalar or length-R sequence to a (R,) tensor."""
    t = torch.as_tensor(value, dtype=dtype, device=device)
    if t.dim() == 0:
        t = t.expand(R)
    if t.shape != (R,):
        raise ValueError(f"VanillaRNN: {name} must be a scalar or have length ensemble={R}, got shape {tuple(t.shape)}")
    return t


class VanillaRNN(EnsembleModule):
    """``R`` independent networks ``h_{s+1} = W phi(h_s) + V x_{s+1}`` (eq. 9 of gradient flossing).

    States have shape ``(R, *batch, N)``; inputs ``(R or 1, *batch, n_in)``. Recurrent weights are
    ``W_ij ~ N(mean, g^2/N)`` (``init="gaussian"``) or ``g`` times a random orthogonal matrix
    (``init="orthogonal"``); ``g`` and ``mean`` may differ per member. Input weights ``V ~ N(0, 1)``.
    ``bias=None`` keeps eq. 9 as written; a number ``beta`` adds a trainable bias ``b ~ U[0, beta]``
    (the authors' Julia code uses ``beta = 0.1``). The Jacobian ``W diag(phi'(h))`` is analytic.
    """

    def __init__(
        self,
        n_hidden: int,
        n_in: int = 1,
        *,
        ensemble: int = 1,
        nonlinearity: str = "tanh",
        g: Union[float, Sequence[float], torch.Tensor] = 1.0,
        mean: Union[float, Sequence[float], torch.Tensor] = 0.0,
        init: str = "gaussian",
        bias: Optional[float] = None,
        generator: Optional[torch.Generator] = None,
        dtype: Optional[torch.dtype] = None,
        device=None,
    ):
        super().__init__()
        check_positive_ints("VanillaRNN", n_hidden=n_hidden, n_in=n_in, ensemble=ensemble)
        if nonlinearity not in _PHI:
            raise ValueError(f"VanillaRNN: nonlinearity must be one of {sorted(_PHI)}, got {nonlinearity!r}")
        if init not in ("gaussian", "orthogonal"):
            raise ValueError(f"VanillaRNN: init must be 'gaussian' or 'orthogonal', got {init!r}")
        dtype = dtype or torch.get_default_dtype()
        R, N = ensemble, n_hidden
        gains = _per_member(g, R, "g", dtype, "cpu").view(R, 1, 1)
        means = _per_member(mean, R, "mean", dtype, "cpu").view(R, 1, 1)
        if init == "gaussian":
            W = means + gains * torch.randn(R, N, N, generator=generator, dtype=dtype) / math.sqrt(N)
        else:
            Q, Rm = torch.linalg.qr(torch.randn(R, N, N, generator=generator, dtype=dtype))
            W = means + gains * Q * torch.sign(Rm.diagonal(dim1=-2, dim2=-1)).unsqueeze(-2)
        V = torch.randn(R, N, n_in, generator=generator, dtype=dtype)
        self.W = nn.Parameter(W.to(device))
        self.V = nn.Parameter(V.to(device))
        if bias is not None:
            if not bias >= 0:
                raise ValueError(f"VanillaRNN: bias must be None or a non-negative number, got {bias!r}")
            self.b = nn.Parameter((bias * torch.rand(R, N, generator=generator, dtype=dtype)).to(device))
        else:
            self.b = None
        self.nonlinearity = nonlinearity
        self.phi, self.dphi = _PHI[nonlinearity]


    @property
    def state_size(self) -> int:
        return self.W.shape[-1]

    @property
    def n_in(self) -> int:
        return self.V.shape[-1]

    def step(self, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
        """One step ``W phi(h) + V x``; ``x=None`` runs the network without input."""
        self._check(h, x)
        out = member_matvec(self.W, self.phi(h))
        if x is not None:
            out = out + member_matvec(self.V, x)
        if self.b is not None:
            out = out + broadcast_members(self.b, h)
        return out

    def jacobian(self, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``dh_{s+1}/dh_s = W diag(phi'(h_s))`` of shape ``(R, *batch, N, N)``."""
        self._check(h, x)
        return broadcast_members(self.W, h) * self.dphi(h).unsqueeze(-2)

    def hidden(self, h: torch.Tensor) -> torch.Tensor:
        """What a readout reads: the state itself (the pre-activation, as in the authors' code)."""
        self._check(h, None)
        return h
