"""Weight initialisation for spiking networks, and the four conditions of surrogate-gradient design.

Two halves of one idea, both from Herranz-Celotti & Rouat, "Surrogate gradients design":

* **Sampling** (section 2.3): Glorot, He and orthogonal matrices drawn from a uniform, Gaussian or BiGamma
  distribution (:func:`weights`, :func:`sample`, :func:`bigamma`).
* **Conditions I-IV** (section 2.6, appendix B) for the LIF of eq. 1, ``y_t = alpha y_{t-1} + W_rec x_{t-1} +
  b + W_in z_t - thr x_{t-1}``, ``x_t = H(y_t - thr)``, zero-diagonal ``W_rec``, ``b = 0``, ``Mean[w_in] =
  0``: the recurrent mean (CI) and variance (CII) that make the neurons fire half of the time with recurrent
  and input currents of equal variance, the dampening that keeps the gradient's maximum (CIII) and the
  surrogate second moment that keeps its variance (CIV) constant across time; the voltage bounds of B.6; eq. 2
  for any shape of :mod:`stablegrad.surrogate`; and :func:`solve`, which picks the dampening (CIII) and the
  sharpness (CIV through eq. 2) for a shape.

Conventions. A weight matrix is ``(n_in, n_out) = (presynaptic, postsynaptic)``, the paper's ``W_l in
R^{n_{l-1} x n_l}``, and acts on row vectors, ``z @ W`` (as in :mod:`stablegrad.models`); its ``fan_in`` is
``n_in`` and its ``fan_out`` is ``n_out``; leading dimensions (an ensemble) are batch. ``W_rec`` is ``(n_rec,
n_rec)`` and ``W_in`` is ``(n_in, n_rec)``. Inputs and spikes lie in ``[0, 1]``. ``Max`` and ``Min`` of a
weight are the extremes of the sampled matrix (the ensemble supremum is infinite for Gaussian and BiGamma
weights). ``reset="multiplicative"`` is the B.7 variant (see item 8 below).

Where this module departs from the printed paper (``paper=True`` gives the printed form where one exists):

1. Eq. 19 puts ``+ Mean[thr]`` outside the factor ``1/(n_rec - 1)``; eq. 20 (main-text CI) is the correct
   consequence of eq. 18 and is what :func:`condition_i` returns.
2. CIV, eqs. 47-57: the leak ``alpha dy_{t-1}`` and the reset ``-thr sigma' dy_{t-1}`` act on the same
   ``dy_{t-1,i}`` but their variances are added as if independent, dropping the cross term ``-2 alpha thr
   E[sigma']``. Corrected: ``1 = alpha^2 - 2 alpha thr E[sigma'] + ((n_rec-1) E[w_rec^2] + thr^2) E[sigma'^2]
   + xi n_in E[w_in^2] E[sigma_in'^2]``. It vanishes for ``alpha -> 0`` (the authors' code starts at ``alpha =
   e^-10``) and when the reset's gradient is stopped.
3. CIII, eqs. 38-44: the same two terms are maximised separately (``Max[alpha g] - Min[thr sigma' g]``). With
   the paper's symmetric gradient (``Max[g] = -Min[g]``), ``Max[(alpha - thr sigma') g] = max(alpha, thr gamma
   - alpha) Max[g]`` and ``Max[w sigma' g] = gamma Max|w| Max[g]``, so ``gamma = (1 - alpha - xi..)/((n_rec-1)
   Max|w_rec|)`` while ``thr gamma <= 2 alpha``, else ``(1 + alpha - xi..)/((n_rec-1) Max|w_rec| + thr)``. Eq.
   44 is smaller by the factor ``1 + thr/((n_rec-1)|Min[w_rec]|)`` and needs ``Min[w_rec] < 0``.
4. The main-text CIV has ``E[sigma_in']`` where eq. 57 has ``E[sigma_in'^2]``; eq. 57 is used.
5. B.6, eqs. 70-75, lets the neuron's own spike ignore its own voltage: the maximum assumes the neuron "stayed
   silent" at a voltage above threshold, the minimum that it fired from below threshold. With the reset tied
   to the voltage the bounds are ``y_max = max(C + alpha thr, (C - thr)/(1 - alpha))`` and ``y_min = min(D/(1
   - alpha), D - (1 - alpha) thr)`` (``C``, ``D`` the largest and smallest synaptic current; ``C/(1 - alpha)``
   and ``D/(1 - alpha)`` if the neuron cannot reach threshold). The printed bounds are valid but looser by
   about ``thr/(1 - alpha)``. Eqs. 70-71 are missing from the text; eq. 76 has a stray index on ``Min[thr
   x]``.
6. Eq. 67 (the exponential's integral) holds only for ``y_min < thr < y_max``; :func:`uniform_moment`
   integrates any range numerically.
7. The paper declares ``W_in in R^{n_in x n_rec}`` yet writes ``W_in z_t`` and sums ``[W_rec]_ij`` over the
   presynaptic ``j``; we use ``(pre, post)`` matrices and ``z @ W`` throughout.
8. B.7: eq. 80 is circular as printed (``x_t`` must be ``x_{t-1}``) and multiplies the input by ``alpha (1 -
   x)`` too, but eqs. 83-85 and the stated recipe "``alpha -> alpha (1 - x_t)``, drop the subtractive reset"
   describe ``y_t = alpha (1 - x_{t-1}) y_{t-1} + W_rec x_{t-1} + W_in z_t + b``, with the reset's gradient
   stopped; that is the model implemented. Its CI is ``(2 - alpha) thr/(n_rec - 1)`` (the recipe applied to
   eq. 19, and the authors' code); eq. 82's ``(1 - alpha)`` is a slip. For eq. 80 literally the same steps
   give CI ``2 (2 - alpha) thr/(alpha (n_rec - 1))``, CIII ``gamma = (1 - alpha - alpha xi..)/(alpha (n_rec -
   1) Max|w_rec|)`` and CIV ``E[sigma'^2] = (2/alpha^2 - 1 - xi..)/((n_rec - 1) E[w_rec^2])``.
9. CIII and CIV cannot hold together for typical sizes: ``E[sigma'^2] <= gamma^2`` (the peak is ``gamma``) and
   CIII's ``gamma ~ (1 - alpha)/((n_rec - 1) Max|w_rec|)`` puts ``gamma^2`` below CIV's target by a factor of
   order ``n_rec (1 + alpha)/(1 - alpha)`` (3000 for 200 neurons at ``alpha = 0.9``). :func:`solve` says so
   instead of returning a sharpness that misses CIV, unless given a ``dampening`` or a ``sharpness_bounds``
   range (the authors' code searched ``s in [0.3, 1.6]`` at random; we search deterministically: a log grid,
   then bisection).
10. Eq. 2's uniform prior over the B.6 range is far wider than the voltages at initialisation, so it
    underestimates ``E[sigma'^2]`` for a given sharpness; :func:`solve` also accepts measured voltages (eq. 61
    with the empirical ``p(v)``). Notation: eqs. 39-41 write ``delta`` for ``xi``.
11. Eqs. 49-57 assume zero-mean gradients, but CI's mean ``Mean[w_rec] > 0`` gives the backward pass a
    coherent mode along the all-ones vector with gain ``alpha + ((n_rec - 1) Mean[w_rec] - thr) E[sigma']``
    (``alpha + (3 - 2 alpha) thr E[sigma']`` under CI when the reset's gradient is stopped, as in the authors'
    code and :class:`stablegrad.models.spiking_stack.LIFLayer`). :class:`Design` reports it.
12. CIV is an annealed mean-field argument (fresh, independent ``W``, ``sigma'`` and gradient at every step).
    The real backward pass reuses one ``W`` and voltages correlated in time, and meets it only approximately;
    ``tests/test_init.py`` measures how closely.
13. CI gives a fixed point of the mean field, not necessarily the state the network reaches: where the voltage
    fluctuates by only about ``thr``, some realisations started from rest settle at a low firing rate; with
    the multiplicative reset the independence of ``x`` and ``y`` fails (the reset zeroes exactly the high
    voltages) and CI's network fires well below half of the time. ``tests/test_init.py`` has the numbers.
"""
import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch

