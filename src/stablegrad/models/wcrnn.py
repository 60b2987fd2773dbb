"""Weakly coupled residual recurrent networks (Dubinin & Effenberger), as an ensemble.

A fixed residual map ``R`` carries the state and a trainable network is added with a small coupling
``gamma``, so the Lyapunov exponents stay close to ``log |eig R|`` (eq. 13) whatever the trained weights.
"""
import math
from typing import Optional, Union

import torch
from torch import nn

from .._validation import check_positive_ints
from ._ensemble import EnsembleModule, broadcast_members, member_matvec

__all__ = ["KINDS", "WCRNN"]

#: Update rules: ``"linear"`` x' = R x + γ σ(a) (eq. 11), ``"A"`` x' = σ(R x) + γ σ(a) (eq. 18),
#: ``"B"`` x' = σ(R x + γ a) (eq. 19), with ``a = W x + b + U s + c``.
KINDS = ("linear", "A", "B")
_SIGMA = {"tanh": (torch.tanh, lambda a: 1 - torch.tanh(a) ** 2),
          "identity": (lambda a: a, torch.ones_like)}


def _kaiming_uniform(generator, dtype, *shape: int) -> torch.Tensor:
    """``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with ``fan_in = shape[-1]`` for weights ``(R, out, in)``
    and biases ``(R, out, in)[..., 0]``: what ``torch.nn.Linear`` draws for weight and bias."""
    bound = 1 / math.sqrt(shape[-1])
    return (2 * torch.rand(*shape, generator=generator, dtype=dtype) - 1) * bound


