"""The adding problem (Hochreiter & Schmidhuber 1997), as the fading-memory paper uses it.

Each sample is a two-channel sequence of ``length`` steps: values ``U[0, 1)`` in the first channel and a
cue channel that is 1 at two steps, one drawn uniformly in the first half and one in the second half, and
0 elsewhere. The target is the sum of the two cued values; the paper scores it by the RMS error.
"""
from typing import Optional

import torch

from .._validation import check_positive_ints

__all__ = ["adding_problem", "rms"]


def adding_problem(n: int, length: int, *, generator: Optional[torch.Generator] = None) -> tuple:
    """``(inputs (n, length, 2), targets (n, 1))`` drawn on the CPU from ``generator``.

    ``length`` must be at least 2 (one cue in each half); odd lengths give the middle step to the second
    half.
    """
    check_positive_ints("adding_problem", n=n, length=length)
    if length < 2:
        raise ValueError(f"adding_problem: length must be at least 2 (one cue in each half), got {length}")
    half = length // 2
    values = torch.rand(n, length, generator=generator)
    first = torch.randint(0, half, (n,), generator=generator)
    second = half + torch.randint(0, length - half, (n,), generator=generator)
    cues = torch.zeros(n, length)
    rows = torch.arange(n)
    cues[rows, first] = 1.0
    cues[rows, second] = 1.0
    targets = (values[rows, first] + values[rows, second]).unsqueeze(-1)
    return torch.stack([values, cues], -1), targets


def rms(outputs: torch.Tensor, targets: torch.Tensor, dim=None) -> torch.Tensor:
    """Root-mean-square error over ``dim`` (all dimensions by default)."""
    squared = (outputs - targets) ** 2
    return (squared.mean() if dim is None else squared.mean(dim)).sqrt()
