"""The fading-memory experiments: training as an ensemble, minimal performance, diagnostics, grid keys."""
import math

import pytest
import torch

from stablegrad.experiments import fading_memory as fm

TINY = dict(n_hidden=8, instances=2, batch=8, test=16, eval_every=2, diagnostic_batch=6, lanczos=4)


def _result(scores, metric, every=10):
    scores = torch.tensor(scores, dtype=torch.float32)
    return {"score": scores, "iteration": torch.arange(len(scores)) * every, "metric": metric}


def test_iterations_to_minimal_performance_is_the_first_crossing_or_the_last_iteration():
    result = _result([[10, 10, 10], [40, 55, math.nan], [60, 45, math.nan], [70, 49, math.nan]], "accuracy")
    assert fm.iterations_to(result).tolist() == [20, 10, 30]
    rms = _result([[0.3, 0.3], [0.04, 0.2], [0.01, 0.06]], "rms")
    assert fm.iterations_to(rms).tolist() == [10, 20]
    assert fm.iterations_to(rms, threshold=0.1).tolist() == [10, 20]


def test_summary_ignores_diverged_evaluations():
    result = _result([[10, math.nan], [math.nan, math.nan], [30, math.nan]], "accuracy")
    best = fm.summary(result)["best"]
    assert best[0] == 30 and math.isnan(best[1])
    assert fm.summary(_result([[0.5], [math.nan], [0.2]], "rms"))["best"].tolist() == pytest.approx([0.2])


def test_task_losses_per_member():
    data = fm.load_task("add100", test=4)
    out, y = torch.tensor([[[1.0], [3.0]], [[0.0], [0.0]]]), torch.tensor([[0.0], [1.0]])
    assert data.loss(out, y).tolist() == pytest.approx([math.sqrt((1 + 4) / 2), math.sqrt(0.5)])
    mnist = fm.load_task("smnist", test=4)
    logits, labels = torch.randn(3, 5, 10), torch.randint(0, 10, (5,))
    expected = [torch.nn.functional.cross_entropy(logits[i], labels).item() for i in range(3)]
    assert mnist.loss(logits, labels).tolist() == pytest.approx(expected, rel=1e-6)
    assert mnist.score(logits, labels).tolist() == pytest.approx(
        [100 * (logits[i].argmax(-1) == labels).float().mean().item() for i in range(3)])
    logits[1, 2, 4] = math.nan  # one diverged member has no accuracy
    scores = mnist.score(logits, labels)
    assert math.isnan(scores[1]) and not scores[[0, 2]].isnan().any()


def test_psmnist_is_a_fixed_permutation_of_smnist():
    s, p = fm.load_task("smnist", test=3).test[0], fm.load_task("psmnist", test=3).test[0]
    assert not torch.equal(s, p)
    assert torch.equal(s.sort(1).values, p.sort(1).values)


def test_an_ensemble_trains_exactly_as_its_members_alone():
    data = fm.load_task("add100", test=8)
    net = fm.network(2, 1, residual={"kind": "diagonal", "r0": 0.95, "delta_r": 0.04}, n_hidden=6, instances=2,
                     seed=3)
    alone = [net.member(i) for i in range(2)]
    together = fm.train(net, data, iterations=5, batch=4, eval_every=5, seed=1, progress=False)
    for i, member in enumerate(alone):
        single = fm.train(member, data, iterations=5, batch=4, eval_every=5, seed=1, progress=False)
        assert torch.allclose(single["train_loss"][:, 0], together["train_loss"][:, i], rtol=1e-5)
        assert torch.allclose(member.W[0], net.W[i], rtol=1e-5, atol=1e-7)


def test_informed_networks_draw_one_residual_and_coupling_per_instance():
    net = fm.network(1, 10, residual={"kind": "informed"}, gamma="informed", n_hidden=10, instances=3, seed=0)
    assert not torch.equal(net.R[0], net.R[1]) and not torch.equal(net.gamma[0], net.gamma[1])
    assert net.gamma.min() >= 0.005 and net.gamma.max() <= 0.05


def test_lstm_baseline_has_about_ten_thousand_parameters():
    lstm = fm.network(1, 10, model="lstm", n_hidden=47, instances=1)
    assert 9_000 < sum(p.numel() for p in lstm.parameters()) < 11_000


