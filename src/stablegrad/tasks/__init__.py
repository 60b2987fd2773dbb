"""Synthetic tasks and dataset loaders; no training code."""
from .synthetic import BinaryXOR, ContinuousXOR, DelayedCopy, SpatialXOR, TaskBatch

__all__ = ["TASKS", "BinaryXOR", "ContinuousXOR", "DelayedCopy", "SpatialXOR", "TaskBatch", "make_task"]

#: The tasks by name, as :class:`~stablegrad.training.TrainingRun` names them.
TASKS = {"copy": DelayedCopy, "xor": ContinuousXOR, "binary_xor": BinaryXOR, "spatial_xor": SpatialXOR}


def make_task(name: str, delay: int):
    """The task called ``name`` (a key of :data:`TASKS`) with delay ``delay``."""
    if name not in TASKS:
        raise ValueError(f"make_task: name must be one of {sorted(TASKS)}, got {name!r}")
    return TASKS[name](delay)
