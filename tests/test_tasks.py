import itertools

import pytest
import torch
import torch.nn.functional as F

from stablegrad.tasks import BinaryXOR, ContinuousXOR, DelayedCopy, SpatialXOR, TaskBatch

F64 = torch.float64
ALL_TASKS = [DelayedCopy(3), ContinuousXOR(4), BinaryXOR(4), SpatialXOR(3)]
BINARY_TASKS = [BinaryXOR(4), SpatialXOR(3)]


def seeded(seed=0):
    return torch.Generator().manual_seed(seed)


def column(values):
    """A (T, 1) stream of one scalar input."""
    return torch.tensor(values, dtype=F64).unsqueeze(-1)


def reference_targets(task, x):
    """Loop-over-everything reference of the paper's formulas; x is (T, R, B, n_in)."""
    d = task.delay
    y = torch.zeros(*x.shape[:-1], 1, dtype=x.dtype)
    for t, r, b in itertools.product(range(d, x.shape[0]), range(x.shape[1]), range(x.shape[2])):
        if isinstance(task, DelayedCopy):
            value = x[t - d, r, b, 0]
        elif isinstance(task, SpatialXOR):
            bits = [int(v) for v in x[t - d, r, b]]
            value = bits[0] ^ bits[1] ^ bits[2]
        elif isinstance(task, BinaryXOR):
            value = int(x[t - d // 2, r, b, 0]) ^ int(x[t - d, r, b, 0])
        else:
            value = abs(x[t - d // 2, r, b, 0] - x[t - d, r, b, 0])
        y[t, r, b, 0] = value
    return y


@pytest.mark.parametrize(
    "task, x, y",
    [
        (DelayedCopy(2), column([0.1, 0.2, 0.3, 0.4, 0.5]), column([0, 0, 0.1, 0.2, 0.3])),
        # lags 1 and 2: |x1 - x0|, |x2 - x1|, |x3 - x2|
        (ContinuousXOR(2), column([0.1, 0.5, 0.2, 0.9, 0.4]), column([0, 0, 0.4, 0.3, 0.7])),
        # lags 2 and 4: x2^x0, x3^x1, x4^x2
        (BinaryXOR(4), column([1, 0, 1, 1, 0, 0, 1]), column([0, 0, 0, 0, 0, 1, 1])),
        (
            SpatialXOR(1),
            torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1], [0, 0, 0]], dtype=F64),
            column([0, 1, 0, 1]),
        ),
    ],
)
def test_targets_of_known_sequences(task, x, y):
    assert torch.allclose(task.targets(x), y, atol=1e-12, rtol=0)


@pytest.mark.parametrize("task", ALL_TASKS, ids=lambda t: type(t).__name__)
def test_sampled_targets_and_mask_follow_the_formulas(task):
    batch = task.sample(12, 2, 3, generator=seeded(), dtype=F64)
    assert isinstance(batch, TaskBatch)
    assert batch.inputs.shape == (12, 2, 3, task.n_in)
    assert torch.equal(batch.targets, reference_targets(task, batch.inputs))
    assert torch.equal(batch.mask, torch.arange(12) >= task.delay)


def test_truth_tables_are_xor():
    assert BinaryXOR(6).truth_table() == [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)]
    assert SpatialXOR(5).truth_table() == [(*bits, bits[0] ^ bits[1] ^ bits[2])
                                           for bits in itertools.product((0, 1), repeat=3)]


def test_mse_counts_only_defined_steps():
    task = ContinuousXOR(4)
    batch = task.sample(20, 2, 3, generator=seeded())
    garbage = torch.full_like(batch.targets, float("nan"))
    perfect = torch.where(batch.mask.view(-1, 1, 1, 1), batch.targets, garbage).requires_grad_()
    loss = task.loss(perfect, batch)
    assert torch.equal(loss, torch.zeros(2))
    loss.sum().backward()
    assert torch.isfinite(perfect.grad).all()

    outputs = torch.randn(20, 2, 3, 1, generator=seeded(1))
    manual = [((outputs[4:, r] - batch.targets[4:, r]) ** 2).sum() / (16 * 3) for r in range(2)]
    assert torch.allclose(task.loss(outputs, batch), torch.stack(manual))


@pytest.mark.parametrize("task", BINARY_TASKS, ids=lambda t: type(t).__name__)
def test_bce_counts_only_defined_steps(task):
    batch = task.sample(15, 2, 4, generator=seeded(), dtype=F64)
    logits = 3 * torch.randn(15, 2, 4, 1, generator=seeded(1), dtype=F64)
    logits[: task.delay] = 1e6  # confidently wrong or right: must not count
    p, y = torch.sigmoid(logits), batch.targets
    terms = -(y * p.log() + (1 - y) * (1 - p).log())
    manual = terms[task.delay :].mean(dim=(0, 2, 3))
    assert torch.allclose(task.loss(logits, batch), manual, atol=1e-10, rtol=0)
    assert torch.allclose(manual[0], F.binary_cross_entropy(p[task.delay :, 0], y[task.delay :, 0]))


@pytest.mark.parametrize("task", BINARY_TASKS, ids=lambda t: type(t).__name__)
def test_accuracy_of_perfect_inverted_and_one_wrong_logit(task):
    batch = task.sample(15, 2, 4, generator=seeded())
    perfect = 2 * batch.targets - 1
    perfect[: task.delay] = -perfect[: task.delay]  # wrong where undefined: must not count
    assert torch.equal(task.accuracy(perfect, batch), torch.ones(2))
    assert torch.equal(task.accuracy(-perfect, batch), torch.zeros(2))
    one_wrong = perfect.clone()
    one_wrong[-1, 0, 0, 0] *= -1
    n_defined = (15 - task.delay) * 4
    assert torch.allclose(task.accuracy(one_wrong, batch), torch.tensor([1 - 1 / n_defined, 1.0]))
    zeros_are_read_as_0 = (batch.targets[batch.mask] == 0).float().mean(dim=(0, 2, 3))
    assert torch.equal(task.accuracy(torch.zeros_like(perfect), batch), zeros_are_read_as_0)