class WCRNN(EnsembleModule):
    """``R`` independent WCRNNs of ``N`` units with input projection and an affine readout of the last state.

    ``residual`` is one ``(N, N)`` matrix for all members or one per member ``(R, N, N)`` (see
    :func:`~stablegrad.models.residuals.residual`); it is a fixed buffer unless ``train_residual`` (an Elman
    network initialised with a weakly coupled residual, the paper's Elman_wc). ``gamma`` is a positive number,
    one per unit ``(N,)`` or one per member and unit ``(R, N)``. ``W``, ``U`` and the readout, with their
    biases, start as ``torch.nn.Linear`` does (Kaiming uniform). ``nonlinearity="identity"`` is the paper's
    WCRNN without tanh. States ``(R, *batch, N)``, inputs ``(R or 1, *batch, n_in)``; the Jacobian is
    analytic.
    """

    def __init__(self, n_hidden: int, n_in: int = 1, n_out: int = 1, *, residual: torch.Tensor,
                 gamma: Union[float, torch.Tensor] = 0.01, kind: str = "linear", nonlinearity: str = "tanh",
                 train_residual: bool = False, ensemble: int = 1, generator: Optional[torch.Generator] = None,
                 dtype: Optional[torch.dtype] = None, device=None):
        super().__init__()
        check_positive_ints("WCRNN", n_hidden=n_hidden, n_in=n_in, n_out=n_out, ensemble=ensemble)
        if kind not in KINDS:
            raise ValueError(f"WCRNN: kind must be one of {KINDS}, got {kind!r}")
        if nonlinearity not in _SIGMA:
            raise ValueError(f"WCRNN: nonlinearity must be one of {sorted(_SIGMA)}, got {nonlinearity!r}")
        dtype = dtype or torch.get_default_dtype()
        E, N = ensemble, n_hidden
        draw = lambda *shape: _kaiming_uniform(generator, dtype, *shape).to(device)  # noqa: E731
        self.W, self.b = nn.Parameter(draw(E, N, N)), nn.Parameter(draw(E, N, N)[..., 0])
        self.U, self.c = nn.Parameter(draw(E, N, n_in)), nn.Parameter(draw(E, N, n_in)[..., 0])
        self.V, self.d = nn.Parameter(draw(E, n_out, N)), nn.Parameter(draw(E, n_out, N)[..., 0])
        R = self._per_member("residual", residual, (N, N), E, dtype, device)
        if not torch.isfinite(R).all():
            raise ValueError("WCRNN: residual must be finite")
        if train_residual:
            self.R = nn.Parameter(R.clone())
        else:
            self.register_buffer("R", R.clone())
        gamma = self._per_member("gamma", gamma, (N,), E, dtype, device)
        if not (torch.isfinite(gamma).all() and (gamma > 0).all()):
            raise ValueError(f"WCRNN: gamma must be positive and finite, got values in "
                             f"[{gamma.min().item():g}, {gamma.max().item():g}]")
        self.register_buffer("gamma", gamma.clone())
        self.kind, self.nonlinearity = kind, nonlinearity
        self.sigma, self.dsigma = _SIGMA[nonlinearity]

    @staticmethod
    def _per_member(name, value, shape, E, dtype, device) -> torch.Tensor:
        """``value`` broadcast to ``(E, *shape)``: a scalar (gamma only), ``shape`` or ``(E, *shape)``."""
        t = torch.as_tensor(value, dtype=dtype, device=device)
        if name == "gamma" and t.dim() == 0:
            t = t.expand(*shape)
        if tuple(t.shape) == shape:
            t = t.expand(E, *shape)
        if tuple(t.shape) != (E, *shape):
            scalar = "a number, " if name == "gamma" else ""
            raise ValueError(f"WCRNN: {name} must be {scalar}of shape {shape} or (ensemble={E}, *{shape}), got "
                             f"shape {tuple(t.shape)}")
        return t

    @property
    def state_size(self) -> int:
        return self.W.shape[-1]

    @property
    def n_in(self) -> int:
        return self.U.shape[-1]

    def _drive(self, h: torch.Tensor, x: Optional[torch.Tensor]) -> torch.Tensor:
        """The coupled network's pre-activation ``a = W h + b + U x + c``."""
        a = member_matvec(self.W, h) + broadcast_members(self.b + self.c, h)
        if x is not None:
            x = x if x.dim() == h.dim() else x.expand(*h.shape[:-1], x.shape[-1])
            a = a + member_matvec(self.U, x)
        return a

    def step(self, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
        """One step of the update rule ``KINDS[kind]``; ``x=None`` runs without input."""
        self._check(h, x)
        a, gamma, Rh = self._drive(h, x), broadcast_members(self.gamma, h), member_matvec(self.R, h)
        if self.kind == "linear":
            return Rh + gamma * self.sigma(a)
        if self.kind == "A":
            return self.sigma(Rh) + gamma * self.sigma(a)
        return self.sigma(Rh + gamma * a)

    def jacobian(self, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``dx'/dx`` ``(R, *batch, N, N)``: ``R + diag(γ σ'(a)) W`` (linear), ``diag(σ'(Rx)) R + diag(γ σ'(a)) W``
        (A), ``diag(σ'(Rx + γ a)) (R + diag(γ) W)`` (B)."""
        self._check(h, x)
        a, gamma, Rh = self._drive(h, x), broadcast_members(self.gamma, h), member_matvec(self.R, h)
        R, W = broadcast_members(self.R, h), broadcast_members(self.W, h)
        if self.kind == "linear":
            return R + (gamma * self.dsigma(a)).unsqueeze(-1) * W
        if self.kind == "A":
            return self.dsigma(Rh).unsqueeze(-1) * R + (gamma * self.dsigma(a)).unsqueeze(-1) * W
        return self.dsigma(Rh + gamma * a).unsqueeze(-1) * (R + gamma.unsqueeze(-1) * W)

    def hidden(self, h: torch.Tensor) -> torch.Tensor:
        """What the readout reads: the state itself."""
        self._check(h)
        return h

    def _inputs(self, inputs: torch.Tensor) -> torch.Tensor:
        """Check batch-first ``inputs`` ``(B, T, n_in)`` (shared) or ``(R, B, T, n_in)`` and make them
        time-major ``(T, R or 1, B, n_in)``."""
        ok = isinstance(inputs, torch.Tensor) and inputs.dim() in (3, 4) and inputs.shape[-1] == self.n_in
        if ok and inputs.dim() == 4:
            ok = inputs.shape[0] == self.ensemble
        if not ok:
            shape = tuple(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs).__name__
            raise ValueError(f"WCRNN: inputs must have shape (B, T, n_in={self.n_in}) or (R={self.ensemble}, B, T, "
                             f"n_in), got {shape}")
        return (inputs if inputs.dim() == 4 else inputs.unsqueeze(0)).movedim(2, 0)

    def states(self, inputs: torch.Tensor) -> torch.Tensor:
        """The states after every input, ``(T, R, B, N)``, from the zero state."""
        h = self.initial_state(inputs.shape[-3])
        out = []
        for x in self._inputs(inputs):
            h = self.step(h, x)
            out.append(h)
        return torch.stack(out)

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """The affine readout ``V h + d`` ``(R, *batch, n_out)`` of states ``(R, *batch, N)``."""
        return member_matvec(self.V, h) + broadcast_members(self.d, h)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Outputs ``(R, B, n_out)`` read from the last state after batch-first ``inputs`` (see :meth:`states`)."""
        h = self.initial_state(inputs.shape[-3])
        for x in self._inputs(inputs):
            h = self.step(h, x)
        return self.readout(h)
