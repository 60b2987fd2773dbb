"""Recurrent models. Each has ``step(h, x)``, ``hidden(h)`` (what a readout reads) and, where it is
cheap, an analytic ``jacobian(h, x)``; parameters carry a leading ensemble dimension."""
from ..tangent import System
from ._ensemble import EnsembleModule
from .binary import BinaryRNN
from .lif import LIFNetwork
from .lstm import LSTM
from .rate import VanillaRNN
from .wcrnn import WCRNN

__all__ = ["LSTM", "BinaryRNN", "EnsembleModule", "LIFNetwork", "System", "VanillaRNN", "WCRNN"]