@pytest.mark.parametrize("task", ALL_TASKS, ids=lambda t: type(t).__name__)
def test_seeding_and_independent_members(task):
    a = task.sample(30, 3, 2, generator=seeded(7))
    b = task.sample(30, 3, 2, generator=seeded(7))
    c = task.sample(30, 3, 2, generator=seeded(8))
    assert torch.equal(a.inputs, b.inputs) and torch.equal(a.targets, b.targets)
    assert not torch.equal(a.inputs, c.inputs)
    for r, s in itertools.combinations(range(3), 2):
        assert not torch.equal(a.inputs[:, r], a.inputs[:, s])


def test_input_statistics():
    x = DelayedCopy(1).sample(200, 4, 64, generator=seeded()).inputs
    assert 0 <= x.min() and x.max() < 1
    assert abs(x.mean().item() - 0.5) < 0.01
    assert abs(x.var().item() - 1 / 12) < 0.005
    for task in BINARY_TASKS:
        batch = task.sample(200, 4, 64, generator=seeded())
        assert set(batch.inputs.unique().tolist()) == {0.0, 1.0}
        assert (batch.inputs.mean(dim=(0, 1, 2)) - 0.5).abs().max() < 0.01
        assert abs(batch.targets[batch.mask].mean().item() - 0.5) < 0.01


@pytest.mark.parametrize("cls", [DelayedCopy, ContinuousXOR, BinaryXOR, SpatialXOR])
@pytest.mark.parametrize("delay", [0, -2, 2.0, True, "4"])
def test_delay_must_be_a_positive_integer(cls, delay):
    with pytest.raises(ValueError, match="delay must be a positive integer"):
        cls(delay)


@pytest.mark.parametrize("cls", [ContinuousXOR, BinaryXOR])
def test_temporal_xor_delay_must_be_even(cls):
    with pytest.raises(ValueError, match="delay must be even"):
        cls(5)


def test_task_delay_is_read_only():
    with pytest.raises(AttributeError):
        BinaryXOR(4).delay = 6


@pytest.mark.parametrize("task", ALL_TASKS, ids=lambda t: type(t).__name__)
def test_sample_arguments_are_checked(task):
    message = rf"delay={task.delay} leaves no defined target in steps={task.delay}"
    with pytest.raises(ValueError, match=message):
        task.sample(task.delay)
    for name in ("steps", "ensemble", "batch"):
        arguments = {"steps": 10, "ensemble": 1, "batch": 1, name: 0}
        with pytest.raises(ValueError, match=rf"{name} must be a positive integer"):
            task.sample(**arguments)


@pytest.mark.parametrize("task", BINARY_TASKS, ids=lambda t: type(t).__name__)
def test_binary_targets_reject_non_binary_inputs(task):
    x = torch.zeros(task.delay + 2, task.n_in)
    x[0, 0] = 0.5
    with pytest.raises(ValueError, match="inputs must be binary"):
        task.targets(x)


def test_targets_check_the_inputs():
    with pytest.raises(ValueError, match=r"inputs must be time-major \(T, \*dims, n_in=3\)"):
        SpatialXOR(2).targets(torch.zeros(10, 1))
    with pytest.raises(TypeError, match="inputs must be floating point"):
        DelayedCopy(2).targets(torch.zeros(10, 1, dtype=torch.long))
    with pytest.raises(ValueError, match="delay=4 leaves no defined target in inputs of 4 steps"):
        ContinuousXOR(4).targets(torch.zeros(4, 1))


@pytest.mark.parametrize("task", BINARY_TASKS, ids=lambda t: type(t).__name__)
def test_outputs_shape_is_checked(task):
    batch = task.sample(10, 2, 3)
    for method in (task.loss, task.accuracy):
        with pytest.raises(ValueError, match=r"outputs must have shape \(T, R, B, n_out\)=\(10, 2, 3, 1\)"):
            method(torch.zeros(10, 2, 3), batch)
    with pytest.raises(ValueError, match="outputs must have shape"):
        DelayedCopy(2).loss(torch.zeros(10, 1, 1, 2), DelayedCopy(2).sample(10))


@pytest.mark.parametrize("task", [DelayedCopy(2), ContinuousXOR(2)], ids=lambda t: type(t).__name__)
def test_regression_tasks_have_no_accuracy_or_truth_table(task):
    batch = task.sample(10)
    with pytest.raises(TypeError, match="accuracy .* is a regression task"):
        task.accuracy(batch.targets, batch)
    with pytest.raises(TypeError, match="truth_table .* is a regression task"):
        task.truth_table()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cpu_generator_seeds_the_same_data_on_cuda():
    task = BinaryXOR(4)
    cpu = task.sample(20, 2, 3, generator=seeded(3))
    gpu = task.sample(20, 2, 3, generator=seeded(3), device="cuda")
    assert gpu.inputs.is_cuda and gpu.mask.is_cuda
    assert torch.equal(cpu.inputs, gpu.inputs.cpu()) and torch.equal(cpu.targets, gpu.targets.cpu())


def test_make_task_by_name():
    from stablegrad.tasks import make_task

    assert make_task("binary_xor", 6) == BinaryXOR(6)
    with pytest.raises(ValueError, match="name must be one of"):
        make_task("parity", 6)
