"""Training recipe of the surrogate-design paper on a task with a known answer."""
import pytest
import torch

from stablegrad import surrogate
from stablegrad.experiments.surrogate_design import mode_accuracy, train_stack


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
    with pytest.raises(ValueError, match="kind must be one of"):
        train_stack(train, train, kind="gru", surrogate=surrogate.get("exponential"), n_rec=4, epochs=1)
