"""Adam for ensembles whose members may step at different times."""
import torch

__all__ = ["MemberAdam"]


class MemberAdam(torch.optim.Optimizer):
    """Adam on ensemble parameters (leading dimension ``R``) with one step count per member.

    ``step(active)`` updates only the members where the boolean ``(R,)`` mask ``active`` is true (all
    when ``None``) and leaves the others, and their moment estimates, untouched. Each member therefore
    follows exactly the Adam trajectory it would follow alone, even when members floss at different
    epochs (adaptive flossing); ``torch.optim.Adam`` keeps one step count per tensor and cannot.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8):
        if not lr > 0:
            raise ValueError(f"MemberAdam: lr must be positive, got {lr!r}")
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"MemberAdam: betas must lie in [0, 1), got {betas!r}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, active: torch.Tensor = None):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = p.new_zeros(p.shape[0])
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                mask = p.new_ones(p.shape[0], dtype=torch.bool) if active is None else active.to(p.device)
                if mask.shape != (p.shape[0],):
                    raise ValueError(f"MemberAdam: active must have shape ({p.shape[0]},), got {tuple(mask.shape)}")
                expand = mask.view(-1, *[1] * (p.dim() - 1))
                state["step"] += mask
                steps = state["step"].clamp(min=1).view_as(expand.to(p.dtype))
                exp_avg = torch.where(expand, beta1 * state["exp_avg"] + (1 - beta1) * p.grad, state["exp_avg"])
                exp_avg_sq = torch.where(expand, beta2 * state["exp_avg_sq"] + (1 - beta2) * p.grad**2,
                                         state["exp_avg_sq"])
                state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq
                denom = (exp_avg_sq / (1 - beta2**steps)).sqrt() + group["eps"]
                update = group["lr"] * exp_avg / (1 - beta1**steps) / denom
                p.sub_(torch.where(expand, update, 0))
