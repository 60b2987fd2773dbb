"""Surrogate gradients: step functions whose backward pass uses a smooth stand-in for the derivative.

A surrogate is a shape ``f`` scaled as ``v -> dampening * f(sharpness * v)`` (Table S1 of the
surrogate-design paper: ``f`` peaks at 1 with unit area). Each shape also carries its primitive ``F``
(``F' = f``), which is how the step functions get their surrogate derivative without a custom
autograd function: ``step(v) + (P(v) - P(v).detach())`` has exactly the value of ``step(v)`` and the
derivative ``P'(v)``, in reverse and forward mode alike, so Jacobians by autodiff and by formula can
be compared to the last bit.
"""
import math
from dataclasses import dataclass
from typing import Callable, Union

import torch

__all__ = ["SHAPES", "TABLE_S1", "Surrogate", "get", "heaviside", "register", "sign"]

#: The seven shapes of the surrogate-design paper's Table S1, in its order.
TABLE_S1 = ("triangular", "exponential", "gaussian", "sigmoid", "fast_sigmoid", "rectangular", "q_pseudospike")

Number = Union[float, torch.Tensor]


@dataclass(frozen=True)
class _Shape:
    derivative: Callable  # f(v, **params), peak 1
    primitive: Callable  # F(v, **params) with F' = f
    params: tuple = ()  # names of the shape's own parameters
    tex: str = ""  # f(v) in LaTeX, as Table S1 writes it


def _odd(F, v):
    """The odd extension ``F(v)`` for ``v >= 0``, ``-F(-v)`` below, built from two smooth branches so that
    autodiff gives the right slope at ``v = 0`` (``sign(v) * F(|v|)`` differentiates to 0 there)."""
    return torch.where(v >= 0, F(v.clamp(min=0)), -F((-v).clamp(min=0)))


def _q_check(q):
    if not (isinstance(q, (int, float)) and q > 1):
        raise ValueError(f"surrogate q_pseudospike: q must be a number > 1, got {q!r}")


SHAPES: dict = {
    "triangular": _Shape(lambda v: (1 - v.abs()).clamp(min=0),
                         lambda v: v.clamp(-1, 1) - v.clamp(-1, 1) * v.clamp(-1, 1).abs() / 2,
                         tex=r"\max(1 - |v|, 0)"),
    "exponential": _Shape(lambda v: torch.exp(-2 * v.abs()), lambda v: _odd(lambda u: (1 - torch.exp(-2 * u)) / 2, v),
                          tex=r"e^{-2|v|}"),
    "gaussian": _Shape(lambda v: torch.exp(-math.pi * v**2), lambda v: torch.erf(math.sqrt(math.pi) * v) / 2,
                       tex=r"e^{-\pi v^2}"),
    "sigmoid": _Shape(lambda v: 4 * torch.sigmoid(4 * v) * (1 - torch.sigmoid(4 * v)), lambda v: torch.sigmoid(4 * v),
                      tex=r"4\,\mathrm{sigmoid}(4v)\,(1 - \mathrm{sigmoid}(4v))"),
    "fast_sigmoid": _Shape(lambda v: 1 / (1 + 2 * v.abs()) ** 2, lambda v: v / (1 + 2 * v.abs()),
                           tex=r"\frac{1}{(1 + |2v|)^2}"),
    "rectangular": _Shape(lambda v: (v.abs() < 0.5).to(v.dtype), lambda v: v.clamp(-0.5, 0.5),
                          tex=r"\mathbb{1}_{|v| < 1/2}"),
    "q_pseudospike": _Shape(
        lambda v, q: (1 + 2 * v.abs() / (q - 1)) ** -q,
        lambda v, q: _odd(lambda u: (1 - (1 + 2 * u / (q - 1)) ** (1 - q)) / 2, v),
        params=("q",),
        tex=r"\left(1 + \tfrac{2}{q-1}|v|\right)^{-q}",
    ),
    # the binary networks of surrogate gradient flossing: sech^2, the derivative of tanh (peak 1, area 2),
    # as 4 e^{-2|v|} / (1 + e^{-2|v|})^2, which underflows to 0 where 1 / cosh^2 would differentiate to NaN
    "sech2": _Shape(lambda v: 4 * torch.exp(-2 * v.abs()) / (1 + torch.exp(-2 * v.abs())) ** 2, torch.tanh,
                    tex=r"\mathrm{sech}^2(v)"),
}


