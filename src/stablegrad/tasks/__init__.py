"""Synthetic tasks and dataset loaders; no training code."""
from .synthetic import BinaryXOR, ContinuousXOR, DelayedCopy, SpatialXOR, TaskBatch

__all__ = ["BinaryXOR", "ContinuousXOR", "DelayedCopy", "SpatialXOR", "TaskBatch"]