from . import surrogate as _surrogate

__all__ = [
    "DISTRIBUTIONS",
    "RULES",
    "Design",
    "bigamma",
    "condition_i",
    "condition_ii",
    "condition_iii",
    "condition_iv",
    "fans",
    "sample",
    "solve",
    "uniform_moment",
    "voltage_bounds",
    "weights",
]

RULES = ("glorot", "he", "orthogonal")
DISTRIBUTIONS = ("uniform", "gaussian", "bigamma")
RESETS = ("subtractive", "multiplicative")
_GAMMA_RATE = math.sqrt(12.0)  # Gamma(3, rate sqrt 12) has E[g^2] = 3 * 4 / 12 = 1


# ----------------------------------------------------------------------------------------------- checks
def _number(owner: str, name: str, value) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"init.{owner}: {name} must be a real number, got {value!r}")
    return float(value)


def _positive(owner: str, name: str, value) -> float:
    value = _number(owner, name, value)
    if not 0 < value < math.inf:
        raise ValueError(f"init.{owner}: {name} must be positive and finite, got {value!r}")
    return value


def _alpha(owner: str, alpha) -> float:
    alpha = _number(owner, "alpha", alpha)
    if not 0 < alpha <= 1:
        raise ValueError(f"init.{owner}: alpha must lie in (0, 1], got {alpha!r}")
    return alpha


def _size(owner: str, name: str, value, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"init.{owner}: {name} must be an integer >= {least}, got {value!r}")
    return value


