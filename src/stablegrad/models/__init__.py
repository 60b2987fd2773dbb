"""Recurrent models. Each has ``step(h, x)`` and, where it is cheap, an analytic ``jacobian(h, x)``."""
from ..tangent import System
from .rate import VanillaRNN

__all__ = ["System", "VanillaRNN"]
