"""MemberAdam: Adam with one step count per ensemble member."""
import pytest
import torch

from stablegrad.optim import MemberAdam

F64 = torch.float64


def _gradients(steps, shape, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=gen, dtype=F64) for _ in range(steps)]


def test_all_members_active_is_torch_adam():
    start = torch.randn(3, 4, 5, dtype=F64)
    ours, theirs = torch.nn.Parameter(start.clone()), torch.nn.Parameter(start.clone())
    mine, reference = MemberAdam([ours], lr=1e-2), torch.optim.Adam([theirs], lr=1e-2)
    for grad in _gradients(20, (3, 4, 5)):
        ours.grad, theirs.grad = grad.clone(), grad.clone()
        mine.step()
        reference.step()
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_a_member_stepping_at_its_own_epochs_follows_its_stand_alone_trajectory():
    start = torch.randn(3, 4, dtype=F64)
    together = torch.nn.Parameter(start.clone())
    optimiser = MemberAdam([together], lr=1e-2)
    gen = torch.Generator().manual_seed(1)
    masks = [torch.rand(3, generator=gen) < 0.5 for _ in range(30)]
    grads = _gradients(30, (3, 4))
    for grad, mask in zip(grads, masks):
        together.grad = grad.clone()
        optimiser.step(mask)
    for r in range(3):
        alone = torch.nn.Parameter(start[r : r + 1].clone())
        reference = torch.optim.Adam([alone], lr=1e-2)
        for grad, mask in zip(grads, masks):
            if mask[r]:
                alone.grad = grad[r : r + 1].clone()
                reference.step()
        torch.testing.assert_close(together[r : r + 1], alone, rtol=1e-12, atol=1e-12)


def test_bad_arguments():
    p = torch.nn.Parameter(torch.zeros(3, 2))
    with pytest.raises(ValueError, match="lr must be positive"):
        MemberAdam([p], lr=0.0)
    p.grad = torch.ones(3, 2)
    with pytest.raises(ValueError, match=r"active must have shape \(3,\)"):
        MemberAdam([p]).step(torch.ones(2, dtype=torch.bool))
