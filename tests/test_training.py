import pytest
import torch

from stablegrad.models import LSTM, BinaryRNN, VanillaRNN
from stablegrad.tasks import BinaryXOR, DelayedCopy, SpatialXOR
from stablegrad.training import (AdaptiveFlossing, FlossingSchedule, RecurrentNetwork, TrainingRun, build_network, clip_per_member,
                                 run_training, train, trained_network)

F64 = torch.float64


def network(model_cls=VanillaRNN, R=3, N=10, seed=0, **kwargs):
    gen = torch.Generator().manual_seed(seed)
    model = model_cls(N, 1, ensemble=R, generator=gen, dtype=F64, **kwargs)
    return RecurrentNetwork(model, 1, generator=gen)


@pytest.mark.parametrize("model_cls, extra", [(VanillaRNN, {"bias": 0.1, "g": [0.5, 1.0, 1.5]}), (LSTM, {})])
def test_ensemble_training_with_flossing_equals_separate_runs(model_cls, extra):
    ensemble = network(model_cls, **extra)
    singles = [ensemble.member(i) for i in range(3)]
    schedule = FlossingSchedule(at=(0, 3), epochs=2)
    kwargs = dict(epochs=5, steps=12, batch=4, schedule=schedule, k=3, floss_steps=10, floss_transient=3,
                  sv_indices=(1, 2), progress=False)
    tasks = [BinaryXOR(2), BinaryXOR(4), BinaryXOR(6)]  # one delay per member, as delay sweeps run
    together = train(ensemble, tasks, seeds=[7, 8, 9], **kwargs)
    for i, single in enumerate(singles):
        alone = train(single, tasks[i], seeds=[7 + i], **kwargs)
        for field in ("loss", "accuracy", "grad_h0"):
            assert torch.allclose(getattr(together, field)[:, i], getattr(alone, field)[:, 0], atol=1e-10), field
        assert torch.allclose(together.grad_W_singular_values[:, i], alone.grad_W_singular_values[:, 0], atol=1e-10)
        for epoch in (0, 3):
            assert torch.allclose(together.flossing[epoch].exponents[:, i], alone.flossing[epoch].exponents[:, 0],
                                  atol=1e-10)
        for (name, p), q in zip(ensemble.named_parameters(), single.parameters()):
            assert torch.allclose(p[i], q[0], atol=1e-10), name
            assert torch.allclose(together.state[name][i], alone.state[name][0], atol=1e-10), name


def test_clipping_per_member_equals_clip_grad_norm_on_each_member():
    W = torch.nn.Parameter(torch.zeros(4, 3, 5, dtype=F64))
    W.grad = torch.randn(4, 3, 5, dtype=F64) * torch.tensor([0.001, 0.1, 1.0, 10.0], dtype=F64).view(4, 1, 1)
    expected = []
    for r in range(4):
        single = torch.nn.Parameter(torch.zeros(3, 5, dtype=F64))
        single.grad = W.grad[r].clone()
        torch.nn.utils.clip_grad_norm_([single], 0.03)
        expected.append(single.grad)
    clip_per_member([W], 0.03)
    assert torch.allclose(W.grad, torch.stack(expected), rtol=1e-5)  # clip_grad_norm_ adds 1e-6 to the norm
    assert W.grad[0].norm() < 0.03 and torch.isclose(W.grad[3].norm(), torch.tensor(0.03, dtype=F64))


def test_training_learns_a_short_delayed_copy():
    torch.manual_seed(0)
    net = network(R=2, N=16, g=0.5)
    history = train(net, DelayedCopy(1), epochs=300, steps=20, batch=8, lr=1e-2, clip=None,
                    sv_indices=(1,), progress=False)
    # predicting the mean of U[0, 1) would score 1/12 = 0.083; the first epochs are far worse
    assert (history.loss[:10].mean(0) > 0.5).all()
    assert (history.loss[-20:].mean(0) < 0.01).all(), history.loss[-20:].mean(0)


def test_named_schedules():
    assert FlossingSchedule.named("none", 1000).at == ()
    assert FlossingSchedule.named("pre", 1000).at == (0,)
    assert FlossingSchedule.named("during", 1000).at == (0, 100, 200, 300, 400)
    assert FlossingSchedule.named("during", 250).at == (0, 100, 200)
    assert FlossingSchedule.named("throughout", 450, every=100).at == (0, 100, 200, 300, 400)
    assert FlossingSchedule.named("pre", 10, epochs=7).epochs == 7


