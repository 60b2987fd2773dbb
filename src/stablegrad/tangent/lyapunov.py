"""Lyapunov spectra by QR reorthonormalisation of an evolving tangent basis.

The state ``h`` follows ``h_{s+1} = system.step(h_s, x_{s+1})`` while a ``k``-column orthonormal
basis ``Q`` follows the tangent dynamics ``Q <- D_s Q`` with ``D_s = dh_{s+1}/dh_s``. Every
``t_ons`` steps ``Q`` is re-orthonormalised by ``qr_positive`` and ``log diag R`` is accumulated;
the exponents are those sums divided by the number of accumulated steps. Everything is plain
autograd-friendly torch, so the spectrum is differentiable for gradient flossing.
"""
from dataclasses import dataclass
from typing import Callable, Optional, Protocol, runtime_checkable

import torch
from torch.autograd import forward_ad

from .._validation import check_positive_ints
from .qr import qr_positive

__all__ = ["LyapunovSpectrum", "System", "autodiff_jacobian", "lyapunov_spectrum", "pushforward", "random_orthonormal",
           "tangent_map"]


@runtime_checkable
class System(Protocol):
    """A discrete-time dynamical system on states of shape ``(*batch, N)``.

    ``step(h, x)`` returns the next state (``x`` is ``None`` for autonomous systems). A system may
    also define ``jacobian(h, x) -> (*batch, N, N)``, the derivative of ``step`` with respect to
    ``h``; without it the tangent dynamics come from forward-mode autodiff.
    """

    def step(self, h: torch.Tensor, x: Optional[torch.Tensor]) -> torch.Tensor: ...


@dataclass(frozen=True)
class LyapunovSpectrum:
    """Result of :func:`lyapunov_spectrum`.

    Attributes:
        exponents: ``(*batch, k)`` natural-log growth rates per step, leading exponent first.
        running: ``(n_ons, *batch, k)`` estimate after each accumulated reorthonormalisation.
        steps: ``(n_ons,)`` number of accumulated steps behind each running estimate.
        state: ``(*batch, N)`` final state, to continue the trajectory.
        Q: ``(*batch, N, k)`` final orthonormal tangent basis, to continue the computation.
    """

    exponents: torch.Tensor
    running: torch.Tensor
    steps: torch.Tensor
    state: torch.Tensor
    Q: torch.Tensor


def random_orthonormal(*shape: int, dtype=None, device=None, generator=None) -> torch.Tensor:
    """A random ``(*batch, N, k)`` matrix with orthonormal columns (QR of a Gaussian draw).

    The draw happens on ``generator``'s device (the CPU by default) and is then moved to ``device``,
    so a CPU generator seeds runs on any device identically.
    """
    source = generator.device if generator is not None else "cpu"
    A = torch.randn(*shape, dtype=dtype, device=source, generator=generator).to(device)
    return qr_positive(A)[0]


def pushforward(system, h: torch.Tensor, x: Optional[torch.Tensor], Q: torch.Tensor):
    """``(step(h, x), D Q)`` by forward-mode autodiff, ignoring any ``system.jacobian``.

    The ``k`` columns of ``Q`` ``(*batch, N, k)`` are pushed through ``step`` as forward-mode tangents,
    one per copy of the state along an extra batch dimension: ``k`` Jacobian-vector products, never
    more than the ``N`` that forming the Jacobian would cost. ``step`` must therefore broadcast over
    batch dimensions, as the :class:`System` protocol asks.
    """
    copies = h.unsqueeze(-2).expand(*h.shape[:-1], Q.shape[-1], h.shape[-1]).contiguous()
    with forward_ad.dual_level():
        out = system.step(forward_ad.make_dual(copies, Q.mT.contiguous()), None if x is None else x.unsqueeze(-2))
        h_next, DQ = forward_ad.unpack_dual(out)
    return h_next[..., 0, :], DQ.mT