def register(name: str, derivative: Callable, primitive: Callable, params: tuple = (), tex: str = "") -> None:
    """Add a shape: ``derivative(v, **params)`` with peak 1, its primitive (``primitive' = derivative``) and,
    for tables, its formula in LaTeX."""
    if not isinstance(name, str) or name in SHAPES:
        raise ValueError(f"surrogate.register: name must be a new string, got {name!r} (known: {sorted(SHAPES)})")
    SHAPES[name] = _Shape(derivative, primitive, tuple(params), tex)


def _check_positive(name: str, value) -> None:
    ok = bool(((value > 0) & torch.isfinite(value)).all()) if isinstance(value, torch.Tensor) else \
        isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < math.inf
    if not ok:
        raise ValueError(f"surrogate: {name} must be positive and finite, got {value!r}")


@dataclass(frozen=True)
class Surrogate:
    """``v -> dampening * f(sharpness * v)`` for the shape ``name``; see :func:`get`.

    ``sharpness`` and ``dampening`` may be tensors that broadcast against ``v`` (e.g. one trainable
    sharpness per network).
    """

    name: str
    dampening: Number = 1.0
    sharpness: Number = 1.0
    params: tuple = ()  # (name, value) pairs of the shape's own parameters

    def __call__(self, v: torch.Tensor) -> torch.Tensor:
        """The surrogate derivative at ``v``."""
        return self.dampening * SHAPES[self.name].derivative(self.sharpness * v, **dict(self.params))

    def primitive(self, v: torch.Tensor) -> torch.Tensor:
        """A function whose derivative is the surrogate (``__call__``): ``dampening / sharpness * F(sharpness * v)``."""
        return self.dampening / self.sharpness * SHAPES[self.name].primitive(self.sharpness * v, **dict(self.params))


def get(name: str, dampening: Number = 1.0, sharpness: Number = 1.0, **params) -> Surrogate:
    """The surrogate ``name`` (a key of ``SHAPES``) with the given dampening, sharpness and shape parameters.

    ``q_pseudospike`` takes ``q > 1`` (tail fatness; ``q = 2`` is ``fast_sigmoid``).
    """
    if name not in SHAPES:
        raise ValueError(f"surrogate.get: unknown surrogate {name!r}; known: {sorted(SHAPES)}")
    _check_positive("dampening", dampening)
    _check_positive("sharpness", sharpness)
    expected = set(SHAPES[name].params)
    if set(params) != expected:
        raise ValueError(f"surrogate.get: {name} takes the shape parameters {sorted(expected)}, got {sorted(params)}")
    if name == "q_pseudospike":
        _q_check(params["q"])
    return Surrogate(name, dampening, sharpness, tuple(sorted(params.items())))


def _straight_through(forward: torch.Tensor, v: torch.Tensor, surrogate: Surrogate) -> torch.Tensor:
    smooth = surrogate.primitive(v)
    return forward + (smooth - smooth.detach())


def heaviside(v: torch.Tensor, surrogate: Surrogate) -> torch.Tensor:
    """``H(v)`` (1 where ``v > 0``, else 0) forward; derivative ``surrogate(v)`` backward."""
    return _straight_through((v > 0).to(v.dtype), v, surrogate)


def sign(v: torch.Tensor, surrogate: Surrogate) -> torch.Tensor:
    """``sgn(v)`` forward; derivative ``surrogate(v)`` backward (the binary networks' ``phi'_g``)."""
    return _straight_through(torch.sign(v), v, surrogate)
