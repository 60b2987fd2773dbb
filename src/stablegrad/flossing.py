"""Gradient flossing: drive the leading Lyapunov exponents toward a target by gradient descent."""
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence, Union

import torch
from tqdm import tqdm

from ._validation import check_positive_ints
from .tangent import LyapunovSpectrum, lyapunov_spectrum, random_orthonormal

__all__ = ["FlossingError", "FlossingHistory", "floss", "flossing_loss"]

TensorOrFactory = Union[torch.Tensor, Callable[[int], torch.Tensor]]


def flossing_loss(spectrum: Union[LyapunovSpectrum, torch.Tensor], k: Union[int, Sequence[int], None] = None,
                  target: Union[float, torch.Tensor] = 0.0) -> torch.Tensor:
    """Mean over the ``k`` leading exponents of ``(lambda_i - target)^2``, one value per trajectory.

    ``spectrum`` is a :class:`LyapunovSpectrum` or an exponents tensor ``(*batch, n)``; ``target``
    broadcasts against the exponents (e.g. one target per ensemble member). ``k`` is one number, or one
    per ensemble member (the leading dimension), so that members flossing different numbers of
    exponents train as one ensemble: exponent ``i`` depends only on the first ``i`` tangent directions,
    so the extra directions do not change a member's loss. Returns ``(*batch,)``.
    """
    exponents = spectrum.exponents if isinstance(spectrum, LyapunovSpectrum) else spectrum
    n = exponents.shape[-1]
    ks = torch.as_tensor(n if k is None else k)
    if ks.is_floating_point() or ks.dtype == torch.bool or ks.dim() > 1 or not ((1 <= ks) & (ks <= n)).all():
        raise ValueError(f"flossing_loss: k must be integers in [1, {n}] (exponents available), got {k!r}")
    if ks.dim() == 0:
        return ((exponents[..., : int(ks)] - target) ** 2).mean(-1)
    if len(ks) != exponents.shape[0]:
        raise ValueError(f"flossing_loss: k must have one entry per member ({exponents.shape[0]}), got {len(ks)}")
    ks = ks.to(exponents.device).view(-1, *[1] * (exponents.dim() - 1))
    counted = torch.arange(n, device=exponents.device) < ks
    return torch.where(counted, (exponents - target) ** 2, 0.0).sum(-1) / ks.squeeze(-1)


@dataclass(frozen=True)
class FlossingHistory:
    """Per-epoch record of a :func:`floss` run: exponents ``(E, *batch, k)`` and loss ``(E, *batch)``."""

    exponents: torch.Tensor
    loss: torch.Tensor


class FlossingError(FloatingPointError):
    """Flossing met a non-finite loss or gradient at ``epoch``; ``history`` holds the epochs before it."""

    def __init__(self, message: str, epoch: int, history: FlossingHistory):
        super().__init__(message)
        self.epoch, self.history = epoch, history


def _at_epoch(value: TensorOrFactory, epoch: int) -> torch.Tensor:
    return value(epoch) if callable(value) else value


def floss(
    model: torch.nn.Module,
    inputs: TensorOrFactory,
    k: Union[int, Sequence[int]],
    epochs: int,
    *,
    target: Union[float, torch.Tensor] = 0.0,
    lr: float = 1e-3,
    h0: Optional[TensorOrFactory] = None,
    t_ons: int = 1,
    transient: int = 0,
    params: Optional[Iterable[torch.nn.Parameter]] = None,
    optimiser: Optional[torch.optim.Optimizer] = None,
    Q0: Optional[TensorOrFactory] = None,
    generator: Optional[torch.Generator] = None,
    progress: bool = True,
) -> FlossingHistory:
    """Adam on ``flossing_loss`` of the ``k`` leading exponents for ``epochs`` steps.

    ``k`` is one number or one per ensemble member (see :func:`flossing_loss`); the spectrum is
    computed for the largest.

    ``inputs`` (``(T, R, *batch, n_in)``), ``h0`` and ``Q0`` are tensors or callables
    ``epoch -> tensor`` (fresh input streams each epoch). ``h0`` defaults to zeros. The leading
    dimension of the state indexes independent ensemble members: their losses are summed, so each
    member receives the gradient it would get alone, and other batch dimensions are averaged.
    ``params`` defaults to all of ``model``'s parameters; pass ``optimiser`` instead to keep one
    optimiser state across several flossing episodes (as the authors' code does). The initial tangent
    basis ``Q0`` (``(R, *batch, N, k)``) defaults to a fresh random draw from ``generator`` each epoch,
    so that the optimiser cannot exploit one particular basis in a short window.

    Raises :class:`FlossingError` (with the history so far) instead of taking a step on a non-finite
    loss or gradient: a tangent direction mapped to zero has no defined growth rate gradient (its
    exponent is ``-inf`` if this happens in the accumulated steps), and such a step would fill the
    weights with NaN. This happens whenever every unit of a ReLU network is silent, including at the
    default ``h0 = 0`` (``phi'(0) = 0``): give ReLU networks a non-zero ``h0``.
    """
    check_positive_ints("floss", epochs=epochs)
    if not lr > 0:
        raise ValueError(f"floss: lr must be positive, got {lr!r}")
    if optimiser is None:
        optimiser = torch.optim.Adam(list(model.parameters() if params is None else params), lr=lr)
    elif params is not None:
        raise ValueError("floss: pass params or optimiser, not both (the optimiser holds its parameters)")
    tangents = int(torch.as_tensor(k).max())
    exponents, losses = [], []

    def history():
        if not exponents:
            return FlossingHistory(torch.empty(0), torch.empty(0))
        return FlossingHistory(exponents=torch.stack(exponents), loss=torch.stack(losses))

    def stop(epoch, what, cause):
        raise FlossingError(f"floss: the flossing {what} became non-finite at epoch {epoch} ({cause})",
                            epoch, history())

    for epoch in tqdm(range(epochs), desc=f"flossing k={sorted(set(torch.as_tensor(k).flatten().tolist()))}", disable=not progress):
        x = _at_epoch(inputs, epoch)
        h = torch.zeros(*x.shape[1:-1], model.state_size, dtype=x.dtype, device=x.device) \
            if h0 is None else _at_epoch(h0, epoch)
        basis = random_orthonormal(*h.shape, tangents, dtype=h.dtype, device=h.device, generator=generator) \
            if Q0 is None else _at_epoch(Q0, epoch)
        spectrum = lyapunov_spectrum(model, h, x, k=tangents, t_ons=t_ons, transient=transient, Q0=basis)
        per_member = flossing_loss(spectrum, k, target)
        loss = per_member.flatten(1).mean(1).sum() if per_member.dim() > 1 else per_member.sum()
        if not torch.isfinite(loss):
            stop(epoch, "loss", "an exponent diverged, or is -inf because a tangent direction was mapped to "
                                "zero, e.g. by a ReLU network whose units are all silent")
        optimiser.zero_grad()
        loss.backward()
        if not all(torch.isfinite(p.grad).all() for group in optimiser.param_groups for p in group["params"]
                   if p.grad is not None):
            stop(epoch, "gradient", "a tangent direction was mapped to zero, as by a ReLU network whose units "
                                    "are all silent or at h = 0, so its growth rate has no gradient")
        optimiser.step()
        exponents.append(spectrum.exponents.detach())
        losses.append(per_member.detach())
    return history()
