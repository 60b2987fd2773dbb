"""Grayscale sequential CIFAR-10 (the Long Range Arena's sCIFAR): 32 x 32 images as 1024-step sequences.

No package ships CIFAR-10, so the data come from a user folder: the "CIFAR-10 python version"
(``cifar-10-python.tar.gz`` from https://www.cs.toronto.edu/~kriz/cifar.html, unpacked) in
``<root>/cifar-10-batches-py`` (``root`` defaults to ``$STABLEGRAD_DATA`` or ``~/.stablegrad/data``).
Without it :func:`load_cifar10_gray` reads a labelled stand-in written in the same file format
(``standin`` is true and ``message`` says how to get the real data); results on it test the code only.
"""
import pickle
from pathlib import Path
from typing import NamedTuple, Optional

import numpy as np
import torch

from .._validation import check_positive_ints
from ._pickle import load_arrays
from .neuromorphic import default_root

__all__ = ["CifarSplit", "load_cifar10_gray"]

FOLDER = "cifar-10-batches-py"
FILES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
#: Luma weights of the Long Range Arena's grayscale conversion (``tf.image.rgb_to_grayscale``).
LUMA = (0.2989, 0.5870, 0.1140)
STANDIN_PER_CLASS = {"train": 50, "test": 20}
#: Version of the stand-in's content; cache keys of runs on it carry it.
STANDIN_VERSION = 2


class CifarSplit(NamedTuple):
    """``images`` float32 ``(n, 1024, 1)`` in ``[0, 1]`` (row by row), ``labels`` int64 ``(n,)``."""

    images: torch.Tensor
    labels: torch.Tensor
    standin: bool
    message: str


def _write_standin(folder: Path, seed: int = 0) -> None:
    """Class-dependent noisy gratings in the real batch format: one orientation and frequency per class."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:32, 0:32]
    for split, files in FILES.items():
        per_class = STANDIN_PER_CLASS[split] // len(files) or 1
        for name in files:
            labels = rng.permutation(np.repeat(np.arange(10), per_class))  # shuffled, as the real batches
            angle, freq = labels[:, None, None] * np.pi / 10, 0.2 + 0.05 * labels[:, None, None]
            phase = rng.uniform(0, 6.3, (len(labels), 1, 1))
            grating = np.sin(freq * (xx * np.cos(angle) + yy * np.sin(angle)) + phase)
            gray = np.clip(127.5 + 80 * grating + rng.normal(0, 30, grating.shape), 0, 255)
            data = np.repeat(gray.reshape(len(labels), 1, 1024), 3, axis=1).reshape(len(labels), 3072)
            batch = {b"data": data.astype(np.uint8), b"labels": labels.tolist()}
            partial = folder / f"{name}.partial"
            with open(partial, "wb") as f:
                pickle.dump(batch, f, protocol=2)
            partial.replace(folder / name)


def load_cifar10_gray(split: str = "train", *, root=None, limit: Optional[int] = None) -> CifarSplit:
    """The grayscale sequences of ``split`` (``"train"``: 50 000, ``"test"``: 10 000), the first ``limit``."""
    if split not in FILES:
        raise ValueError(f"load_cifar10_gray: split must be one of {sorted(FILES)}, got {split!r}")
    if limit is not None:
        check_positive_ints("load_cifar10_gray", limit=limit)
    root = Path(root).expanduser() if root is not None else default_root()
    folder, message = root / FOLDER, ""
    if not all((folder / name).is_file() for name in FILES[split]):
        message = (f"CIFAR-10 was not found in {folder}. Download the python version (cifar-10-python.tar.gz) "
                   f"from https://www.cs.toronto.edu/~kriz/cifar.html and unpack it in {root}, or set "
                   "STABLEGRAD_DATA. Using a synthetic STAND-IN (class-dependent gratings): results on it test "
                   "the code, not the paper's accuracy.")
        folder = root / "standin" / f"cifar10-v{STANDIN_VERSION}"
        if not all((folder / name).is_file() for name in FILES[split]):
            _write_standin(folder)
    data, labels = [], []
    for name in FILES[split]:
        with open(folder / name, "rb") as f:
            batch = load_arrays(f, owner="load_cifar10_gray", encoding="bytes")
        data.append(np.asarray(batch[b"data"], dtype=np.uint8))
        labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
    rgb = torch.from_numpy(np.concatenate(data)[:limit]).view(-1, 3, 1024).to(torch.float32) / 255
    gray = torch.einsum("c,ncp->np", torch.tensor(LUMA), rgb).unsqueeze(-1)
    return CifarSplit(gray, torch.from_numpy(np.concatenate(labels)[:limit]), bool(message), message)