def _reset(owner: str, reset: str, detach_reset: bool | None) -> bool:
    """Validate the reset and return whether its gradient is stopped."""
    if reset not in RESETS:
        raise ValueError(f"init.{owner}: reset must be one of {RESETS}, got {reset!r}")
    if detach_reset is None:
        return reset == "multiplicative"
    if not isinstance(detach_reset, bool):
        raise ValueError(f"init.{owner}: detach_reset must be True, False or None, got {detach_reset!r}")
    if reset == "multiplicative" and not detach_reset:
        raise ValueError(f"init.{owner}: the multiplicative-reset conditions (B.7) assume the gradient "
                         "through the reset factor (1 - x) is stopped; detach_reset=False is not supported")
    return detach_reset


def _choice(owner: str, name: str, value, options) -> str:
    if value not in options:
        raise ValueError(f"init.{owner}: {name} must be one of {options}, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------- sampling
def fans(shape) -> tuple:
    """``(fan_in, fan_out)`` of a ``(*batch, n_in, n_out)`` weight: its last two sizes."""
    shape = tuple(shape)
    if len(shape) < 2 or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in shape):
        raise ValueError(f"init.fans: shape must be (*batch, n_in, n_out) of positive integers, "
                         f"got {shape!r}")
    return shape[-2], shape[-1]


