"""Spiking layers whose backward pass is chosen: plain BPTT, SLAYER or EXODUS."""
from .lif import BACKWARDS, lif, respond, simulate

__all__ = ["BACKWARDS", "lif", "respond", "simulate"]
