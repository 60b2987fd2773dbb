"""LSTM networks as an ensemble of independent realisations, with the 2N x 2N tangent map in closed form."""
import math
from typing import Optional, Sequence, Union

import torch
from torch import nn

from .._validation import check_positive_ints
from ._ensemble import EnsembleModule, broadcast_members, member_matvec

__all__ = ["LSTM"]

Scale = Union[float, Sequence[float], torch.Tensor]


def _gate_scales(value, R, name, dtype) -> torch.Tensor:
    """Broadcast a scalar, a length-R sequence or an (R, 4) array to a non-negative (R, 4) tensor."""
    t = torch.as_tensor(value, dtype=dtype)
    if t.dim() == 0:
        t = t.expand(R, 4)
    elif t.shape == (R,):
        t = t.unsqueeze(-1).expand(R, 4)
    if t.shape != (R, 4):
        raise ValueError(
            f"LSTM: {name} must be a scalar, have length ensemble={R}, or shape (ensemble={R}, 4) "
            f"(one per gate i, f, c, o), got shape {tuple(t.shape)}"
        )
    if not (torch.isfinite(t).all() and (t >= 0).all()):
        raise ValueError(f"LSTM: {name} must be finite and non-negative, got {value!r}")
    return t


class LSTM(EnsembleModule):
    """``R`` independent LSTM networks of ``N`` units; the tangent state is ``(c, h)``.

    Each network follows (eqs. 12-17 of gradient flossing, appendix B.1)::

        a_g = W_g h + U_g x + b_g            for the gates g in (i, f, c, o)
        c'  = sigmoid(a_f) * c + sigmoid(a_i) * tanh(a_c)
        h'  = sigmoid(a_o) * tanh(c')

    ``W_g`` (recurrent) is the paper's ``U_g`` and ``U_g`` (input) the paper's ``W_g``. Parameters carry
    a leading ensemble dimension: ``W`` is ``(R, 4, N, N)``, ``U`` ``(R, 4, N, n_in)``, ``b``
    ``(R, 4, N)``, with the gate axis in the order ``GATES = (i, f, c, o)``, the order of
    ``torch.nn.LSTMCell``'s stacked ``(i, f, g, o)`` chunks. States have shape ``(R, *batch, 2N)``,
    the cell state ``c`` first and the hidden state ``h`` second, because the dynamics live on both
    (the paper's 2N x 2N Jacobian); inputs ``(R or 1, *batch, n_in)``.

    Initialisation. The paper draws the recurrent matrices ``N(0, g_g^2/N)`` and, for Fig 6, the gain
    ``g ~ Unif(0, 1)`` per network; here ``W_g ~ N(0, g^2/N)`` with ``g`` a scalar, one per member,
    or ``(R, 4)`` (one per member and gate). The paper leaves open the variance of the input weights
    (its list of uniformly drawn input gains is garbled) and contradicts itself on the biases
    ("i.i.d. Gaussian" biases, but ``b_i``, ``b_c``, ``b_o`` "initialised as zero"); we choose
    ``U_g ~ N(0, input_g^2/n_in)`` (``input_g=1`` with one input is the ``N(0, 1)`` input weights of
    the rate network) and ``b_g ~ N(0, bias_std^2)`` per unit with default ``bias_std=0``, the
    paper's zero biases. Both are parameters. The paper's biases are one scalar per gate; ours are
    per unit (trainable like torch's), which contains that case.
    """

    STATE = ("h (the state (c, h))", "2N")

    GATES = ("i", "f", "c", "o")

    def __init__(
        self,
        n_hidden: int,
        n_in: int = 1,
        *,
        ensemble: int = 1,
        g: Scale = 1.0,
        input_g: Scale = 1.0,
        bias_std: Scale = 0.0,
        generator: Optional[torch.Generator] = None,
        dtype: Optional[torch.dtype] = None,
        device=None,
    ):
        super().__init__()
        check_positive_ints("LSTM", n_hidden=n_hidden, n_in=n_in, ensemble=ensemble)
        dtype = dtype or torch.get_default_dtype()
        R, N = ensemble, n_hidden
        gains = _gate_scales(g, R, "g", dtype)[..., None, None]
        input_gains = _gate_scales(input_g, R, "input_g", dtype)[..., None, None]
        bias_stds = _gate_scales(bias_std, R, "bias_std", dtype)[..., None]
        W = gains * torch.randn(R, 4, N, N, generator=generator, dtype=dtype) / math.sqrt(N)
        U = input_gains * torch.randn(R, 4, N, n_in, generator=generator, dtype=dtype) / math.sqrt(n_in)
        b = bias_stds * torch.randn(R, 4, N, generator=generator, dtype=dtype)
        self.W = nn.Parameter(W.to(device))
        self.U = nn.Parameter(U.to(device))
        self.b = nn.Parameter(b.to(device))


    @property
    def n_hidden(self) -> int:
        return self.W.shape[-1]

    @property
    def n_in(self) -> int:
        return self.U.shape[-1]

    @property
    def state_size(self) -> int:
        """``2N``: the cell and hidden states together."""
        return 2 * self.n_hidden

    def _gates(self, h, x):
        """Split the state and evaluate the gates: ``c, i, f, c_hat, o``, each ``(R, *batch, N)``."""
        R, N = self.ensemble, self.n_hidden
        c, hidden = h[..., :N], h[..., N:]
        a = member_matvec(self.W.reshape(R, 4 * N, N), hidden)
        if x is not None:
            a = a + member_matvec(self.U.reshape(R, 4 * N, self.n_in), x)
        a = (a + broadcast_members(self.b.reshape(R, 4 * N), h)).unflatten(-1, (4, N))
        i, f, c_hat, o = a.unbind(-2)
        return c, torch.sigmoid(i), torch.sigmoid(f), torch.tanh(c_hat), torch.sigmoid(o)

    def step(self, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
        """One step of the state ``h = (c, h)`` ``(R, *batch, 2N)``; ``x=None`` runs without input."""
        self._check(h, x)
        c, i, f, c_hat, o = self._gates(h, x)
        c_next = f * c + i * c_hat
        return torch.cat([c_next, o * torch.tanh(c_next)], -1)

    def jacobian(self, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``d(c', h')/d(c, h)`` of shape ``(R, *batch, 2N, 2N)``, in closed form.

        Blocks: ``dc'/dc = diag(f)``; ``dc'/dh = diag(c f(1-f)) W_f + diag(c_hat i(1-i)) W_i
        + diag(i (1-c_hat^2)) W_c``; ``dh'/dc = diag(o (1-tanh^2 c')) dc'/dc``;
        ``dh'/dh = diag(o(1-o) tanh c') W_o + diag(o (1-tanh^2 c')) dc'/dh``.
        """
        self._check(h, x)
        c, i, f, c_hat, o = self._gates(h, x)
        tanh_c = torch.tanh(f * c + i * c_hat)
        W_i, W_f, W_c, W_o = broadcast_members(self.W, h).unbind(-3)
        dc_dh = (
            (c * f * (1 - f)).unsqueeze(-1) * W_f
            + (c_hat * i * (1 - i)).unsqueeze(-1) * W_i
            + (i * (1 - c_hat**2)).unsqueeze(-1) * W_c
        )
        through_c = o * (1 - tanh_c ** 2)  # dh'/dc' elementwise
        dh_dh = (o * (1 - o) * tanh_c).unsqueeze(-1) * W_o + through_c.unsqueeze(-1) * dc_dh
        top = torch.cat([torch.diag_embed(f), dc_dh], -1)
        bottom = torch.cat([torch.diag_embed(through_c * f), dh_dh], -1)
        return torch.cat([top, bottom], -2)

    def hidden(self, h: torch.Tensor) -> torch.Tensor:
        """The hidden part ``(R, *batch, N)`` of a state ``(R, *batch, 2N)``, e.g. for a readout."""
        self._check(h)
        return h[..., self.n_hidden:]