def autodiff_jacobian(system, h: torch.Tensor, x: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``d step(h, x) / dh`` ``(*batch, N, N)`` by autodiff: the reference for analytic ``jacobian`` methods."""
    eye = torch.eye(h.shape[-1], dtype=h.dtype, device=h.device).expand(*h.shape, h.shape[-1])
    return pushforward(system, h, x, eye)[1]


def tangent_map(system) -> Callable:
    """Return ``advance(h, x, Q) -> (step(h, x), D Q)`` for ``system``: its ``jacobian`` when defined,
    else :func:`pushforward`."""
    jacobian = getattr(system, "jacobian", None)
    if callable(jacobian):
        def advance(h, x, Q):
            return system.step(h, x), jacobian(h, x) @ Q
        return advance
    return lambda h, x, Q: pushforward(system, h, x, Q)


def _check_arguments(system, h0, inputs, steps, k, t_ons, transient):
    if not callable(getattr(system, "step", None)):
        raise TypeError("lyapunov_spectrum: system must have a step(h, x) method")
    if not isinstance(h0, torch.Tensor) or h0.dim() < 1:
        raise ValueError("lyapunov_spectrum: h0 must be a tensor of shape (*batch, N)")
    if not h0.is_floating_point():
        raise TypeError(f"lyapunov_spectrum: h0 must be floating point, got {h0.dtype}")
    if not torch.isfinite(h0).all():
        raise ValueError("lyapunov_spectrum: h0 contains non-finite values")
    if (inputs is None) == (steps is None):
        raise ValueError(
            "lyapunov_spectrum: pass exactly one of inputs (driven system) or steps (autonomous system)"
        )
    if inputs is not None:
        if not isinstance(inputs, torch.Tensor) or inputs.dim() < 2:
            raise ValueError("lyapunov_spectrum: inputs must be a time-major tensor (T, *batch, n_in)")
        batch = tuple(h0.shape[:-1])
        try:
            ok = torch.broadcast_shapes(tuple(inputs.shape[1:-1]), batch) == batch
        except RuntimeError:
            ok = False
        if not ok:
            raise ValueError(
                f"lyapunov_spectrum: inputs of shape {tuple(inputs.shape)} do not match the state: "
                f"expected (T, *batch, n_in) with batch broadcastable to {batch} (from h0 {tuple(h0.shape)})"
            )
        total = inputs.shape[0]
    else:
        check_positive_ints("lyapunov_spectrum", steps=steps)
        total = steps
    N = h0.shape[-1]
    k = N if k is None else k
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= N:
        raise ValueError(f"lyapunov_spectrum: k must be an integer in [1, N={N}], got {k!r}")
    if not isinstance(t_ons, int) or isinstance(t_ons, bool) or t_ons < 1:
        raise ValueError(f"lyapunov_spectrum: t_ons must be an integer >= 1, got {t_ons!r}")
    if not isinstance(transient, int) or isinstance(transient, bool) or transient < 0:
        raise ValueError(f"lyapunov_spectrum: transient must be an integer >= 0, got {transient!r}")
    if transient >= total:
        raise ValueError(
            f"lyapunov_spectrum: transient={transient} leaves no step to accumulate out of {total}"
        )
    return k, total


def lyapunov_spectrum(
    system,
    h0: torch.Tensor,
    inputs: Optional[torch.Tensor] = None,
    *,
    steps: Optional[int] = None,
    k: Optional[int] = None,
    t_ons: int = 1,
    transient: int = 0,
    Q0: Optional[torch.Tensor] = None,
    generator: Optional[torch.Generator] = None,
) -> LyapunovSpectrum:
    """The ``k`` leading Lyapunov exponents of ``system`` along the trajectory from ``h0``.

    Args:
        system: object with ``step(h, x)`` and optionally ``jacobian(h, x)`` (see :class:`System`).
        h0: initial state ``(*batch, N)``; every leading dimension is an independent trajectory.
        inputs: time-major drive ``(T, *batch, n_in)`` (batch broadcastable to h0's); or ``None``.
        steps: number of steps of an autonomous system (exactly one of ``inputs``/``steps``).
        k: number of exponents (default ``N``).
        t_ons: reorthonormalisation interval in steps.
        transient: leading steps that evolve state and ``Q`` without being accumulated.
        Q0: initial orthonormal basis ``(*batch, N, k)``; default a random one from ``generator``.

    Returns:
        :class:`LyapunovSpectrum`; differentiable with respect to the system's parameters.
    """
    k, total = _check_arguments(system, h0, inputs, steps, k, t_ons, transient)
    batch, N = tuple(h0.shape[:-1]), h0.shape[-1]
    if Q0 is None:
        Q0 = random_orthonormal(*batch, N, k, dtype=h0.dtype, device=h0.device, generator=generator)
    elif tuple(Q0.shape) != (*batch, N, k):
        raise ValueError(f"lyapunov_spectrum: Q0 must have shape {(*batch, N, k)}, got {tuple(Q0.shape)}")

    advance = tangent_map(system)
    h, Q = h0, Q0
    log_growth = h0.new_zeros(*batch, k)
    running, counted, since_qr = [], [], 0
    for t in range(total):
        h, Q = advance(h, None if inputs is None else inputs[t], Q)
        since_qr += 1
        if since_qr < t_ons and t != transient - 1 and t != total - 1:
            continue
        if not torch.isfinite(h).all():
            raise FloatingPointError(
                f"lyapunov_spectrum: the state became non-finite at step {t + 1} "
                f"(checked every {t_ons} step(s)); the trajectory blew up"
            )
        Q, R = qr_positive(Q)
        since_qr = 0
        if t >= transient:
            log_growth = log_growth + R.diagonal(dim1=-2, dim2=-1).log()
            n = t + 1 - transient
            running.append(log_growth / n)
            counted.append(n)
    return LyapunovSpectrum(
        exponents=running[-1],
        running=torch.stack(running),
        steps=torch.tensor(counted),
        state=h,
        Q=Q,
    )