@pytest.mark.parametrize("call, message", [
    (lambda: fm.network(1, 1, model="gru"), "model must be 'wcrnn' or 'lstm'"),
    (lambda: fm.network(1, 1, gamma="big"), "gamma must be a positive number or 'informed'"),
    (lambda: fm.network(1, 1, gamma=-1.0), "gamma must be positive"),
    (lambda: fm.network(1, 1, residual={"kind": "spiral"}), "kind must be one of"),
    (lambda: fm.load_task("add7000x", test=4), "task must be one of"),
    (lambda: fm.run("smnist", scale="huge"), "scale must be one of"),
    (lambda: fm.run("smnist", scale="smoke", sizes={"width": 3}), "sizes may set"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_diagnostics_follow_the_residual():
    """At small gamma the exponents sit near log r and dL/dx_t shrinks by r per step back (eqs. 13, 15)."""
    r = 0.9
    out = fm.diagnose("add100", residual={"kind": "identity", "r": r}, gamma=0.01, exponents=5, scale="smoke",
                      sizes=TINY)
    assert out["running"].shape == (100, 2, 5)
    assert torch.allclose(out["running"][-1], torch.full((2, 5), math.log(r)), atol=0.02)
    assert torch.allclose(out["log_residual"], torch.full((2, 8), math.log(r), dtype=torch.float64))
    slope = (out["grad_norms"][-1].log() - out["grad_norms"][-41].log()) / 40
    assert torch.allclose(slope, torch.full((2,), -math.log(r)), atol=0.02)
    hessian = out["hessian"]
    assert hessian.shape == (2, 4) and (hessian.abs().diff(dim=1) <= 1e-6).all()
    assert out["hessian_bound"].shape == (2, 4) and (out["hessian_bound"] >= 0).all()


def test_grid_keys_hold_defaults_and_sizes(monkeypatch):
    seen = []
    monkeypatch.setattr("stablegrad.sweeps.run_grid", lambda name, function, configs, **kw: seen.extend(configs))
    fm.grid([dict(task="scifar", residual={"kind": "identity", "r": 0.99})], scale="smoke", root="/nonexistent")
    (cell,) = seen
    assert cell["lr"] == fm.LR and cell["gamma"] == 0.01 and cell["kind"] == "linear"
    assert cell["sizes"] == fm.SIZES["smoke"] and cell["data"] == "stand-in-v2" and cell["root"] == "/nonexistent"


def test_instability_is_the_largest_setback_below_the_best_so_far():
    assert fm.instability(_result([[10, 10], [60, 20], [40, 30], [70, 40]], "accuracy")).tolist() == [20, 0]
    assert fm.instability(_result([[50], [math.nan], [60]], "accuracy")).tolist() == [50]
    rms = fm.instability(_result([[1.0, 1.0], [0.01, 0.5], [0.1, 0.4], [math.nan, 0.3]], "rms"))
    assert rms[0] == math.inf and rms[1] == 0
    assert fm.instability(_result([[1.0], [0.01], [0.1]], "rms")).tolist() == pytest.approx([1.0])


def test_diagnostics_of_a_diverged_member_are_nan_and_leave_the_others_intact(monkeypatch):
    config = dict(task="add100", residual={"kind": "identity", "r": 0.9}, gamma=0.01, scale="smoke", sizes=TINY)
    healthy = fm.diagnose(**config, exponents=3)
    original = fm.network

    def with_a_diverged_member(*args, **kwargs):
        net = original(*args, **kwargs)
        with torch.no_grad():
            net.W[1, 0, 0] = math.nan
        return net

    monkeypatch.setattr(fm, "network", with_a_diverged_member)
    broken = fm.diagnose(**config, exponents=3)
    assert broken["hessian"][1].isnan().all() and broken["grad_norms"][:, 1].isnan().all()
    assert broken["hessian_bound"][1].isnan().all() and broken["hessian_bound"][0].isfinite().all()
    assert broken["running"][:, 1].isnan().all()
    assert torch.allclose(broken["grad_norms"][:, 0], healthy["grad_norms"][:, 0])
    assert broken["hessian"][0].isfinite().all()  # (a 4-step Lanczos from another start: not comparable)


def test_hessian_eigenvalues_of_a_non_finite_member_are_nan():
    from stablegrad.tangent import hessian_eigenvalues

    net = fm.network(2, 1, residual={"kind": "identity", "r": 0.9}, n_hidden=3, instances=2, seed=0)
    with torch.no_grad():
        net.V[0] = math.nan
    x, y = torch.rand(4, 6, 2), torch.rand(4, 1)
    ritz = hessian_eigenvalues(lambda: ((net(x) - y) ** 2).sum(), list(net.parameters()), iterations=5)
    assert ritz.values[0].isnan().all() and ritz.values[1].isfinite().all()
    assert ritz.bounds[0].isnan().all() and ritz.bounds[1].isfinite().all()


def test_smnist_power_spectrum_peaks_at_the_row_frequency_and_psmnist_has_no_peak():
    peaks = {}
    for task in ("smnist", "psmnist"):
        frequency, power = fm.power_spectrum(task, samples=100)
        i = int(power[1:].argmax()) + 1
        peaks[task] = (frequency[i].item(), (power[i] / power[1:].median()).item())
    assert peaks["smnist"][0] == pytest.approx(fm.PHI_C, abs=1e-6)  # 784 / 28 = 28 is an exact frequency bin
    assert peaks["psmnist"][1] < peaks["smnist"][1] / 10


def test_a_worker_that_reads_other_data_than_the_grid_refuses_to_run(tmp_path):
    # the grid found real CIFAR files, but this process (a cluster node with an empty data folder) reads the stand-in
    with pytest.raises(RuntimeError, match="the grid found the real data but this process read the stand-in"):
        fm.run("scifar", residual={"kind": "identity", "r": 0.99}, scale="smoke", root=str(tmp_path), data="real")
