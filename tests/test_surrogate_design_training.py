"""Training recipe of the surrogate-design paper on a task with a known answer."""
import math

import pytest
import torch

from stablegrad import surrogate
from stablegrad import init
from stablegrad.experiments.surrogate_design import (_scheme, backward_mean_square, lif_at_initialisation,
                                                     fig04_configs, mode_accuracy, reseeded, run,
                                                     train_language_model, train_stack)
from stablegrad.models.spiking_stack import SpikingLanguageModel


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


def test_a_uint8_raster_trains_exactly_like_its_float_copy():
    (x, y), val = _channel_task(32, 0), _channel_task(16, 1)
    kw = dict(kind="lif", surrogate=surrogate.get("gaussian"), n_rec=8, epochs=2, batch=8, progress=False,
              layer_kwargs=dict(alpha=0.8, threshold=0.5))
    as_float = train_stack((x, y), val, **kw)
    as_bytes = train_stack((x.to(torch.uint8), y), (val[0].to(torch.uint8), val[1]), **kw)
    for key in ("loss", "accuracy", "train_loss"):
        assert torch.equal(as_float[key], as_bytes[key])


def _words(n, vocabulary, seed):
    """A stream that cycles through a fixed random order of the vocabulary: each word predicts the next."""
    order = torch.randperm(vocabulary, generator=torch.Generator().manual_seed(seed))
    return order.repeat(n // vocabulary + 1)[:n]


def test_a_silent_language_model_predicts_uniformly_and_a_spiking_one_learns():
    ids = _words(2000, 16, 0)
    kw = dict(kind="lif", surrogate=surrogate.get("fast_sigmoid"), n_rec=24, epochs=6, bptt=10, batch=8,
              lr=1e-2, progress=False)
    # no neuron can reach the threshold: the tied output is zero, so every word has probability 1/16
    silent = train_language_model(ids, ids, layer_kwargs=dict(threshold=1e6), **kw)
    assert torch.allclose(silent["perplexity"], torch.tensor(16.0), rtol=1e-5)
    learnt = train_language_model(ids, ids, layer_kwargs=dict(alpha=0.5, threshold=0.05), **kw)
    assert learnt["perplexity"][-1] < 4.0, learnt["perplexity"]  # a deterministic cycle: perplexity -> 1


def test_language_model_ties_its_output_to_the_embedding():
    net = SpikingLanguageModel("lif", 10, 6, surrogate=surrogate.get("exponential"),
                               layer_kwargs=dict(threshold=0.01))
    ids = torch.randint(7, (3, 5))  # word 7 never occurs in the input
    with torch.no_grad():
        hidden = net.embedding(ids)
        for layer in net.layers:
            hidden = layer(hidden)
        before = net(ids)
        net.embedding.weight[7] += 1.0  # so only word 7's logit moves, by the number of output spikes
        after = net(ids)
    assert hidden.sum() > 0
    assert torch.allclose(after[..., 7] - before[..., 7], hidden.sum(-1))
    assert torch.equal(torch.cat([after[..., :7], after[..., 8:]], -1), torch.cat([before[..., :7], before[..., 8:]], -1))
    with pytest.raises(ValueError, match="ids must be int64"):
        net(ids.float())


@pytest.mark.parametrize("scheme", ["he_gaussian", "glorot_bigamma", "orthogonal_uniform"])
def test_fig04_schemes_redraw_every_lif_weight_by_their_rule(scheme):
    from stablegrad.models.spiking_stack import SpikingStack

    net = SpikingStack("alif", 300, 200, 4, surrogate=surrogate.get("triangular"))
    _scheme(scheme)(net, torch.Generator().manual_seed(0))
    for layer in net.layers:
        for w in (layer.w_in.detach(), layer.w_rec.detach()):
            fan_in, fan_out = w.shape
            if scheme.startswith("orthogonal"):
                gram = w.T @ w if fan_in >= fan_out else w @ w.T
                assert torch.allclose(gram, torch.eye(len(gram)), atol=1e-5)
            else:
                expected = 2 / fan_in if scheme.startswith("he") else 2 / (fan_in + fan_out)
                assert abs(float(w.var()) / expected - 1) < 0.08
                # excess kurtosis tells the distributions apart: Gaussian 0, BiGamma (Gamma(3) with a random sign)
                # 5 * 6 / (3 * 4) - 3 = -0.5, uniform -1.2
                excess = float((w / expected**0.5).pow(4).mean()) - 3
                assert abs(excess - (-0.5 if scheme.endswith("bigamma") else 0.0)) < 0.2


def test_fig05_conditions_set_the_recurrent_mean_and_variance_of_ci_and_cii():
    from stablegrad.models.spiking_stack import SpikingStack

    net = SpikingStack("lif", 300, 400, 4, surrogate=surrogate.get("exponential"),
                       layer_kwargs=dict(alpha=0.9, threshold=0.5))
    z_mean, z_var = 0.1, 0.09
    _scheme("ci_cii", z_mean, z_var)(net, torch.Generator().manual_seed(0))
    mean = init.condition_i(400, 0.9, 0.5)
    for layer, (n_in, stats) in zip(net.layers, ((300, (z_mean, z_var)), (400, (0.5, 0.25)))):
        w = layer.w_rec.detach()
        var = init.condition_ii(400, n_in, 2 / (n_in + 400), mean, z_mean=stats[0], z_var=stats[1])
        assert abs(float(w.mean()) - mean) < 4 * (var / w.numel()) ** 0.5
        assert abs(float(w.var()) / var - 1) < 0.02
    _scheme("ci", z_mean, z_var)(net, torch.Generator().manual_seed(0))
    w = net.layers[0].w_rec.detach()
    assert abs(float(w.var()) * 400 - 1) < 0.02 and abs(float(w.mean()) - mean) < 4 * (1 / 400 / w.numel()) ** 0.5
    _scheme("cii", z_mean, z_var)(net, torch.Generator().manual_seed(0))
    w = net.layers[0].w_rec.detach()  # CII alone: its variance for a zero mean
    var = init.condition_ii(400, 300, 2 / 700, 0.0, z_mean=z_mean, z_var=z_var)
    assert abs(float(w.mean())) < 4 * (var / w.numel()) ** 0.5 and abs(float(w.var()) / var - 1) < 0.02


def test_run_rejects_bad_configurations():
    with pytest.raises(ValueError, match="task must be one of"):
        run("cifar", "lif", "gaussian", scale="smoke")
    with pytest.raises(ValueError, match="scale must be one of"):
        run("ptb", "lif", "gaussian", scale="huge")
    with pytest.raises(ValueError, match="init must be one of"):
        _scheme("lecun_uniform")
    with pytest.raises(ValueError, match="run: init must be one of"):
        run("shd", "lif", "gaussian", scale="smoke", init="lecun_uniform")
    with pytest.raises(ValueError, match=r"sizes may set \['bptt', 'epochs', 'n_rec', 'train', 'val'\]"):
        run("ptb", "lif", "gaussian", scale="smoke", sizes={"width": 3})
    with pytest.raises(ValueError, match="fig04_configs: scale must be one of"):
        fig04_configs("huge")
    with pytest.raises(ValueError, match="PTB runs use the default"):
        run("ptb", "lif", "gaussian", scale="smoke", init="he_uniform")
    with pytest.raises(ValueError, match="unknown surrogate"):
        run("ptb", "lif", "sinc", scale="smoke")


def test_replicates_never_share_a_run():
    configs = [dict(task="shd", seed=r) for r in range(3)]
    seeds = [{c["seed"] for c in reseeded(configs, k)} for k in range(3)]
    assert seeds[0] == {0, 1, 2} and not (seeds[0] & seeds[1]) and not (seeds[1] & seeds[2])
    assert reseeded(configs, 0) == configs


def test_grid_keys_hold_every_default_and_the_shd_source(tmp_path, monkeypatch):
    from stablegrad.experiments import surrogate_design as sd

    seen = []
    monkeypatch.setattr("stablegrad.sweeps.run_grid", lambda name, function, configs, **kw: seen.extend(configs))
    sd.grid([dict(task="shd", kind="lif", shape="gaussian"), dict(task="ptb", kind="lif", shape="gaussian")],
            scale="smoke", root=str(tmp_path))
    assert seen[0]["alpha"] == math.exp(-10)  # run's default, though the configuration did not name it
    assert seen[0]["threshold"] == 0.01 and seen[0]["init"] == "glorot_uniform" and seen[0]["data"] == "stand-in"
    assert seen[1]["data"] == ""  # only SHD runs depend on the data folder
    assert seen[0]["sizes"] == sd.SIZES["smoke"]["shd"] and seen[1]["sizes"] == sd.SIZES["smoke"]["ptb"]
    seen.clear()
    sd.grid([dict(task="ptb", kind="lif", shape="gaussian", sizes={"epochs": 3})], scale="smoke")
    assert seen[0]["sizes"] == {**sd.SIZES["smoke"]["ptb"], "epochs": 3}
    seen.clear()
    sd.grid([dict(task="ptb", kind="lif", shape="gaussian", seed=r) for r in range(2)], seed=1, scale="smoke")
    assert [c["seed"] for c in seen] == [2, 3]  # replicate 1 of a two-seed grid
    with pytest.raises(ValueError, match="grid: scale must be one of"):
        sd.grid([], scale="huge")


def test_a_worker_that_reads_other_data_than_the_grid_refuses_to_run(tmp_path):
    from stablegrad.experiments import surrogate_design as sd

    with pytest.raises(RuntimeError, match="the grid found the real data but this process read the stand-in"):
        sd.run("shd", "lif", "gaussian", scale="smoke", root=str(tmp_path), data="real")