def bigamma(shape, variance: float = 1.0, *, generator: torch.Generator | None = None,
            dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """BiGamma samples: ``Gamma(shape 3, rate sqrt(12))`` with a random sign, scaled to ``variance``.

    The paper's bimodal distribution ``Gamma(w)/2 + Gamma(-w)/2`` (section 2.3): symmetric, mean 0, exact
    variance, and no mass near zero (the density vanishes like ``w^2``), so it never samples zero. As in the
    authors' code the magnitude has unit second moment before scaling; it is drawn exactly as a sum of three
    unit exponentials (``-log(1 - u)``, ``u`` uniform in float64, zero only if three draws are exactly 0).
    """
    variance = _number("bigamma", "variance", variance)
    if not 0 <= variance < math.inf:
        raise ValueError(f"init.bigamma: variance must be >= 0 and finite, got {variance!r}")
    shape = tuple(shape)
    u = torch.rand((3, *shape), generator=generator, dtype=torch.float64)
    magnitude = -torch.log1p(-u).sum(0) / _GAMMA_RATE
    sign = torch.randint(0, 2, shape, generator=generator, dtype=torch.float64) * 2 - 1
    return (sign * magnitude * math.sqrt(variance)).to(dtype)


def sample(shape, variance: float, distribution: str = "uniform", *, mean: float = 0.0,
           generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Independent weights from ``distribution`` with exactly this ``mean`` and ``variance`` (in law).

    ``"uniform"`` is ``U(-a, a)`` with ``a = sqrt(3 variance)``, ``"gaussian"`` is ``N(0, variance)``,
    ``"bigamma"`` is :func:`bigamma`; ``mean`` is added afterwards (CI's recurrent mean, for example).
    """
    _choice("sample", "distribution", distribution, DISTRIBUTIONS)
    variance = _number("sample", "variance", variance)
    mean = _number("sample", "mean", mean)
    if not 0 <= variance < math.inf or not math.isfinite(mean):
        raise ValueError(f"init.sample: variance must be >= 0 and finite and mean finite, got {variance!r}, "
                         f"{mean!r}")
    shape = tuple(shape)
    if distribution == "uniform":
        w = (torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1) * math.sqrt(3 * variance)
    elif distribution == "gaussian":
        w = torch.randn(shape, generator=generator, dtype=torch.float64) * math.sqrt(variance)
    else:
        w = bigamma(shape, variance, generator=generator, dtype=torch.float64)
    return (w + mean).to(dtype)


def weights(shape, rule: str = "glorot", distribution: str = "uniform", *,
            generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A ``(*batch, n_in, n_out)`` weight by the initialisation ``rule`` of section 2.3.

    ``"glorot"``: variance ``2/(fan_in + fan_out)`` (linear networks); ``"he"``: ``2/fan_in`` (ReLU networks);
    ``"orthogonal"`` (Saxe et al.): the QR factor of a matrix drawn from ``distribution``, signs fixed so that
    ``diag(R) > 0``, with orthonormal columns (``W^T W = I``) when ``n_in >= n_out`` and orthonormal rows
    otherwise. For Gaussian draws that is a Haar-random orthogonal matrix; for BiGamma it is the authors'
    "orthogonal BiGamma"; for uniform, the same construction from uniform draws.
    """
    fan_in, fan_out = fans(shape)
    _choice("weights", "rule", rule, RULES)
    _choice("weights", "distribution", distribution, DISTRIBUTIONS)
    if rule != "orthogonal":
        variance = 2 / (fan_in + fan_out) if rule == "glorot" else 2 / fan_in
        return sample(shape, variance, distribution, generator=generator, dtype=dtype)
    a = sample(shape, 1.0, distribution, generator=generator, dtype=torch.float64)
    tall = fan_in >= fan_out
    q, r = torch.linalg.qr(a if tall else a.mT)
    d = torch.diagonal(r, dim1=-2, dim2=-1)
    q = q * torch.where(d < 0, -1.0, 1.0).unsqueeze(-2)
    return (q if tall else q.mT).to(dtype)


# ------------------------------------------------------------------------------------------- conditions
def condition_i(n_rec: int, alpha: float, thr: float, *, reset: str = "subtractive",
                paper: bool = False) -> float:
    """CI: the recurrent weight mean ``Mean[w_rec]`` that makes the neurons fire half of the time.

    Eq. 20: ``(3 - 2 alpha) thr/(n_rec - 1)`` (from ``Mean[y] = thr`` at the steady state of eq. 13 with
    ``Mean[x] = 1/2``, the mean standing in for the median). Multiplicative reset: ``(2 - alpha) thr/
    (n_rec - 1)``; ``paper=True`` gives eq. 82 as printed, ``(1 - alpha) thr/(n_rec - 1)`` (a slip).
    """
    n_rec = _size("condition_i", "n_rec", n_rec, 2)
    alpha, thr = _alpha("condition_i", alpha), _positive("condition_i", "thr", thr)
    _choice("condition_i", "reset", reset, RESETS)
    if reset == "subtractive":
        return (3 - 2 * alpha) * thr / (n_rec - 1)
    return ((1 - alpha) if paper else (2 - alpha)) * thr / (n_rec - 1)


def condition_ii(n_rec: int, n_in: int, var_w_in: float, mean_w_rec: float, *, z_mean: float = 0.5,
                 z_var: float = 0.25) -> float:
    """CII: the recurrent weight variance ``Var[w_rec]`` that matches the recurrent and input variances.

    Eq. 28 (and eq. 83, the reset does not enter): ``2 (Var[z] + Mean[z]^2) n_in/(n_rec - 1) Var[w_in] -
    Mean[w_rec]^2/2``, from ``Var[W_rec x] = Var[W_in z]`` with Bernoulli(1/2) spikes (CI) and ``Mean[w_in] =
    0``. ``z_mean``, ``z_var``: statistics of the input (from the training set for data; the defaults 1/2 and
    1/4 are those of a spiking layer below that obeys CI).
    """
    n_rec = _size("condition_ii", "n_rec", n_rec, 2)
    n_in = _size("condition_ii", "n_in", n_in, 1)
    var_w_in = _positive("condition_ii", "var_w_in", var_w_in)
    mean_w_rec = _number("condition_ii", "mean_w_rec", mean_w_rec)
    z_mean = _number("condition_ii", "z_mean", z_mean)
    z_var = _number("condition_ii", "z_var", z_var)
    if z_var < 0 or not math.isfinite(z_var) or not math.isfinite(z_mean) or not math.isfinite(mean_w_rec):
        raise ValueError(f"init.condition_ii: need finite mean_w_rec, z_mean and z_var >= 0, got "
                         f"{mean_w_rec!r}, {z_mean!r}, {z_var!r}")
    var = 2 * (z_var + z_mean**2) * n_in / (n_rec - 1) * var_w_in - mean_w_rec**2 / 2
    if var <= 0:
        raise ValueError(f"init.condition_ii: no recurrent variance meets CII: the recurrent mean "
                         f"{mean_w_rec!r} alone gives the recurrent current more variance than the input's "
                         f"(eq. 28: {var!r})")
    return var


def condition_iii(n_rec: int, alpha: float, thr: float, max_w_rec: float, min_w_rec: float, *,
                  reset: str = "subtractive", detach_reset: bool | None = None, input_term: float = 0.0,
                  paper: bool = False) -> float:
    """CIII: the dampening ``gamma`` that keeps the gradient's maximum constant across time steps.

    Subtractive reset, corrected (module note 3): ``(1 - alpha - input_term)/((n_rec - 1) Max|w_rec|)`` while
    ``thr gamma <= 2 alpha``, else ``(1 + alpha - input_term)/((n_rec - 1) Max|w_rec| + thr)``;
    ``paper=True``: eq. 44, ``Min/((n_rec - 1) Min - thr) / Max * (1 - alpha - input_term)`` (needs ``Min < 0
    < Max``). With the reset's gradient stopped (``detach_reset``), or the multiplicative reset (eq. 84), the
    reset term drops out: ``(1 - alpha - input_term)/((n_rec - 1) Max|w_rec|)`` (``Max[w_rec]`` with
    ``paper=True``). ``input_term`` is ``xi n_in Max[w_in] gamma_in``: 0 when the input is data, else from the
    layer below.
    """
    n_rec = _size("condition_iii", "n_rec", n_rec, 2)
    alpha, thr = _alpha("condition_iii", alpha), _positive("condition_iii", "thr", thr)
    detach = _reset("condition_iii", reset, detach_reset)
    hi = _number("condition_iii", "max_w_rec", max_w_rec)
    lo = _number("condition_iii", "min_w_rec", min_w_rec)
    term = _number("condition_iii", "input_term", input_term)
    if not (math.isfinite(hi) and math.isfinite(lo) and lo <= hi) or term < 0:
        raise ValueError(f"init.condition_iii: need finite min_w_rec <= max_w_rec and input_term >= 0, got "
                         f"{lo!r}, {hi!r}, {term!r}")
    head = 1 - alpha - term
    if head <= 0:
        raise ValueError(f"init.condition_iii: no positive dampening meets CIII: 1 - alpha - input_term = "
                         f"{head!r}")
    if paper and (hi <= 0 or (not detach and lo >= 0)):
        raise ValueError(f"init.condition_iii: eq. 44 needs Min[w_rec] < 0 < Max[w_rec], got {lo!r}, {hi!r}")
    top = hi if paper else max(hi, -lo)
    if top <= 0:
        raise ValueError("init.condition_iii: the recurrent weights are all zero")
    if detach:
        return head / ((n_rec - 1) * top)
    if paper:
        return lo / ((n_rec - 1) * lo - thr) / hi * head
    gamma = head / ((n_rec - 1) * top)
    return gamma if thr * gamma <= 2 * alpha else (1 + alpha - term) / ((n_rec - 1) * top + thr)


def _civ_parts(n_rec, alpha, thr, mean_sq_w_rec, detach, reset, input_term, paper):
    """``(a, b, c)`` with CIV reading ``E[sigma'^2] = (a + b E[sigma'])/c``."""
    if reset == "multiplicative":
        return 1 - alpha**2 / 2 - input_term, 0.0, (n_rec - 1) * mean_sq_w_rec
    if detach:
        return 1 - alpha**2 - input_term, 0.0, (n_rec - 1) * mean_sq_w_rec
    cross = 0.0 if paper else 2 * alpha * thr
    return 1 - alpha**2 - input_term, cross, (n_rec - 1) * mean_sq_w_rec + thr**2


def condition_iv(n_rec: int, alpha: float, thr: float, mean_sq_w_rec: float,
                 mean_surrogate: float | None = None, *, reset: str = "subtractive",
                 detach_reset: bool | None = None, input_term: float = 0.0, paper: bool = False) -> float:
    """CIV: the surrogate's second moment ``E[sigma'^2]`` that keeps the gradient variance constant in time.

    Subtractive reset, corrected (module note 2): ``(1 - alpha^2 + 2 alpha thr E[sigma'] - input_term)/
    ((n_rec - 1) E[w_rec^2] + thr^2)``, so it needs ``mean_surrogate = E[sigma']``; ``paper=True``: eq. 57,
    without the ``2 alpha thr E[sigma']`` term. Reset gradient stopped: ``(1 - alpha^2 - input_term)/((n_rec -
    1) E[w_rec^2])``; multiplicative reset (eq. 85): ``(1 - alpha^2/2 - input_term)/((n_rec - 1)
    E[w_rec^2])``. ``mean_sq_w_rec`` is ``E[w_rec^2]`` over the off-diagonal entries; ``input_term`` is ``xi
    n_in E[w_in^2] E[sigma_in'^2]`` (0 for data input).
    """
    n_rec = _size("condition_iv", "n_rec", n_rec, 2)
    alpha, thr = _alpha("condition_iv", alpha), _positive("condition_iv", "thr", thr)
    detach = _reset("condition_iv", reset, detach_reset)
    mean_sq = _positive("condition_iv", "mean_sq_w_rec", mean_sq_w_rec)
    term = _number("condition_iv", "input_term", input_term)
    if term < 0:
        raise ValueError(f"init.condition_iv: input_term must be >= 0, got {term!r}")
    a, b, c = _civ_parts(n_rec, alpha, thr, mean_sq, detach, reset, term, paper)
    m1 = 0.0
    if b:
        if mean_surrogate is None:
            raise ValueError("init.condition_iv: the corrected CIV needs mean_surrogate = E[sigma'] "
                             "(or paper=True for eq. 57, or detach_reset=True)")
        m1 = _number("condition_iv", "mean_surrogate", mean_surrogate)
        if not 0 <= m1 < math.inf:
            raise ValueError(f"init.condition_iv: mean_surrogate must be >= 0 and finite, got {m1!r}")
    if a + b * m1 <= 0:
        raise ValueError(f"init.condition_iv: no surrogate meets CIV: the leak alone keeps "
                         f"{1 - a - b * m1!r} of the gradient variance")
    return (a + b * m1) / c


def _geometric(current: float, alpha: float) -> float:
    """``current/(1 - alpha)``, the fixed point of ``y = alpha y + current``, with its ``alpha = 1`` limit."""
    if alpha < 1:
        return current / (1 - alpha)
    return math.copysign(math.inf, current) if current else 0.0


def voltage_bounds(alpha: float, thr: float, max_current: float, min_current: float, *,
                   reset: str = "subtractive", paper: bool = False) -> tuple:
    """B.6: ``(y_min, y_max)``, the lowest and highest voltage the LIF can reach from rest.

    ``max_current``/``min_current`` bound the synaptic current ``W_rec x + W_in z`` (``b = 0``): eqs. 72 and
    75 use ``(n_rec - 1) Max[w_rec] + n_in Max[w_in]`` and ``(n_rec - 1) Min[w_rec] + n_in Min[w_in]``; eqs.
    77 and 79 the per-neuron sums of the positive (negative) weights onto a neuron. Corrected (module note 5),
    the neuron's reset follows its own voltage; ``paper=True`` gives eqs. 72 and 75, ``(C)/(1 - alpha)`` and
    ``(D - thr)/(1 - alpha)`` (multiplicative reset: ``D/(1 - alpha)``). ``alpha = 1`` gives infinite bounds
    where the voltage can drift without limit.
    """
    alpha, thr = _alpha("voltage_bounds", alpha), _positive("voltage_bounds", "thr", thr)
    _choice("voltage_bounds", "reset", reset, RESETS)
    c = _number("voltage_bounds", "max_current", max_current)
    d = _number("voltage_bounds", "min_current", min_current)
    if not (0 <= c < math.inf and -math.inf < d <= 0):
        raise ValueError(f"init.voltage_bounds: need finite max_current >= 0 >= min_current (silence gives "
                         f"0), got {c!r}, {d!r}")
    reach = _geometric(c, alpha)  # the highest voltage without ever firing
    if paper:
        return (_geometric(d - thr, alpha) if reset == "subtractive" else _geometric(d, alpha)), reach
    if reach < thr:  # the neuron never fires: no reset
        return _geometric(d, alpha), reach
    if reset == "multiplicative":
        return _geometric(d, alpha), c + alpha * thr
    above = (c - thr) / (1 - alpha) if alpha < 1 else (math.inf if c > thr else -math.inf)
    return min(_geometric(d, alpha), d - (1 - alpha) * thr), max(c + alpha * thr, above)


# ---------------------------------------------------------------------------------------- eq. 2 / eq. 64
_GL_NODES, _GL_WEIGHTS = (torch.from_numpy(a) for a in np.polynomial.legendre.leggauss(32))


def _integral(f, a: float, b: float) -> float:
    """``int_a^b f``, Gauss-Legendre on pieces split at 0 and at +-2^k (k >= -40), the kinks and edges of the
    Table S1 shapes among them, so that narrow peaks and long tails are both resolved."""
    top = max(abs(a), abs(b), 1.0)
    powers = [2.0**k for k in range(-40, math.ceil(math.log2(top)) + 1)]
    edges = sorted({a, b, 0.0, *powers, *(-p for p in powers)})
    edges = torch.tensor([e for e in edges if a <= e <= b], dtype=torch.float64)
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    v = mid[:, None] + half[:, None] * _GL_NODES
    return float((f(v) * half[:, None] * _GL_WEIGHTS).sum())


def _scalar_surrogate(owner: str, sg) -> tuple:
    if not isinstance(sg, _surrogate.Surrogate):
        raise ValueError(f"init.{owner}: expected a stablegrad.surrogate.Surrogate, got {sg!r}")
    return _positive(owner, "dampening", sg.dampening), _positive(owner, "sharpness", sg.sharpness)


def uniform_moment(surrogate, y_min: float, y_max: float, thr: float, m: int = 2) -> float:
    """Eq. 2 (``m = 2``; eq. 64 for any ``m``): ``E[sigma'^m]`` for ``v = y - thr``, ``y`` uniform in
    ``[y_min, y_max]``: ``gamma^m/(s (y_max - y_min)) int_{s(y_min - thr)}^{s(y_max - thr)} f(v)^m dv``.

    ``f^m`` is integrated numerically in float64, so any shape of :mod:`stablegrad.surrogate` works. An
    infinite range gives 0, the limit in which ``E[sigma'^2] ~ gamma^2/s`` (times ``int f^2/(y_max -
    y_min)``).
    """
    gamma, s = _scalar_surrogate("uniform_moment", surrogate)
    m = _size("uniform_moment", "m", m, 1)
    lo, hi = _number("uniform_moment", "y_min", y_min), _number("uniform_moment", "y_max", y_max)
    thr = _positive("uniform_moment", "thr", thr)
    if not lo < hi:
        raise ValueError(f"init.uniform_moment: need y_min < y_max, got {lo!r}, {hi!r}")
    if math.isinf(lo) or math.isinf(hi):
        return 0.0
    shape, params = _surrogate.SHAPES[surrogate.name], dict(surrogate.params)
    integral = _integral(lambda v: shape.derivative(v, **params) ** m, s * (lo - thr), s * (hi - thr))
    return gamma**m / (s * (hi - lo)) * integral


# ----------------------------------------------------------------------------------------------- solver
@dataclass(frozen=True)
class Design:
    """A surrogate chosen by :func:`solve`, with the numbers behind it.

    ``second_moment`` is ``E[sigma'^2]`` at the chosen sharpness (eq. 2, or over the given voltages),
    ``first_moment`` is ``E[sigma']``, ``target`` is CIV's ``E[sigma'^2]`` at that ``E[sigma']`` (equal to
    ``second_moment`` when CIV is met), ``y_min``/``y_max`` the B.6 voltage bounds. ``mean_mode_gain`` is the
    per-step gain of the backward pass along the all-ones direction, ``E[diagonal] + (n_rec - 1) Mean[w_rec]
    E[sigma']``, which CI's positive recurrent mean creates and eqs. 49-57 assume away (module note 11):
    above 1 the gradient grows whatever CIV says.
    """

    surrogate: _surrogate.Surrogate
    y_min: float
    y_max: float
    first_moment: float
    second_moment: float
    target: float
    mean_mode_gain: float

    @property
    def dampening(self) -> float:
        return float(self.surrogate.dampening)

    @property
    def sharpness(self) -> float:
        return float(self.surrogate.sharpness)


def _matrix(owner: str, name: str, w) -> torch.Tensor:
    if not isinstance(w, torch.Tensor) or w.dim() != 2 or not torch.isfinite(w).all():
        raise ValueError(f"init.{owner}: {name} must be a finite 2-D tensor, got "
                         f"{tuple(w.shape) if isinstance(w, torch.Tensor) else type(w).__name__}")
    return w.detach().to(torch.float64)


def _check_peak(name: str, params: dict) -> None:
    """CIII reads ``Max[sigma'] = gamma``: the shape must peak at 1, at v = 0, and be non-negative."""
    v = torch.linspace(-8, 8, 16_001, dtype=torch.float64)
    f = _surrogate.SHAPES[name].derivative(v, **params)
    if abs(float(f[8000]) - 1) > 1e-9 or float(f.max()) > 1 + 1e-9 or float(f.min()) < 0:
        raise ValueError(f"init.solve: surrogate {name!r} is not supported: conditions III and IV need a "
                         "non-negative shape with its peak 1 at v = 0")


def solve(shape: str, w_rec: torch.Tensor, w_in: torch.Tensor, *, alpha: float, thr: float,
          reset: str = "subtractive", detach_reset: bool | None = None, dampening: float | None = None,
          voltages: torch.Tensor | None = None, below: Design | None = None,
          sharpness_bounds: tuple | None = None, paper: bool = False, **params) -> Design:
    """Dampening by CIII and sharpness by CIV (through eq. 2) for the surrogate ``shape`` of this LIF layer.

    ``w_rec`` ``(n_rec, n_rec)`` (diagonal ignored) and ``w_in`` ``(n_in, n_rec)`` are the sampled weights;
    their extremes give ``Max``/``Min`` and their off-diagonal mean square ``E[w_rec^2]``. ``dampening``
    overrides CIII; ``voltages`` (centred ``v = y - thr`` measured at initialisation) replace eq. 2's uniform
    prior on the B.6 range by the measured distribution; ``below`` is the :class:`Design` of the spiking layer
    that feeds this one (``xi = 1``; ``None`` for data input). Among the sharpnesses that meet CIV the largest
    is returned; with ``sharpness_bounds=(lo, hi)`` the search stays in that range and, if no sharpness there
    meets CIV, returns the one closest to it (as the authors' bounded random search would). Otherwise a
    ``ValueError`` explains why CIV cannot be met (module note 9). ``paper=True``: the printed eqs. 44, 57, 72
    and 75.
    """
    _surrogate.get(shape, **params)  # unknown names, wrong or bad shape parameters (q <= 1)
    _check_peak(shape, params)
    alpha, thr = _alpha("solve", alpha), _positive("solve", "thr", thr)
    detach = _reset("solve", reset, detach_reset)
    w_rec, w_in = _matrix("solve", "w_rec", w_rec), _matrix("solve", "w_in", w_in)
    n_rec, n_in = w_rec.shape[1], w_in.shape[0]
    if w_rec.shape[0] != n_rec or n_rec < 2 or w_in.shape[1] != n_rec:
        raise ValueError(f"init.solve: need w_rec (n_rec, n_rec) with n_rec >= 2 and w_in (n_in, n_rec), got "
                         f"{tuple(w_rec.shape)} and {tuple(w_in.shape)}")
    if below is not None and not isinstance(below, Design):
        raise ValueError(f"init.solve: below must be the Design of the layer below or None, got {below!r}")
    off = w_rec[~torch.eye(n_rec, dtype=torch.bool)]
    hi, lo, mean_sq = float(off.max()), float(off.min()), float(off.pow(2).mean())
    hi_in, lo_in = float(w_in.max()), float(w_in.min())
    term_iii = term_iv = 0.0
    if below is not None:
        term_iii = n_in * (hi_in if paper else max(hi_in, -lo_in)) * below.dampening
        term_iv = n_in * float(w_in.pow(2).mean()) * below.second_moment
    if dampening is None:
        gamma = condition_iii(n_rec, alpha, thr, hi, lo, reset=reset, detach_reset=detach,
                              input_term=term_iii, paper=paper)
    else:
        gamma = _positive("solve", "dampening", dampening)
    if mean_sq <= 0:
        raise ValueError("init.solve: the off-diagonal recurrent weights are all zero")
    a, b, c = _civ_parts(n_rec, alpha, thr, mean_sq, detach, reset, term_iv, paper)
    if a <= 0 and not b:
        raise ValueError(f"init.solve: no surrogate meets CIV: the leak and the input alone keep {1 - a!r} "
                         "of the gradient variance")
    y_min, y_max = voltage_bounds(alpha, thr, (n_rec - 1) * max(hi, 0) + n_in * max(hi_in, 0),
                                  (n_rec - 1) * min(lo, 0) + n_in * min(lo_in, 0), reset=reset, paper=paper)
    if voltages is None:
        if math.isinf(y_min) or math.isinf(y_max):
            raise ValueError(f"init.solve: the voltage range ({y_min}, {y_max}) is unbounded (alpha = 1), "
                             "where eq. 2 gives E[sigma'^2] = 0 for every sharpness; pass measured voltages")
        scale = y_max - y_min

        def moments(s):
            sg = _surrogate.get(shape, gamma, s, **params)
            return uniform_moment(sg, y_min, y_max, thr, 1), uniform_moment(sg, y_min, y_max, thr, 2)
    else:
        v = voltages.detach().to(torch.float64).flatten() if isinstance(voltages, torch.Tensor) else None
        if v is None or v.numel() < 2 or not torch.isfinite(v).all():
            raise ValueError("init.solve: voltages must be a finite tensor of centred voltages, >= 2 entries")
        scale = float(v.std()) or 1.0

        def moments(s):
            f = gamma * _surrogate.SHAPES[shape].derivative(s * v, **params)
            return float(f.mean()), float(f.pow(2).mean())

    def residual(m1, m2):  # CIV as c E[sigma'^2] - (a + b E[sigma']), zero when met
        return c * m2 - (a + b * m1)

    if sharpness_bounds is None:
        grid = torch.logspace(-4, 12, 81, dtype=torch.float64) / scale
    else:
        if not (isinstance(sharpness_bounds, tuple) and len(sharpness_bounds) == 2):
            raise ValueError(f"init.solve: sharpness_bounds must be a (lo, hi) tuple, "
                             f"got {sharpness_bounds!r}")
        s_lo, s_hi = (_positive("solve", "sharpness_bounds", x) for x in sharpness_bounds)
        if not s_lo < s_hi:
            raise ValueError(f"init.solve: need sharpness_bounds lo < hi, got {sharpness_bounds!r}")
        grid = torch.logspace(math.log10(s_lo), math.log10(s_hi), 41, dtype=torch.float64)
    grid = grid.tolist()
    found = [moments(s) for s in grid]
    r = [residual(*m) for m in found]
    crossings = [i for i in range(len(grid) - 1) if r[i] > 0 >= r[i + 1]]
    if crossings:  # the sharpest surrogate that meets CIV: bisection on log s in the last sign change
        left, right = grid[crossings[-1]], grid[crossings[-1] + 1]
        for _ in range(60):
            mid = math.sqrt(left * right)
            left, right = (mid, right) if residual(*moments(mid)) > 0 else (left, mid)
        s = math.sqrt(left * right)
    elif sharpness_bounds is not None:  # the closest on a log scale, |log(E[sigma'^2] / target)|
        s = grid[min(range(len(grid)), key=lambda i: abs(math.log(max(c * found[i][1], 1e-300)
                                                                   / (a + b * found[i][0]))))]
    else:
        (m1, m2), origin = found[0], f"dampening {gamma:.4g}"
        origin += " (from condition III)" if dampening is None else ""
        if r[0] <= 0:
            raise ValueError(f"init.solve: condition IV cannot be met with {origin}: even the widest "
                             f"surrogate gives E[sigma'^2] = {m2:.4g} (at most gamma^2 = {gamma**2:.4g}) "
                             f"below the target {(a + b * m1) / c:.4g}; pass a larger dampening=, or "
                             "sharpness_bounds= for the closest sharpness in a range")
        raise ValueError(f"init.solve: condition IV cannot be met with {origin}: even the sharpest surrogate "
                         f"searched (s = {grid[-1]:.4g}) gives E[sigma'^2] above the target")
    m1, m2 = moments(s)
    diagonal = alpha / 2 if reset == "multiplicative" else alpha - (0.0 if detach else thr * m1)
    gain = diagonal + (n_rec - 1) * float(off.mean()) * m1
    return Design(_surrogate.get(shape, gamma, s, **params), y_min, y_max, m1, m2, (a + b * m1) / c, gain)
