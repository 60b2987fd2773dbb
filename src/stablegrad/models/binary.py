"""Binary recurrent networks trained with surrogate gradients, as an ensemble of independent realisations."""
import math
from typing import Optional, Sequence, Union

import torch
from torch import nn

from .. import surrogate
from .._validation import check_positive_ints
from ._ensemble import EnsembleModule, broadcast_members, member_matvec

__all__ = ["BinaryRNN"]


class BinaryRNN(EnsembleModule):
    """``R`` independent binary networks ``h_{s+1} = W sgn(h_s) + V x_{s+1}`` (surrogate flossing, eq. 1).

    The forward pass is exactly binary; the backward pass replaces the derivative of ``sgn`` by the
    surrogate ``phi'_g(h) = sech^2(g h)`` with a trainable sharpness ``g`` per network, so the
    surrogate Jacobian is ``W diag(phi'_g(h_s))`` (a column scaling; analytic in :meth:`jacobian`).

    ``W_ij ~ N(0, gain^2/N)`` (the paper: ``gain = 1``), ``V ~ N(0, 1/n_in)``; ``g`` (a scalar or one per
    member) must be positive. The task loss does not depend on ``g`` (the forward pass does not), so
    only what differentiates the surrogate Jacobian itself, surrogate flossing, changes ``g``; ``g``
    is trained as given (not as ``log g``) like the paper's code, and ``sech^2`` is even in ``g``.
    States ``(R, *batch, N)``; inputs ``(R or 1, *batch, n_in)``; a readout reads ``sgn(h)``.
    """

    def __init__(
        self,
        n_hidden: int,
        n_in: int = 1,
        *,
        ensemble: int = 1,
        g: Union[float, Sequence[float], torch.Tensor] = 1.0,
        gain: float = 1.0,
        generator: Optional[torch.Generator] = None,
        dtype: Optional[torch.dtype] = None,
        device=None,
    ):
        super().__init__()
        check_positive_ints("BinaryRNN", n_hidden=n_hidden, n_in=n_in, ensemble=ensemble)
        dtype = dtype or torch.get_default_dtype()
        R, N = ensemble, n_hidden
        sharpness = torch.as_tensor(g, dtype=dtype)
        sharpness = sharpness.expand(R).clone() if sharpness.dim() == 0 else sharpness.clone()
        if sharpness.shape != (R,) or not (torch.isfinite(sharpness).all() and (sharpness > 0).all()):
            raise ValueError(f"BinaryRNN: g must be positive and finite, a scalar or one per member (R={R}), got {g!r}")
        if not (isinstance(gain, (int, float)) and gain >= 0):
            raise ValueError(f"BinaryRNN: gain must be a non-negative number, got {gain!r}")
        W = gain * torch.randn(R, N, N, generator=generator, dtype=dtype) / math.sqrt(N)
        V = torch.randn(R, N, n_in, generator=generator, dtype=dtype) / math.sqrt(n_in)
        self.W = nn.Parameter(W.to(device))
        self.V = nn.Parameter(V.to(device))
        self.g = nn.Parameter(sharpness.to(device))

    @property
    def state_size(self) -> int:
        return self.W.shape[-1]

    @property
    def n_in(self) -> int:
        return self.V.shape[-1]

    def _sharpness(self, h: torch.Tensor) -> torch.Tensor:
        """``g`` of each member, shaped to broadcast against ``h`` ``(R, *batch, N)``."""
        return broadcast_members(self.g, h).unsqueeze(-1)

    def surrogate(self, h: torch.Tensor) -> surrogate.Surrogate:
        """The surrogate ``sech^2(g h)`` of ``sgn`` at the sharpness of each member (not differentiated in ``g``).

        ``|g|`` is kept above machine epsilon: its primitive ``tanh(g h) / g`` is 0/0 at ``g = 0``, where the
        surrogate's limit (slope 1) is what a tiny ``g`` gives.
        """
        sharpness = self._sharpness(h).detach().abs().clamp(min=torch.finfo(h.dtype).eps)
        return surrogate.Surrogate("sech2", sharpness=sharpness)

    def step(self, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
        """One step ``W sgn(h) + V x``; ``x=None`` runs the network without input."""
        self._check(h, x)
        out = member_matvec(self.W, surrogate.sign(h, self.surrogate(h)))
        if x is not None:
            out = out + member_matvec(self.V, x)
        return out

    def jacobian(self, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Surrogate Jacobian ``W diag(sech^2(g h))`` ``(R, *batch, N, N)``; differentiable in ``W`` and ``g``."""
        self._check(h, x)
        slope = surrogate.Surrogate("sech2", sharpness=self._sharpness(h))(h)
        return broadcast_members(self.W, h) * slope.unsqueeze(-2)

    def hidden(self, h: torch.Tensor) -> torch.Tensor:
        """What a readout reads: the binary state ``sgn(h)`` (surrogate derivative backward)."""
        self._check(h, None)
        return surrogate.sign(h, self.surrogate(h))
