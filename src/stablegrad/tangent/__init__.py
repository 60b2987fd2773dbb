"""Tangent-space machinery: QR with positive diagonal and Lyapunov spectra. Knows no model."""
from .lyapunov import LyapunovSpectrum, System, lyapunov_spectrum, random_orthonormal, tangent_map
from .qr import copyltu, qr_positive

__all__ = [
    "LyapunovSpectrum",
    "System",
    "copyltu",
    "lyapunov_spectrum",
    "qr_positive",
    "random_orthonormal",
    "tangent_map",
]
