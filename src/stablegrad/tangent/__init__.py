"""Tangent-space machinery: QR with positive diagonal, Lyapunov spectra, condition numbers, backward
gradient norms and loss-Hessian spectra. Knows no model."""
from .adjoint import state_gradient_norms
from .conditioning import condition_numbers, lyapunov_condition_number
from .hessian import RitzValues, hessian_eigenvalues
from .lyapunov import (LyapunovSpectrum, System, autodiff_jacobian, lyapunov_spectrum, pushforward, random_orthonormal,
                       tangent_map)
from .qr import copyltu, qr_positive

__all__ = [
    "LyapunovSpectrum",
    "RitzValues",
    "System",
    "autodiff_jacobian",
    "condition_numbers",
    "copyltu",
    "hessian_eigenvalues",
    "lyapunov_condition_number",
    "lyapunov_spectrum",
    "pushforward",
    "qr_positive",
    "random_orthonormal",
    "state_gradient_norms",
    "tangent_map",
]
