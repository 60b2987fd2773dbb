"""Adam for ensembles whose members may step at different times or with different learning rates."""
from typing import Union

import torch

__all__ = ["MemberAdam"]


class MemberAdam(torch.optim.Optimizer):
    """Adam on ensemble parameters (leading dimension ``R``) with one step count per member.

    :meth:`take` hands a sub-ensemble its members' slice of the optimiser state and :meth:`put` takes it
    back, so that some members can be updated on their own (adaptive flossing) while every member follows
    exactly the Adam trajectory it would follow alone; ``torch.optim.Adam`` keeps one step count per
    tensor and cannot. ``lr`` may be one number or one per member (a 1-D tensor), which lets a
    learning-rate grid run as one ensemble.
    """

    def __init__(self, params, lr: Union[float, torch.Tensor] = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8):
        if isinstance(lr, torch.Tensor):
            if lr.dim() != 1 or not bool((lr > 0).all()):
                raise ValueError(f"MemberAdam: lr must be a positive number or a 1-D tensor of positive numbers "
                                 f"(one per member), got a tensor of shape {tuple(lr.shape)}")
        elif not (isinstance(lr, (int, float)) and lr > 0):
            raise ValueError(f"MemberAdam: lr must be positive, got {lr!r}")
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"MemberAdam: betas must lie in [0, 1), got {betas!r}")
        if not eps > 0:
            raise ValueError(f"MemberAdam: eps must be positive, got {eps!r}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    def _state(self, p: torch.Tensor) -> dict:
        state = self.state[p]
        if not state:
            state.update(step=p.new_zeros(p.shape[0]), exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))
        return state

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self._state(p)
                state["step"] += 1
                steps = state["step"].view(-1, *[1] * (p.dim() - 1))
                state["exp_avg"].lerp_(p.grad, 1 - beta1)
                state["exp_avg_sq"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                denom = (state["exp_avg_sq"] / (1 - beta2**steps)).sqrt() + group["eps"]
                p.sub_(self._per_member(group["lr"], p) * state["exp_avg"] / (1 - beta1**steps) / denom)

    @staticmethod
    def _per_member(lr, p: torch.Tensor):
        """A per-member learning rate shaped to broadcast against ``p``; a number as it is."""
        if not isinstance(lr, torch.Tensor):
            return lr
        if lr.shape[0] != p.shape[0]:
            raise ValueError(f"MemberAdam: lr has {lr.shape[0]} entries for {p.shape[0]} members")
        return lr.to(p).view(-1, *[1] * (p.dim() - 1))

    def _pairs(self, params):
        own = [p for group in self.param_groups for p in group["params"]]
        params = list(params)
        if len(params) != len(own) or any(p.shape[1:] != q.shape[1:] for p, q in zip(own, params)):
            raise ValueError("MemberAdam: params must be a sub-ensemble of this optimiser's parameters, in order")
        return zip(own, params)

    def take(self, indices: torch.Tensor, params) -> "MemberAdam":
        """An optimiser for ``params``, the sub-ensemble ``indices`` of this one's parameters, holding
        those members' state."""
        if len(self.param_groups) != 1:
            raise ValueError("MemberAdam.take: needs a single parameter group")
        group = self.param_groups[0]
        lr = group["lr"][indices.to(group["lr"].device)] if isinstance(group["lr"], torch.Tensor) else group["lr"]
        sub = MemberAdam(list(params), lr=lr, betas=group["betas"], eps=group["eps"])
        for p, q in self._pairs(sub.param_groups[0]["params"]):
            sub.state[q] = {name: value[indices.to(value.device)].clone() for name, value in self._state(p).items()}
        return sub

    @torch.no_grad()
    def put(self, indices: torch.Tensor, sub: "MemberAdam") -> None:
        """Write the state of ``sub`` (made by :meth:`take` with ``indices``) back into these members."""
        for p, q in self._pairs(sub.param_groups[0]["params"]):
            for name, value in sub._state(q).items():
                self._state(p)[name][indices.to(value.device)] = value
