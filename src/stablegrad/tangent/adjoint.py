"""How a loss on the last state reaches every earlier state: per-step norms of dL/dx_t.

With the loss read from the last state only, ``dL/dx_t = J_{t+1}^T dL/dx_{t+1}`` is the whole story (eq. 10
of the fading-memory paper): the reverse product of the tangent maps. This walks that recursion with the
system's Jacobians, independently of autograd's tape, so the two can check each other.
"""
from typing import Optional

import torch

__all__ = ["state_gradient_norms"]


def _pullback(system):
    """``(h, x, g) -> g^T d step(h, x)/dh``: the analytic Jacobian when the system has one, else autograd."""
    jacobian = getattr(system, "jacobian", None)
    if callable(jacobian):
        return lambda h, x, g: (g.unsqueeze(-2) @ jacobian(h, x)).squeeze(-2)
    return lambda h, x, g: torch.func.vjp(lambda s: system.step(s, x), h)[1](g)[0]


def state_gradient_norms(system, states: torch.Tensor, inputs: Optional[torch.Tensor], grad_last: torch.Tensor,
                         ord: float = float("inf")) -> torch.Tensor:
    """``||dL/dx_t||`` (the ``ord``-norm over units) for ``t = 1 .. T``, shape ``(T, *batch)``.

    Args:
        system: has ``step(h, x)`` and optionally ``jacobian(h, x)`` (see :class:`~stablegrad.tangent.System`).
        states: ``(T, *batch, N)``, ``states[t]`` the state after input ``t`` (so ``states[t + 1] =
            step(states[t], inputs[t + 1])``).
        inputs: time-major ``(T, *batch', n_in)`` inputs of that trajectory, or ``None`` (autonomous).
        grad_last: ``dL/dx_T`` ``(*batch, N)``.
    """
    if not isinstance(states, torch.Tensor) or states.dim() < 2 or states.shape[1:] != grad_last.shape:
        raise ValueError(f"state_gradient_norms: states must be (T, *batch, N) with grad_last (*batch, N), got "
                         f"{tuple(getattr(states, 'shape', ()))} and {tuple(grad_last.shape)}")
    if inputs is not None and len(inputs) != len(states):
        raise ValueError(f"state_gradient_norms: inputs must have one step per state (T={len(states)}), "
                         f"got {len(inputs)}")
    pull = _pullback(system)
    g, norms = grad_last, [torch.linalg.vector_norm(grad_last, ord, dim=-1)]
    with torch.no_grad():
        for t in range(len(states) - 2, -1, -1):
            g = pull(states[t], None if inputs is None else inputs[t + 1], g)
            norms.append(torch.linalg.vector_norm(g, ord, dim=-1))
    return torch.stack(norms[::-1])
