"""Training recipe of the surrogate-design paper on a task with a known answer."""
import pytest
import torch

from stablegrad import surrogate
from stablegrad import init
from stablegrad.experiments.surrogate_design import (backward_mean_square, lif_at_initialisation, mode_accuracy,
                                                     train_stack)


def _channel_task(n, seed):
    """Class c: input channel c fires at 8 random steps of 20, the others rarely."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.randint(4, (n,), generator=gen)
    x = (torch.rand(n, 20, 8, generator=gen) < 0.05).float()
    for i, c in enumerate(y):
        x[i, torch.randperm(20, generator=gen)[:8], c] = 1.0
    return x, y


def test_mode_accuracy_sums_logits_over_time():
    logits = torch.tensor([[[3.0, 0.0], [0.0, 1.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0], [5.0, 0.0]]])
    assert mode_accuracy(logits, torch.tensor([0, 0])) == 1.0  # not the most frequent argmax (1, 1)


@pytest.mark.parametrize("kind", ["lif", "alif", "slstm"])
def test_stacks_learn_an_easy_task_and_runs_repeat_exactly(kind):
    train, val = _channel_task(128, 0), _channel_task(64, 1)
    kw = dict(kind=kind, surrogate=surrogate.get("fast_sigmoid"), n_rec=16, epochs=8, lr=1e-2, batch=16,
              progress=False, layer_kwargs=None if kind == "slstm" else dict(alpha=0.8, threshold=0.5))
    first, second = train_stack(train, val, **kw), train_stack(train, val, **kw)
    for key in ("loss", "accuracy", "train_loss"):
        assert torch.equal(first[key], second[key])
    assert first["accuracy"][-1] >= 0.8, first["accuracy"]  # chance: 0.25
    assert first["train_loss"][-1] < first["train_loss"][0]


def test_bad_arguments():
    train = _channel_task(8, 0)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        train_stack(train, train, kind="lif", surrogate=surrogate.get("exponential"), n_rec=4, epochs=0)
    with pytest.raises(ValueError, match="clip must be positive"):
        train_stack(train, train, kind="lif", surrogate=surrogate.get("exponential"), n_rec=4, epochs=1, clip=0.0)
    with pytest.raises(ValueError, match="integer labels"):
        train_stack((train[0], train[1].float()), train, kind="lif", surrogate=surrogate.get("exponential"),
                    n_rec=4, epochs=1)
    with pytest.raises(ValueError, match="kind must be one of"):
        train_stack(train, train, kind="gru", surrogate=surrogate.get("exponential"), n_rec=4, epochs=1)


def test_backward_mean_square_is_the_autograd_adjoint_of_equation_one():
    """The hand-derived linearised backward pass against autograd through eq. 1 with the surrogate step,
    reset kept in the graph, from step ``burn`` to the last step."""
    gen = torch.Generator().manual_seed(3)
    n, n_in, steps, burn, alpha, thr = 30, 12, 60, 20, 0.9, 0.5
    w_in = init.weights((n_in, n), "glorot", "uniform", generator=gen, dtype=torch.float64)
    w_rec = init.sample((n, n), 1 / n, "gaussian", mean=init.condition_i(n, alpha, thr), generator=gen,
                        dtype=torch.float64)
    w_rec.fill_diagonal_(0)
    z = (torch.rand(steps, 4, n_in, generator=gen, dtype=torch.float64) < 0.3).double()
    v, _, _ = lif_at_initialisation(w_rec, w_in, z, alpha=alpha, thr=thr)
    sg = surrogate.get("gaussian", dampening=0.8, sharpness=2.0)
    ms = backward_mean_square(w_rec, v, alpha=alpha, thr=thr, surrogate=sg, burn=burn,
                              generator=torch.Generator().manual_seed(9))
    d = torch.randn(4, n, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    start = (v[burn] + thr).clone().requires_grad_()
    y = start
    for t in range(burn + 1, steps):
        x = surrogate.heaviside(y - thr, sg)
        y = alpha * y + x @ w_rec + z[t] @ w_in - thr * x
    torch.testing.assert_close(y.detach() - thr, v[-1], rtol=1e-12, atol=1e-12)  # the same trajectory
    (grad,) = torch.autograd.grad((y * d).sum(), start)
    assert ms[-1] > 0 and len(ms) == steps - burn
    torch.testing.assert_close(grad.pow(2).mean(), ms[-1], rtol=1e-10, atol=0)


def test_reported_loss_is_the_label_smoothed_cross_entropy_at_every_step():
    """One epoch of one batch with a tiny learning rate: the loss reported is the label-smoothed
    cross-entropy at every step, computed by hand on the initial network."""
    train = _channel_task(8, 2)
    run = train_stack(train, train, kind="lif", surrogate=surrogate.get("exponential"), n_rec=4, epochs=1,
                      batch=8, lr=1e-12, weight_decay=0.0, progress=False, smoothing=0.1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        from stablegrad.models.spiking_stack import SpikingStack
        net = SpikingStack("lif", 8, 4, 4, surrogate=surrogate.get("exponential"))
    with torch.no_grad():
        logits = net(train[0])
        logp = logits.log_softmax(-1)
        target = torch.full_like(logp, 0.1 / 4)
        target.scatter_(-1, train[1].view(-1, 1, 1).expand(-1, logits.shape[1], 1), 1 - 0.1 + 0.1 / 4)
        expected = -(target * logp).sum(-1).mean()
    assert run["train_loss"][0].item() == pytest.approx(expected.item(), rel=1e-5)
