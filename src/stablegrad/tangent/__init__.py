"""Tangent-space machinery: QR with positive diagonal, Lyapunov spectra, condition numbers. Knows no model."""
from .conditioning import condition_numbers, lyapunov_condition_number
from .lyapunov import (LyapunovSpectrum, System, autodiff_jacobian, lyapunov_spectrum, pushforward, random_orthonormal,
                       tangent_map)
from .qr import copyltu, qr_positive

__all__ = [
    "LyapunovSpectrum",
    "System",
    "autodiff_jacobian",
    "condition_numbers",
    "copyltu",
    "lyapunov_condition_number",
    "lyapunov_spectrum",
    "pushforward",
    "qr_positive",
    "random_orthonormal",
    "tangent_map",
]
