"""The EXODUS experiments: the spike-train-fitting ensemble equals separate runs, and a classifier's
training history is the same for EXODUS and BPTT."""
import dataclasses

import pytest
import torch

from stablegrad.experiments import exodus as ex

SMALL = ex.Fig04Config(inputs=20, rate=0.3, steps=30, hidden=6, target_spikes=3, epochs=8, runs=2,
                       taus=(4.0, 50.0), lrs=(3e-2, 1e-1), width=1.0, record_every=1)


def test_spike_train_fitting_grid_equals_separate_runs():
    """Each (lr, tau) cell of the ensemble trains exactly like a run of that cell alone."""
    grid = ex.spike_train_fitting(SMALL, "exodus", seed=3, progress=False)
    changing = grid["loss"].std(-1) > 0
    assert changing.float().mean() >= 0.5 and grid["raster"].sum() > 0  # most members learn, some spike
    for i, lr in enumerate(SMALL.lrs):
        for j, tau in enumerate(SMALL.taus):
            alone = ex.spike_train_fitting(dataclasses.replace(SMALL, lrs=(lr,), taus=(tau,)), "exodus", seed=3,
                                           progress=False)
            torch.testing.assert_close(grid["loss"][i, j], alone["loss"][0, 0], rtol=1e-5, atol=1e-7)
            assert torch.equal(grid["raster"][i, j], alone["raster"][0, 0])


def test_classifier_trains_identically_with_exodus_and_bptt():
    """Same seed, same batches: EXODUS and BPTT give the same losses and gradient norms epoch by epoch
    (float32, so up to rounding); SLAYER's gradients differ."""
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(24, 40, 100, generator=gen) < 0.2).float()
    y = torch.randint(20, (24,), generator=gen)
    runs = {b: ex.train_classifier("shd", (x, y), (x[:8], y[:8]), backward=b, epochs=3, seed=1, batch=8, hidden=16,
                                   progress=False) for b in ("exodus", "bptt", "slayer")}
    assert runs["bptt"]["grad_norm"].min() > 0
    torch.testing.assert_close(runs["exodus"]["loss"], runs["bptt"]["loss"], rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(runs["exodus"]["grad_norm"], runs["bptt"]["grad_norm"], rtol=1e-3, atol=1e-6)
    assert not torch.allclose(runs["slayer"]["grad_norm"], runs["bptt"]["grad_norm"], rtol=1e-2)


def test_classifier_streams_a_dataset_exactly_like_tensors_in_memory():
    """The same batches from a Dataset (a DataLoader over it) as from the stacked tensors: identical runs."""
    gen = torch.Generator().manual_seed(4)
    x = (torch.rand(20, 30, 100, generator=gen) < 0.2).float()
    y = torch.randint(20, (20,), generator=gen)
    kw = dict(backward="exodus", epochs=2, seed=3, batch=6, hidden=8, progress=False)
    held = ex.train_classifier("shd", (x, y), (x[:7], y[:7]), **kw)
    dataset = torch.utils.data.TensorDataset(x, y)
    streamed = ex.train_classifier("shd", dataset, torch.utils.data.Subset(dataset, range(7)), **kw)
    for key in ("loss", "accuracy", "grad_norm"):
        assert torch.equal(held[key], streamed[key]), key
    assert held["grad_norm"].min() > 0


def test_classifier_skips_steps_whose_gradient_overflows():
    """A gradient scale so large that the exact gradient overflows float32: the steps are skipped and
    counted, and the weights stay finite."""
    gen = torch.Generator().manual_seed(1)
    x = (torch.rand(8, 250, 100, generator=gen) < 0.3).float()
    y = torch.randint(20, (8,), generator=gen)
    run = ex.train_classifier("shd", (x, y), (x, y), backward="exodus", scale=1e4, epochs=2, batch=4, hidden=16,
                              progress=False)
    assert run["skipped"].sum() > 0
    assert torch.isfinite(run["accuracy"]).all()


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=0), "epochs must be a positive integer"),
    (dict(epochs=1, batch=0), "batch must be a positive integer"),
    (dict(epochs=1, lr=-1.0), "lr must be a positive number"),
])
def test_classifier_bad_arguments(kwargs, message):
    x, y = torch.zeros(2, 5, 100), torch.zeros(2, dtype=torch.long)
    with pytest.raises(ValueError, match=message):
        ex.train_classifier("shd", (x, y), (x, y), backward="exodus", progress=False, **kwargs)
