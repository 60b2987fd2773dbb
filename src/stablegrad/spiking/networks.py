"""The feed-forward spiking networks of the EXODUS paper's Table 2, and their losses over time.

``"shd"`` and ``"ssc"``: 100-128-128-20 and 100-128-128-35 fully connected; ``"dvs_gesture"``: the CNN
64x64x2-2c3-2p-4c3-2p-8c3-2p-16c3-11l. Integrate-and-fire layers sit between the weight layers (as the
paper's appendix says), so the network's output is the last weight layer's current ``(B, T, classes)``,
read out by the maximum or the sum over time. Choices the paper leaves open, made here: no biases,
PyTorch's default initialisation, convolutions padded to keep the size, 2x2 sum pooling after the IF
layer that follows each of the first three convolutions.
"""
from dataclasses import dataclass

import torch
from torch import nn

from .._validation import check_positive_ints
from .layers import IF, PerStep, single_exponential

__all__ = ["TABLE2", "Table2Row", "loss_over_time", "network", "readout", "table2"]


@dataclass(frozen=True)
class Table2Row:
    """One column of the paper's Table 2."""

    steps: int
    inputs: tuple
    classes: int
    readout: str  # "max" or "sum" over time
    lr: float
    batch: int
    epochs: int


TABLE2 = {
    "dvs_gesture": Table2Row(300, (2, 64, 64), 11, "sum", 1e-3, 32, 100),
    "shd": Table2Row(250, (100,), 20, "max", 1e-3, 128, 200),
    "ssc": Table2Row(250, (100,), 35, "max", 1e-3, 128, 200),
}


def table2(task: str) -> Table2Row:
    """The Table 2 column of ``task`` (``"dvs_gesture"``, ``"shd"`` or ``"ssc"``)."""
    if task not in TABLE2:
        raise ValueError(f"task must be one of {sorted(TABLE2)}, got {task!r}")
    return TABLE2[task]


def network(task: str, *, backward: str = "exodus", scale: float = 1.0, hidden: int = 128) -> nn.Sequential:
    """The Table 2 network for ``task``, its IF layers differentiated by ``backward`` with the
    :func:`~stablegrad.spiking.layers.single_exponential` surrogate at gradient scale ``scale``."""
    row = table2(task)
    check_positive_ints("network", hidden=hidden)

    def spiking():
        return IF(surrogate=single_exponential(scale), backward=backward)

    if task == "dvs_gesture":
        layers, channels = [], row.inputs[0]
        for out in (2, 4, 8, 16):
            layers += [PerStep(nn.Conv2d(channels, out, 3, padding=1, bias=False)), spiking()]
            if out != 16:
                layers.append(PerStep(nn.AvgPool2d(2, divisor_override=1)))
            channels = out
        side = row.inputs[1] // 8
        return nn.Sequential(*layers, nn.Flatten(2), nn.Linear(16 * side * side, row.classes, bias=False))
    sizes = (row.inputs[0], hidden, hidden)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out, bias=False), spiking()]
    return nn.Sequential(*layers, nn.Linear(hidden, row.classes, bias=False))


def readout(output: torch.Tensor, kind: str) -> torch.Tensor:
    """Logits ``(B, C)``: the maximum (``kind="max"``) or the sum (``"sum"``) over time of ``output`` ``(B, T, C)``."""
    if kind not in ("max", "sum"):
        raise ValueError(f"readout: kind must be 'max' or 'sum', got {kind!r}")
    return output.amax(1) if kind == "max" else output.sum(1)


def loss_over_time(output: torch.Tensor, labels: torch.Tensor, kind: str) -> torch.Tensor:
    """Cross-entropy of the :func:`readout` ``kind`` of ``output`` ``(B, T, C)``."""
    return nn.functional.cross_entropy(readout(output, kind), labels)