def test_training_run_is_cached_and_split_by_delay(tmp_path, monkeypatch):
    monkeypatch.setenv("STABLEGRAD_RESULTS", str(tmp_path))
    run = TrainingRun("binary_xor", delays=(2, 4), ensemble=2, N=6, epochs=3, steps=10, batch=2)
    first = run_training(run, progress=False)
    again = run_training(run, progress=False)
    assert torch.equal(first.loss, again.loss) and first.loss.shape == (3, 4)
    assert len(list(tmp_path.rglob("*.pt"))) == 1
    split = run.by_delay(first.accuracy)
    assert list(split) == [2, 4] and torch.equal(split[4], first.accuracy[:, 2:])


def test_trained_network_carries_the_weights_training_ended_with(tmp_path, monkeypatch):
    monkeypatch.setenv("STABLEGRAD_RESULTS", str(tmp_path))
    run = TrainingRun("copy", delays=(2,), ensemble=2, N=6, epochs=5, steps=10, batch=2, lr=1e-2)
    network, tasks = build_network(run), DelayedCopy(2)
    history = train(network, tasks, epochs=5, steps=10, batch=2, lr=1e-2, seeds=[0, 1], progress=False)
    loaded = trained_network(run, progress=False)  # trains through the cache, then reloads
    for (name, p), q in zip(network.named_parameters(), loaded.parameters()):
        assert torch.equal(p.detach(), q.detach()), name
        assert torch.equal(history.state[name], q.detach()), name
    assert not torch.equal(loaded.model.W, build_network(run).model.W)  # training moved the weights


class TestBadInput:
    def test_tasks_of_different_kinds(self):
        with pytest.raises(ValueError, match="must share n_in, n_out"):
            train(network(), [BinaryXOR(2), SpatialXOR(2), BinaryXOR(2)], epochs=1, steps=10, progress=False)

    def test_unknown_model(self):
        with pytest.raises(ValueError, match="model must be one of"):
            run_training(TrainingRun("copy", delays=(2,), model="gru"), progress=False)

    def test_unknown_schedule_name(self):
        with pytest.raises(ValueError, match="name must be one of"):
            run_training(TrainingRun("copy", delays=(2,), schedule="often", N=4, epochs=1, steps=5),
                         progress=False)

    def test_unknown_schedule(self):
        with pytest.raises(ValueError, match="name must be one of"):
            FlossingSchedule.named("sometimes", 100)

    def test_k_larger_than_state(self):
        with pytest.raises(ValueError, match="k must be at most the state size 10"):
            train(network(), BinaryXOR(4), epochs=1, steps=10, k=11, schedule=FlossingSchedule((0,), 1),
                  progress=False)

    def test_seeds_per_member(self):
        with pytest.raises(ValueError, match="seeds must have one entry per member"):
            train(network(), BinaryXOR(4), epochs=1, steps=10, k=2, seeds=[1], progress=False)

    def test_delay_longer_than_sequence(self):
        with pytest.raises(ValueError, match="delay=20 leaves no defined target"):
            train(network(), BinaryXOR(20), epochs=1, steps=10, k=2, sv_indices=(1,), progress=False)

    def test_singular_value_index(self):
        with pytest.raises(ValueError, match="sv_indices must lie in"):
            train(network(), BinaryXOR(4), epochs=1, steps=10, k=2, sv_indices=(11,), progress=False)


def test_flossing_windows_may_be_shorter_than_the_delay():
    history = train(network(N=6), BinaryXOR(12), epochs=2, steps=20, batch=2, k=2, floss_steps=8,
                    floss_transient=2, schedule=FlossingSchedule((0,), 2), progress=False)
    assert history.flossing[0].exponents.shape == (2, 3, 1, 2)


def test_k_sweep_in_one_ensemble_equals_separate_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("STABLEGRAD_RESULTS", str(tmp_path))
    swept = TrainingRun("binary_xor", delays=(2, 4), k=(1, 4), schedule="pre", ensemble=1, N=6, epochs=3, steps=10,
                        batch=2, floss_epochs=2, floss_steps=8, floss_transient=2)
    assert swept.blocks == [(2, 1), (2, 4), (4, 1), (4, 4)]
    ensemble = build_network(swept).double()
    kwargs = dict(epochs=3, steps=10, batch=2, floss_steps=8, floss_transient=2, schedule=FlossingSchedule((0,), 2),
                  progress=False)
    singles = [ensemble.member(i) for i in range(4)]
    together = train(ensemble, [BinaryXOR(d) for d, _ in swept.blocks], k=[k for _, k in swept.blocks],
                     seeds=range(4), **kwargs)
    for i, ((d, k), single) in enumerate(zip(swept.blocks, singles)):
        alone = train(single, BinaryXOR(d), k=k, seeds=[i], **kwargs)
        assert torch.allclose(together.loss[:, i], alone.loss[:, 0], atol=1e-10), (d, k)
        assert torch.allclose(together.flossing[0].loss[:, i], alone.flossing[0].loss[:, 0], atol=1e-10)
    assert set(swept.by_block(together.loss)) == set(swept.blocks)
    with pytest.raises(ValueError, match="use by_block"):
        swept.by_delay(together.loss)


