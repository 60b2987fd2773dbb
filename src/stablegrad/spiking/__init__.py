"""Spiking layers whose backward pass is chosen: plain BPTT, SLAYER or EXODUS."""
from .lif import BACKWARDS, RESETS, lif, respond, simulate

__all__ = ["BACKWARDS", "RESETS", "lif", "respond", "simulate"]
