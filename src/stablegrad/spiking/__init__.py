"""Spiking layers whose backward pass is chosen: plain BPTT, SLAYER or EXODUS."""
from .lif import BACKWARDS, lif

__all__ = ["BACKWARDS", "lif"]
