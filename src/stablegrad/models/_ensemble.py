"""What the ensemble models share: every parameter carries a leading dimension of R independent networks."""
import copy

import torch
from torch import nn

from .._validation import check_positive_ints


class EnsembleModule(nn.Module):
    """An ``nn.Module`` holding ``R`` independent networks along the first dimension of every parameter.

    Subclasses name their state in error messages with ``STATE`` (what ``h`` is, and the symbol of its size).
    """

    STATE = ("h", "N")

    @property
    def ensemble(self) -> int:
        return next(self.parameters()).shape[0]

    def initial_state(self, *batch: int) -> torch.Tensor:
        """Zero state of shape ``(R, *batch, state_size)``."""
        return next(self.parameters()).new_zeros(self.ensemble, *batch, self.state_size)

    def member(self, i: int):
        """Network ``i`` of the ensemble as a stand-alone ensemble of one (parameters copied)."""
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < self.ensemble:
            raise ValueError(f"{type(self).__name__}: i must be an integer in [0, ensemble={self.ensemble}), got {i!r}")
        return self.subset(torch.tensor([i]))

    def subset(self, indices: torch.Tensor):
        """The members ``indices`` (a 1-D integer tensor) as an ensemble of their own (parameters copied)."""
        return self._mapped(lambda p: p[indices.to(p.device)])

    def repeated(self, times: int):
        """The whole ensemble ``times`` times over, block after block (parameters copied): the same
        networks given several treatments in one tensor program."""
        check_positive_ints(type(self).__name__, times=times)
        return self._mapped(lambda p: p.repeat(times, *[1] * (p.dim() - 1)))

    def _check(self, h, x=None) -> None:
        """Raise a ``ValueError`` naming the argument unless ``h`` is ``(R, *batch, state_size)`` and ``x``
        (if given) is ``(*batch', n_in)`` with ``batch'`` broadcastable to ``batch``."""
        name, (what, size) = type(self).__name__, self.STATE
        R, S = self.ensemble, self.state_size
        if not isinstance(h, torch.Tensor) or h.dim() < 2 or h.shape[0] != R or h.shape[-1] != S:
            shape = tuple(h.shape) if isinstance(h, torch.Tensor) else type(h).__name__
            raise ValueError(f"{name}: {what} must have shape (R={R}, *batch, {size}={S}), got {shape}")
        if x is None:
            return
        if not isinstance(x, torch.Tensor) or x.dim() < 1 or x.shape[-1] != self.n_in:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"{name}: x must have last dimension n_in={self.n_in}, got {shape}")
        batch = tuple(h.shape[:-1])
        try:
            ok = torch.broadcast_shapes(tuple(x.shape[:-1]), batch) == batch
        except RuntimeError:
            ok = False
        if not ok:
            raise ValueError(
                f"{name}: x of shape {tuple(x.shape)} does not match h of shape {tuple(h.shape)}: "
                f"expected (*batch, n_in={self.n_in}) with batch broadcastable to {batch}"
            )

    def _mapped(self, fn):
        """A copy of this module whose every parameter and buffer ``p`` (all carry the ensemble dimension)
        is replaced by ``fn(p)``."""
        copied = copy.deepcopy(self)
        for module in copied.modules():
            for name, param in list(module.named_parameters(recurse=False)):
                setattr(module, name, nn.Parameter(fn(param.detach()).clone()))
            for name, buffer in list(module.named_buffers(recurse=False)):
                setattr(module, name, fn(buffer).clone())
        return copied


def broadcast_members(weights: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """View ``(R, *shape)`` parameters as ``(R, 1, ..., 1, *shape)`` to broadcast over ``h``'s batch dims."""
    return weights.view(weights.shape[0], *([1] * (h.dim() - 2)), *weights.shape[1:])


def member_matvec(weights: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``weights[r] @ v[r, ...]`` for ``(R, m, n)`` weights and ``(R or 1, *batch, n)`` vectors.

    One batched matrix product over ``(R, prod(batch), n)``: broadcasting ``(R, 1, m, n)`` against
    ``(R, *batch, n, 1)`` instead would copy the weights once per batch element.
    """
    R = weights.shape[0]
    v = v.expand(R, *v.shape[1:])
    return (v.reshape(R, -1, v.shape[-1]) @ weights.mT).reshape(*v.shape[:-1], weights.shape[-2])
