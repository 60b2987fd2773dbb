"""MemberAdam: Adam with one step count per ensemble member."""
import pytest
import torch

from stablegrad.optim import MemberAdam

F64 = torch.float64


def _gradients(steps, shape, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=gen, dtype=F64) for _ in range(steps)]


def _step_members(optimiser, together, index, grad):
    """One step of the members ``index`` alone, through a sub-ensemble taken from and put back into ``optimiser``."""
    sub = torch.nn.Parameter(together.detach()[index].clone())
    sub_optimiser = optimiser.take(index, [sub])
    sub.grad = grad[index].clone()
    sub_optimiser.step()
    optimiser.put(index, sub_optimiser)
    with torch.no_grad():
        together[index] = sub


def test_all_members_active_is_torch_adam():
    start = torch.randn(3, 4, 5, dtype=F64)
    ours, theirs = torch.nn.Parameter(start.clone()), torch.nn.Parameter(start.clone())
    mine, reference = MemberAdam([ours], lr=1e-2), torch.optim.Adam([theirs], lr=1e-2)
    for grad in _gradients(20, (3, 4, 5)):
        ours.grad, theirs.grad = grad.clone(), grad.clone()
        mine.step()
        reference.step()
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_members_stepping_on_their_own_follow_their_stand_alone_trajectories():
    """Sub-ensembles taken from the optimiser, stepped and put back: each member sees only its own steps."""
    start = torch.randn(3, 4, dtype=F64)
    together = torch.nn.Parameter(start.clone())
    optimiser = MemberAdam([together], lr=1e-2)
    gen = torch.Generator().manual_seed(1)
    masks = [torch.rand(3, generator=gen) < 0.5 for _ in range(30)]
    grads = _gradients(30, (3, 4))
    for grad, mask in zip(grads, masks):
        index = mask.nonzero()[:, 0]
        if len(index) == 0:
            continue
        _step_members(optimiser, together, index, grad)
    for r in range(3):
        alone = torch.nn.Parameter(start[r : r + 1].clone())
        reference = torch.optim.Adam([alone], lr=1e-2)
        for grad, mask in zip(grads, masks):
            if mask[r]:
                alone.grad = grad[r : r + 1].clone()
                reference.step()
        torch.testing.assert_close(together[r : r + 1], alone, rtol=1e-12, atol=1e-12)


def test_one_learning_rate_per_member_is_separate_adams():
    """A learning-rate grid as one ensemble: member r follows torch.optim.Adam with its own lr, also when
    a sub-ensemble takes the per-member rates along."""
    lrs = torch.tensor([1e-3, 1e-2, 3e-1], dtype=F64)
    start = torch.randn(3, 4, dtype=F64)
    together = torch.nn.Parameter(start.clone())
    optimiser = MemberAdam([together], lr=lrs)
    grads = _gradients(15, (3, 4), seed=2)
    for step, grad in enumerate(grads):
        if step % 2:  # every other step through a sub-ensemble of members 2 and 0
            _step_members(optimiser, together, torch.tensor([2, 0]), grad)
        else:
            together.grad = grad.clone()
            optimiser.step()
    for r in range(3):
        alone = torch.nn.Parameter(start[r : r + 1].clone())
        reference = torch.optim.Adam([alone], lr=lrs[r].item())
        for step, grad in enumerate(grads):
            if step % 2 == 0 or r in (0, 2):
                alone.grad = grad[r : r + 1].clone()
                reference.step()
        torch.testing.assert_close(together[r : r + 1], alone, rtol=1e-12, atol=1e-12)


def test_bad_arguments():
    p = torch.nn.Parameter(torch.zeros(3, 2))
    with pytest.raises(ValueError, match="lr must be positive"):
        MemberAdam([p], lr=0.0)
    with pytest.raises(ValueError, match="one per member"):
        MemberAdam([p], lr=torch.tensor([1e-3, -1.0, 1e-3]))
    with pytest.raises(ValueError, match="2 entries for 3 members"):
        p.grad = torch.ones(3, 2)
        MemberAdam([p], lr=torch.tensor([1e-3, 1e-3])).step()
    with pytest.raises(ValueError, match="must be a sub-ensemble"):
        MemberAdam([p]).take(torch.tensor([0]), [torch.nn.Parameter(torch.zeros(1, 3))])
