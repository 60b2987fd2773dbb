"""Residual matrices of weakly coupled residual networks (Dubinin & Effenberger, §4.1-4.3).

Each builder returns an ``(N, N)`` matrix ``R``; the linear WCRNN's Lyapunov exponents are then close to
``log |eig R|`` (eq. 13). Random families draw on the CPU from ``generator``, so a seed gives the same
matrix on every device.
"""
import math
from typing import Optional

import torch

from .._validation import check_positive_ints

__all__ = ["INFORMED", "RESIDUALS", "informed", "residual", "rotation"]


def _check_even(owner: str, n: int) -> None:
    check_positive_ints(owner, n=n)
    if n % 2:
        raise ValueError(f"{owner}: rotational residuals pair the units, so n must be even, got {n}")


def rotation(phi: torch.Tensor) -> torch.Tensor:
    """Block-diagonal rotation (eq. 16): one 2x2 block ``[[cos, -sin], [sin, cos]]`` per angle of ``phi``
    ``(N/2,)``; eigenvalues ``exp(±i phi)``."""
    phi = torch.as_tensor(phi, dtype=torch.get_default_dtype())
    if phi.dim() != 1:
        raise ValueError(f"rotation: phi must be a 1-D tensor of angles (N/2,), got shape {tuple(phi.shape)}")
    c, s = phi.cos(), phi.sin()
    blocks = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)
    return torch.block_diag(*blocks)


def _uniform(n: int, low: float, high: float, generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.get_default_dtype())


def _identity(n: int, *, r: float = 1.0, generator=None) -> torch.Tensor:
    return r * torch.eye(n)


def _homogeneous_rotation(n: int, *, phi: float, r: float = 1.0, generator=None) -> torch.Tensor:
    _check_even("residual('rotation')", n)
    return r * rotation(torch.full((n // 2,), float(phi)))


def _heterogeneous_rotation(n: int, *, phi_max: float = 2 * math.pi, r: float = 1.0, generator=None):
    _check_even("residual('heterogeneous_rotation')", n)
    return r * rotation(_uniform(n // 2, 0.0, phi_max, generator))


def _heterogeneous_diagonal(n: int, *, r0: float, delta_r: float, generator=None) -> torch.Tensor:
    if not delta_r >= 0:
        raise ValueError(f"residual('diagonal'): delta_r must be >= 0, got {delta_r!r}")
    return torch.diag(_uniform(n, r0 - delta_r / 2, r0 + delta_r / 2, generator))


def _orthogonal(n: int, *, generator=None) -> torch.Tensor:
    """A Haar-random orthogonal matrix (QR of a Gaussian draw with the signs of diag R fixed), as
    ``scipy.stats.ortho_group.rvs``."""
    Q, Rm = torch.linalg.qr(torch.randn(n, n, generator=generator, dtype=torch.get_default_dtype()))
    return Q * torch.sign(Rm.diagonal()).unsqueeze(0)


#: The ranges of the paper's informed heterogeneity (§4.3), r_i, phi_i and gamma_i each uniform in its range.
INFORMED = {"r": (0.99, 1.0), "phi": (0.0, math.pi / 4), "gamma": (0.005, 0.05)}


def _informed_residual(n: int, *, generator=None) -> torch.Tensor:
    _check_even("residual('informed')", n)
    phi = _uniform(n // 2, *INFORMED["phi"], generator)
    r = _uniform(n, *INFORMED["r"], generator)
    return rotation(phi) @ torch.diag(r)


#: The residual families by name, with the parameters each takes.
RESIDUALS = {
    "identity": _identity,  # r I (§4.1)
    "rotation": _homogeneous_rotation,  # eq. 16 with every phi_i = phi (§4.2), scaled by r
    "heterogeneous_rotation": _heterogeneous_rotation,  # eq. 16 with phi_i ~ U[0, phi_max]
    "diagonal": _heterogeneous_diagonal,  # eq. 17, r_i ~ U[r0 - delta_r/2, r0 + delta_r/2] (§4.3)
    "orthogonal": _orthogonal,  # random orthogonal (Fig B.4D)
    "informed": _informed_residual,  # rotation x diagonal of INFORMED (§4.3); pair with informed gamma
}


def residual(kind: str, n: int, *, generator: Optional[torch.Generator] = None, **params) -> torch.Tensor:
    """The ``(n, n)`` residual matrix of family ``kind`` (a key of :data:`RESIDUALS`) with ``params``,
    e.g. ``residual("identity", 100, r=0.995)`` or ``residual("rotation", 100, phi=2 * math.pi / 28)``."""
    if kind not in RESIDUALS:
        raise ValueError(f"residual: kind must be one of {sorted(RESIDUALS)}, got {kind!r}")
    check_positive_ints("residual", n=n)
    try:
        return RESIDUALS[kind](n, generator=generator, **params)
    except TypeError as error:
        raise ValueError(f"residual: wrong parameters {sorted(params)} for kind {kind!r}: {error}") from None


def informed(n: int, *, generator: Optional[torch.Generator] = None) -> tuple:
    """The paper's informed heterogeneity: ``(R, gamma)``, a rotation x diagonal residual and per-unit
    coupling ``gamma_i ~ U`` :data:`INFORMED` ``["gamma"]``."""
    R = residual("informed", n, generator=generator)
    return R, _uniform(n, *INFORMED["gamma"], generator)
