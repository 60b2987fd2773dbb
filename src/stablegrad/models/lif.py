"""Recurrent networks of leaky integrate-and-fire neurons with exponential synapses, as an ensemble of
independent realisations, with the 2N x 2N surrogate Jacobian in closed form."""
import math
from typing import Optional

import torch
from torch import nn

from .. import surrogate as _surrogate
from .._validation import check_positive_ints
from ._ensemble import EnsembleModule, broadcast_members, member_matvec

__all__ = ["LIFNetwork"]


def _check_positive_number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"LIFNetwork: {name} must be a positive number, got {value!r}")
    return float(value)


def _check_std(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"LIFNetwork: {name} must be a finite non-negative number, got {value!r}")
    return float(value)


class LIFNetwork(EnsembleModule):
    """``R`` independent recurrent networks of ``N`` LIF neurons with exponential synapses (surrogate
    gradient flossing, appendices D and E).

    The state is ``h = (U, I)``, membrane potentials first, of shape ``(R, *batch, 2N)``; inputs are the
    input spikes ``x`` of the step, ``(R or 1, *batch, n_in)``. With the spikes ``S[n] = H(U[n] - theta)``
    (exact step forward, surrogate derivative backward, see :func:`stablegrad.surrogate.heaviside`)::

        I[n+1] = alpha I[n] + W S[n] + V x[n+1]
        U[n+1] = (beta U[n] + I[n+1]) (1 - S[n])

    with ``beta = exp(-dt/tau_mem)`` and ``alpha = exp(-dt/tau_syn)``; a neuron that spikes is reset to 0
    at the next step. ``W`` ``(R, N, N)`` is the recurrent and ``V`` ``(R, N, n_in)`` the input matrix, as
    everywhere in this library; the paper's eq 8 swaps the letters (its ``V`` is recurrent).

    Which model. Eq 7 as printed, ``U[n+1] = (beta U[n] + (1-beta) I[n]) (1 - S[n])``, is not the model
    whose Jacobian the paper writes down (eqs 11-18): those entries (``dU'/dI = alpha``, recurrent weights
    in ``dU'/dU``) say that ``I[n+1]`` enters ``U[n+1]``, and the paper notes after eq 14 that ``(1-beta)``
    is absorbed into the weights. This class implements the model of eqs 11-18 above.

    Surrogate. ``surrogate`` names a shape of :mod:`stablegrad.surrogate` and ``sharpness`` its scale in the
    Table S1 convention (derivative ``f(sharpness * v)``, peak 1). The paper's
    ``phi'_g(x) = 1/(g|x| + 1)^2`` is ``"fast_sigmoid"`` at ``sharpness = g / 2``.

    Reset in the backward pass. ``reset_in_backward=True`` differentiates the whole step, reset included
    (eqs 15-18). ``False`` lets the backward pass ignore the reset, as is common in surrogate gradient
    training: ``U[n+1] = P - (P S[n]).detach()`` with ``P = beta U[n] + I[n+1]``, the same forward values,
    and exactly the Jacobian of eqs 11-14. :meth:`jacobian` gives both in closed form.

    Initialisation (the book's own choice). The paper initialises "in the fluctuation-driven regime
    following Rossbroich et al." without numbers. Here ``W ~ N(0, rec_std^2 / N)`` and
    ``V ~ N(0, in_std^2 / n_in)``: zero-mean weights, so the mean drive is zero and neurons fire only on
    fluctuations. With the defaults ``rec_std = in_std = 0.7``, networks of 64 neurons driven by
    ``n_in = 100`` Poisson channels at 20 Hz (``dt = 2`` ms) spike at about 3 % of their steps (15 Hz),
    with membrane potentials of mean -0.2 and standard deviation 0.8 (threshold 1), of whose variance
    the recurrence contributes about 40 %. Both scales are parameters.
    """

    STATE = ("h (the state (U, I))", "2N")

    def __init__(
        self,
        n_hidden: int,
        n_in: int = 1,
        *,
        ensemble: int = 1,
        dt: float = 2e-3,
        tau_mem: float = 10e-3,
        tau_syn: float = 5e-3,
        threshold: float = 1.0,
        surrogate: str = "fast_sigmoid",
        sharpness: float = 1.0,
        reset_in_backward: bool = True,
        rec_std: float = 0.7,
        in_std: float = 0.7,
        generator: Optional[torch.Generator] = None,
        dtype: Optional[torch.dtype] = None,
        device=None,
    ):
        super().__init__()
        check_positive_ints("LIFNetwork", n_hidden=n_hidden, n_in=n_in, ensemble=ensemble)
        self.dt = _check_positive_number("dt", dt)
        self.tau_mem = _check_positive_number("tau_mem", tau_mem)
        self.tau_syn = _check_positive_number("tau_syn", tau_syn)
        if not (dt < tau_mem and dt < tau_syn):
            raise ValueError(
                f"LIFNetwork: dt={dt!r} must be smaller than both time constants tau_mem={tau_mem!r} and "
                f"tau_syn={tau_syn!r} (a LIF time step not smaller than the time constants)"
            )
        self.threshold = _check_positive_number("threshold", threshold)
        if isinstance(sharpness, bool) or not isinstance(sharpness, (int, float)) or not sharpness > 0:
            raise ValueError(f"LIFNetwork: sharpness must be a positive number, got {sharpness!r}")
        if not isinstance(surrogate, str) or surrogate not in _surrogate.SHAPES:
            raise ValueError(
                f"LIFNetwork: surrogate must name a shape of stablegrad.surrogate, one of "
                f"{sorted(_surrogate.SHAPES)}, got {surrogate!r}"
            )
        if not isinstance(reset_in_backward, bool):
            raise ValueError(f"LIFNetwork: reset_in_backward must be True or False, got {reset_in_backward!r}")
        self.surrogate = _surrogate.get(surrogate, sharpness=float(sharpness))
        self.reset_in_backward = reset_in_backward
        rec_std, in_std = _check_std("rec_std", rec_std), _check_std("in_std", in_std)
        dtype = dtype or torch.get_default_dtype()
        R, N = ensemble, n_hidden
        W = rec_std * torch.randn(R, N, N, generator=generator, dtype=dtype) / math.sqrt(N)
        V = in_std * torch.randn(R, N, n_in, generator=generator, dtype=dtype) / math.sqrt(n_in)
        self.W = nn.Parameter(W.to(device))
        self.V = nn.Parameter(V.to(device))

    @property
    def beta(self) -> float:
        """Membrane decay per step, ``exp(-dt/tau_mem)``."""
        return math.exp(-self.dt / self.tau_mem)

    @property
    def alpha(self) -> float:
        """Synaptic decay per step, ``exp(-dt/tau_syn)``."""
        return math.exp(-self.dt / self.tau_syn)

    @property
    def sharpness(self) -> float:
        return self.surrogate.sharpness

    @property
    def n_hidden(self) -> int:
        return self.W.shape[-1]

    @property
    def n_in(self) -> int:
        return self.V.shape[-1]

    @property
    def state_size(self) -> int:
        """``2N``: membrane potentials and synaptic currents."""
        return 2 * self.n_hidden

    def extra_repr(self) -> str:
        return (f"n_hidden={self.n_hidden}, n_in={self.n_in}, ensemble={self.ensemble}, dt={self.dt}, "
                f"tau_mem={self.tau_mem}, tau_syn={self.tau_syn}, threshold={self.threshold}, "
                f"surrogate={self.surrogate.name!r}, sharpness={self.sharpness}, "
                f"reset_in_backward={self.reset_in_backward}")

    def _split(self, h):
        N = self.n_hidden
        return h[..., :N], h[..., N:]

    def _synaptic(self, I, S, x):
        """``I[n+1] = alpha I + W S + V x``."""
        I_next = self.alpha * I + member_matvec(self.W, S)
        if x is not None:
            I_next = I_next + member_matvec(self.V, x)
        return I_next

    def step(self, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
        """One step of the state ``(U, I)`` ``(R, *batch, 2N)`` driven by the input spikes ``x``
        (``None``: no input)."""
        self._check(h, x)
        U, I = self._split(h)
        S = _surrogate.heaviside(U - self.threshold, self.surrogate)
        I_next = self._synaptic(I, S, x)
        P = self.beta * U + I_next
        U_next = P * (1 - S) if self.reset_in_backward else P - (P * S).detach()
        return torch.cat([U_next, I_next], -1)

    def jacobian(self, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The surrogate Jacobian ``d(U', I')/d(U, I)`` of shape ``(R, *batch, 2N, 2N)``, in closed form.

        With ``phi' = surrogate(U - theta)``, ``S = H(U - theta)`` and ``P = beta U + I[n+1]``, the blocks
        ``[[dU'/dU, dU'/dI], [dI'/dU, dI'/dI]]`` are

        * reset ignored (eqs 11-14): ``beta 1 + W diag(phi')``, ``alpha 1``, ``W diag(phi')``, ``alpha 1``;
        * reset included: ``diag(1 - S) (beta 1 + W diag(phi')) - diag(P phi')``, ``alpha diag(1 - S)``,
          ``W diag(phi')``, ``alpha 1``.

        Eq 15 as printed differs from the second case in two places: its second term lacks the
        ``delta_ij`` (the reset of neuron ``i`` depends only on ``U_i``, so the term is diagonal), and it
        writes the recurrent input of ``P`` with ``phi`` where the forward pass uses the spikes ``S``.
        The autodiff tests decide: the expression above equals the derivative of :meth:`step`.
        """
        self._check(h, x)
        U, I = self._split(h)
        v = U - self.threshold
        S = (v > 0).to(U.dtype)
        dphi = self.surrogate(v)
        W_dphi = broadcast_members(self.W, h) * dphi.unsqueeze(-2)  # W diag(phi')
        eye = torch.eye(self.n_hidden, dtype=U.dtype, device=U.device)
        dU_dU = self.beta * eye + W_dphi
        dU_dI = self.alpha * eye.expand_as(W_dphi)
        if self.reset_in_backward:
            P = self.beta * U + self._synaptic(I, S, x)
            dU_dU = (1 - S).unsqueeze(-1) * dU_dU - torch.diag_embed(P * dphi)
            dU_dI = torch.diag_embed(self.alpha * (1 - S))
        top = torch.cat([dU_dU, dU_dI], -1)
        bottom = torch.cat([W_dphi, self.alpha * eye.expand_as(W_dphi)], -1)
        return torch.cat([top, bottom], -2)

    def spikes(self, h: torch.Tensor) -> torch.Tensor:
        """The spikes ``S = H(U - theta)`` ``(R, *batch, N)`` that the state emits (surrogate derivative)."""
        self._check(h)
        return _surrogate.heaviside(self._split(h)[0] - self.threshold, self.surrogate)

    def hidden(self, h: torch.Tensor) -> torch.Tensor:
        """What a readout reads: the spikes of the state, ``(R, *batch, N)``; see :meth:`spikes`."""
        return self.spikes(h)
