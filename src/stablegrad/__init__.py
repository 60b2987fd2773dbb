"""stablegrad: how gradients travel backwards through time in recurrent, binary and spiking networks.

The tested library behind the reproduction book: tangent-space (Lyapunov/QR) machinery, models
with analytic Jacobians, gradient flossing, and the helpers that record paper-vs-ours claims.
"""
from .flossing import FlossingHistory, floss, flossing_loss
from .models import VanillaRNN
from .tangent import LyapunovSpectrum, lyapunov_spectrum, qr_positive

__all__ = [
    "FlossingHistory",
    "LyapunovSpectrum",
    "VanillaRNN",
    "floss",
    "flossing_loss",
    "lyapunov_spectrum",
    "qr_positive",
]
__version__ = "0.1.0"