def test_adaptive_flossing_of_binary_networks_in_one_ensemble_equals_separate_runs():
    """Members floss and sharpen g at different epochs, each exactly as it would alone."""
    gen = torch.Generator().manual_seed(0)
    model = BinaryRNN(8, 1, ensemble=3, g=torch.tensor([0.3, 1.0, 3.0]), generator=gen, dtype=F64)
    ensemble = RecurrentNetwork(model, 1, readout_std=0.3, generator=gen)
    singles = [ensemble.member(i) for i in range(3)]
    schedule = FlossingSchedule(at=(0,), epochs=2, first=3, adaptive=AdaptiveFlossing(
        start=2, epochs=2, every=2, lambda_max=0.0, grad_max=0.2, sharpen=1.5))
    kwargs = dict(epochs=8, steps=12, batch=4, k=3, floss_steps=10, floss_transient=3, schedule=schedule,
                  progress=False)
    tasks = [BinaryXOR(2), BinaryXOR(4), BinaryXOR(6)]
    together = train(ensemble, tasks, seeds=[7, 8, 9], **kwargs)
    assert together.triggered[:, 0].any() and not together.triggered[:, 2].any()  # the members differ
    assert together.flossing[0].exponents.shape[0] == 3  # the first episode is `first` epochs long
    for i, single in enumerate(singles):
        alone = train(single, tasks[i], seeds=[7 + i], **kwargs)
        assert torch.equal(together.triggered[:, i], alone.triggered[:, 0])
        for field in ("loss", "grad_h0", "sharpness"):
            assert torch.allclose(getattr(together, field)[:, i], getattr(alone, field)[:, 0], atol=1e-10), field
        for epoch, episode in alone.flossing.items():
            assert torch.allclose(together.flossing[epoch].exponents[:, i], episode.exponents[:, 0], atol=1e-10)
        expected = [0.3, 1.0, 3.0][i] * 1.5 ** int(alone.triggered.sum())
        assert alone.sharpness[-1, 0].item() == pytest.approx(expected, rel=0.05)  # sharpened, and flossed a little


def test_the_adaptive_schedule_alternates_then_waits_for_triggers():
    schedule = FlossingSchedule.named("adaptive", 2000, epochs=500, every=100, episodes=5, sharpen=1.2)
    assert schedule.at == (0, 100, 200, 300, 400)
    assert [schedule.length(e) for e in schedule.at] == [500, 100, 100, 100, 100]
    assert schedule.adaptive == AdaptiveFlossing(start=500, epochs=100, every=10, sharpen=1.2)
    with pytest.raises(ValueError, match="has no surrogate sharpness g"):
        train(network(), BinaryXOR(2), epochs=1, steps=10, k=2, schedule=schedule, progress=False)


def test_a_member_whose_gradient_overflows_skips_its_update_and_the_others_train_as_alone():
    gen = torch.Generator().manual_seed(2)
    model = BinaryRNN(10, 1, ensemble=2, g=torch.tensor([1e-3, 1.0]), generator=gen)
    with torch.no_grad():
        model.W[0] *= 5  # a nearly linear surrogate of a strongly expanding network: gradients ~ 5^T overflow
    ensemble = RecurrentNetwork(model, 1, readout_std=0.3, generator=gen)
    exploding, healthy = ensemble.member(0), ensemble.member(1)
    kwargs = dict(epochs=2, steps=80, batch=2, progress=False)
    history = train(ensemble, BinaryXOR(4), seeds=[0, 1], **kwargs)
    assert history.skipped[:, 0].all() and not history.skipped[:, 1].any()
    assert torch.isinf(history.grad_W[:, 0]).all() and torch.isnan(history.grad_W_singular_values[:, 0]).all()
    for (name, p), q in zip(ensemble.named_parameters(), exploding.parameters()):
        assert torch.equal(p[0], q[0]), name  # Adam with zero gradients and zero moments does not move
    alone = train(healthy, BinaryXOR(4), seeds=[1], **kwargs)
    assert torch.allclose(history.loss[:, 1], alone.loss[:, 0])
    for p, q in zip(ensemble.parameters(), healthy.parameters()):
        assert torch.allclose(p[1], q[0])
