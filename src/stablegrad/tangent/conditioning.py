"""Condition number of the long-term Jacobian, in arbitrary precision and from Lyapunov exponents.

Section 5 / Fig 2 of the gradient-flossing paper: an orthonormal system ``Q`` (N x m) carried by
the long-term Jacobian ``T_t = D_{t-1} ... D_0`` has condition number
``kappa_2(T_t Q) = sigma_max / sigma_min``, which grows like ``exp((lambda_1 - lambda_m) t)``
(eq. 10). In float64 a product of Jacobians loses every direction below ``1e-16 * sigma_max``
after a few dozen steps, so the measured kappa saturates near 1e16; the paper therefore measures
it with 256-bit arithmetic. :func:`condition_numbers` does that measurement (exact integer
arithmetic, no float64 rounding on the product) and :func:`lyapunov_condition_number` is eq. 10.
"""
import math
import numbers
import warnings
from typing import Optional, Sequence, Union

import mpmath
import numpy as np
import torch

__all__ = ["condition_numbers", "lyapunov_condition_number"]

# Extra bits carried beyond ``bits``: rounding errors made at each of the t steps add up, and are
# amplified along the product by up to kappa, so the product keeps a margin of 2**-32 below 2**-bits.
_GUARD = 32
# The extreme eigenvalues of P^T P are certified to this relative precision (the result is
# returned in float64, whose unit roundoff is 2**-53).
_EIGEN_TOL_BITS = 64
# Digit sums are accumulated in int64, at most ~(bits / b) terms of < 2**53 each; this cap keeps
# them far from overflow.
_MAX_BITS = 4096


def _limb_width(n: int) -> int:
    """Bits per digit so that a length-``n`` dot product of two digit vectors is exact in float64.

    Digits are balanced, |digit| <= 2**(b-1), so every partial sum of such a product is an integer
    of magnitude <= n * 2**(2b-2) <= 2**53: float64 matmul (any order, with or without FMA) is then
    exact, and BLAS serves as a fast exact integer engine.
    """
    return (55 - (n - 1).bit_length()) // 2  # (n-1).bit_length() == ceil(log2 n)


def _digits(A: np.ndarray, b: int, max_digits: int) -> np.ndarray:
    """Exact balanced base-``2**b`` digits of a float64 array: ``A = 2**e * sum_h Y[h] 2**(-b*h)``.

    Every ``Y[h]`` holds integers with |Y| <= 2**(b-1); the power of two ``2**e`` is dropped (kappa
    ignores scale). The expansion is exact (float64 has 53 bits) unless ``A`` spans more than
    ``max_digits * b - 53`` binary orders of magnitude, in which case entries are truncated below
    ``2**(-max_digits*b)`` relative to ``max|A|``.
    """
    amax = float(np.abs(A).max())
    if amax == 0:
        return np.zeros((1, *A.shape))
    shift = b - 1 - math.frexp(amax)[1]  # max|A| * 2**shift < 2**(b-1)
    x = A * math.ldexp(1.0, shift // 2) * math.ldexp(1.0, shift - shift // 2)  # exact: powers of two
    digits = []
    while True:
        y = np.rint(x)
        digits.append(y)
        x = (x - y) * float(2**b)  # x - rint(x) is exact and |x| <= 2**(b-1) again
        if len(digits) == max_digits or not x.any():
            return np.stack(digits)


def _carry(S: np.ndarray, b: int) -> np.ndarray:
    """Carry int64 level sums ``S[j]`` (weight ``2**(-b*j)``) into balanced digits, in place.

    Every level but the top one ends with |digit| <= 2**(b-1); callers leave the top level room.
    """
    half = 1 << (b - 1)
    while True:
        q = (S[1:] + half) >> b
        if not q.any():
            return S
        S[1:] -= q << b
        S[:-1] += q


def _times(D: np.ndarray, X: np.ndarray, b: int, top: int) -> np.ndarray:
    """Digits of ``D @ P`` for ``P ~ sum_k X[:, k] 2**(-b*k)``, rounded to as many digits as ``X``.

    ``D`` (float64, N x N) is split into exact digits ``Y_h`` and all products ``Y_h X_k`` come
    from one exact float64 GEMM; they are summed per weight ``h + k`` in int64, carried into
    balanced digits and renormalised so that the leading digit matrix is nonzero. Only weights
    below ``2**-(b*L)`` of the leading one are dropped, a normwise rounding of ``2**-(b*(L-1))``.
    """
    N, L, m = X.shape
    Y = _digits(D, b, L + 1)
    H = Y.shape[0]
    Z = (Y.reshape(H * N, N) @ X.reshape(N, L * m)).reshape(H, N, L, m).astype(np.int64)
    S = np.zeros((top + L + 1, N, m), dtype=np.int64)  # `top` zero levels take the carries
    for h in range(H):
        n = min(L, L + 1 - h)
        S[top + h : top + h + n] += Z[h, :, :n].transpose(1, 0, 2)
    _carry(S, b)
    if np.abs(S[0]).max() > 1 << (b - 1):  # pragma: no cover - `top` is chosen to prevent this
        raise RuntimeError("condition_numbers: internal digit overflow")
    used = np.flatnonzero(S.reshape(len(S), -1).any(1))
    if len(used) == 0:
        return np.zeros_like(X)
    digits = np.zeros((L, N, m), dtype=np.int64)
    kept = S[used[0] : used[0] + L]
    digits[: len(kept)] = kept
    return np.ascontiguousarray(digits.transpose(1, 0, 2), dtype=np.float64)


def _gram(X: np.ndarray, b: int) -> np.ndarray:
    """Exact ``P^T P`` (up to a power of two) as an object array of Python integers."""
    N, L, m = X.shape
    Xs = X.reshape(N, L * m)
    Z = (Xs.T @ Xs).reshape(L, m, L, m).astype(np.int64)  # Z[k, :, l, :] = X_k^T X_l, exact
    S = np.zeros((2 * L, m, m), dtype=np.int64)  # S[1 + j] = sum_{k+l=j} X_k^T X_l; S[0] for carries
    for k in range(L):
        S[1 + k : 1 + k + L] += Z[k].transpose(1, 0, 2)
    _carry(S, b)
    pairs = (S[0::2] << b) + S[1::2]  # two balanced digits per int64, base 2**(2b)
    G = np.zeros((m, m), dtype=object)
    for level in pairs:
        G = (G << (2 * b)) + level.astype(object)
    return G


def _tridiagonal(A: np.ndarray, F: int) -> tuple[list[int], list[int]]:
    """Householder reduction of a symmetric integer matrix in fixed point (``1.0 == 2**F``).

    Returns the diagonal and off-diagonal of the tridiagonal matrix, orthogonally similar to ``A``
    up to an absolute error of a few ``m * 2**-F`` (every rounding is one unit in the last place).
    Each reflector ``I - u u^T`` (``u^T u = 2``) is built from its exact integer direction scaled
    to ``F`` bits, so it is orthogonal to ``2**-F`` even when the column it annihilates is tiny.
    """
    A = A.copy()
    m = A.shape[0]
    sqrt2 = math.isqrt(2 << (2 * F))
    diag, off = [], []
    for k in range(m - 2):
        diag.append(int(A[k, k]))
        x = A[k + 1 :, k]
        rest = int(np.dot(x[1:], x[1:]))
        if rest == 0:
            off.append(int(x[0]))
            continue
        alpha = math.isqrt(int(x[0]) ** 2 + rest)
        if x[0] > 0:
            alpha = -alpha
        v = x.copy()
        v[0] -= alpha  # no cancellation: x[0] and -alpha have the same sign
        lift = F - max(abs(int(t)) for t in v).bit_length()
        if lift > 0:
            v = v << lift
        u = (v * sqrt2) // math.isqrt(int(np.dot(v, v)))
        A22 = A[k + 1 :, k + 1 :]  # a view: updated in place to H A22 H = A22 - u w^T - w u^T
        p = A22.dot(u) >> F
        K = int(np.dot(u, p)) >> (F + 1)
        w = p - ((u * K) >> F)
        M = np.multiply.outer(u, w)
        A22 -= (M + M.T) >> F
        off.append(alpha)
    diag.extend(int(A[k, k]) for k in range(max(m - 2, 0), m))
    if m >= 2:
        off.append(int(A[m - 1, m - 2]))
    return diag, off


def _extreme_eigenvalues(diag: list[int], off: list[int], prec: int):
    """Largest and smallest eigenvalue of a symmetric tridiagonal matrix, to relative ``2**-64``.

    Laguerre's iteration on ``det(T - x)`` started outside the spectrum (Gershgorin bound above,
    0 below) converges monotonically to the extreme eigenvalue, cubically once close, so a few
    iterations replace ~70 bisection steps; the answer is then certified by two Sturm counts and
    falls back to bisection if that fails. Everything runs in a local mpmath context of ``prec``
    bits (the global ``mpmath.mp`` is left alone). Returns ``(ctx, lam_max, lam_min)``; ``lam_min``
    is ``None`` when the matrix is not numerically positive definite at this precision.
    """
    ctx = mpmath.MPContext()
    ctx.prec = prec
    d = [ctx.mpf(x) for x in diag]
    e = [abs(ctx.mpf(x)) for x in off] + [ctx.zero]
    e2 = [x * x for x in e]
    m = len(d)
    upper = max(di + e[i] + (e[i - 1] if i else 0) for i, di in enumerate(d))  # Gershgorin
    tiny = ctx.ldexp(upper, -prec)
    tol = ctx.ldexp(1, -_EIGEN_TOL_BITS)
    settled = ctx.ldexp(1, -_EIGEN_TOL_BITS // 2 - 8)  # Laguerre converges cubically: one step of
    # this relative size leaves an error far below tol

    def below(x) -> int:  # number of eigenvalues < x (Sturm count from the LDL^T pivots)
        count, q = 0, ctx.one
        for i in range(m):
            q = d[i] - x - (e2[i - 1] / q if i else 0)
            if q == 0:
                q = -tiny
            count += q < 0
        return count

    def laguerre(x):  # x outside the spectrum; returns the eigenvalue closest to it
        for _ in range(60):
            G = H = ctx.zero  # G = p'/p, H = G**2 - p''/p for p(x) = det(T - x) = prod q_i
            q, dq, ddq = d[0] - x, -ctx.one, ctx.zero
            for i in range(m):
                if i:
                    r = e2[i - 1] / q
                    rq = r / q
                    ddq = rq * (ddq - 2 * dq * dq / q)
                    dq = rq * dq - 1
                    q = d[i] - x - r
                if q == 0:
                    q = tiny
                g = dq / q
                G += g
                H += g * g - ddq / q
            root = ctx.sqrt(max((m - 1) * (m * H - G * G), ctx.zero))
            step = m / (G + root if G > 0 else G - root)
            x -= step
            if abs(step) <= abs(x) * settled:
                break
        return x

    def bisect(lo, hi, k):  # the k-th smallest eigenvalue, known to lie in (lo, hi]
        while hi - lo > hi * tol:
            mid = ctx.sqrt(lo * hi) if lo > 0 and hi > 4 * lo else (lo + hi) / 2
            if below(mid) >= k:
                hi = mid
            else:
                lo = mid
        return (lo + hi) / 2

    def extreme(x0, k, lo, hi):  # the k-th smallest eigenvalue (k = 1 or m), known to be in (lo, hi]
        x = laguerre(x0)
        if below(x * (1 - tol)) < k <= below(x * (1 + tol)):  # certified to relative tol
            return x
        return bisect(lo, hi, k)

    if m == 1:
        return ctx, d[0], d[0] if d[0] > tiny else None
    lam_max = extreme(upper, m, max(d) * (1 - tol), upper)
    if upper <= 0 or below(tiny) > 0:
        return ctx, lam_max, None
    return ctx, lam_max, extreme(ctx.zero, 1, tiny, min(d))


def _kappa(X: np.ndarray, b: int, F: int) -> float:
    """kappa_2 of ``P`` (digits ``X``) from the extreme eigenvalues of ``P^T P`` at ``F`` bits."""
    G = _gram(X, b)
    top = max(abs(int(g)) for g in G.flat).bit_length()
    if top == 0:
        return math.inf
    G = G >> (top - F) if top > F else G << (F - top)
    ctx, lam_max, lam_min = _extreme_eigenvalues(*_tridiagonal(G, F), prec=F + 32)
    if lam_min is None or lam_min <= 0:
        return math.inf
    return float(ctx.sqrt(lam_max / lam_min))


def _shape(x):
    return tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__


def _check_inputs(jacobians, Q0, horizons, bits) -> list[int]:
    name = "condition_numbers"
    shape = tuple(jacobians.shape) if isinstance(jacobians, torch.Tensor) else ()
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(f"{name}: jacobians must be a tensor of shape (T, N, N), got {_shape(jacobians)}")
    T, N = jacobians.shape[0], jacobians.shape[1]
    if T < 1 or N < 1:
        raise ValueError(f"{name}: jacobians must hold T >= 1 steps with N >= 1, got {_shape(jacobians)}")
    if not jacobians.is_floating_point():
        raise ValueError(f"{name}: jacobians must be floating point, got {jacobians.dtype}")
    if not torch.isfinite(jacobians).all():
        raise ValueError(f"{name}: jacobians contain non-finite values")
    if not isinstance(Q0, torch.Tensor) or Q0.dim() != 2 or Q0.shape[0] != N or not 1 <= Q0.shape[1] <= N:
        raise ValueError(f"{name}: Q0 must have shape (N={N}, m) with 1 <= m <= N, got {_shape(Q0)}")
    if not Q0.is_floating_point():
        raise ValueError(f"{name}: Q0 must be floating point, got {Q0.dtype}")
    Q = Q0.detach().to("cpu", torch.float64)
    defect = (Q.mT @ Q - torch.eye(Q.shape[1], dtype=torch.float64)).abs().max().item()
    if not defect <= 1e-6:  # also catches NaN
        raise ValueError(
            f"{name}: Q0 must have orthonormal columns (max |Q0^T Q0 - I| <= 1e-6), got {defect:.3g}"
        )
    if not isinstance(bits, int) or isinstance(bits, bool) or not 53 <= bits <= _MAX_BITS:
        raise ValueError(f"{name}: bits must be an integer in [53, {_MAX_BITS}], got {bits!r}")
    if horizons is None:
        return list(range(1, T + 1))
    if isinstance(horizons, torch.Tensor) and (horizons.dim() != 1 or horizons.is_floating_point()):
        raise ValueError(
            f"{name}: horizons must be a 1-D sequence of integers, got a {horizons.dtype} tensor "
            f"of shape {tuple(horizons.shape)}"
        )
    items = horizons.tolist() if isinstance(horizons, torch.Tensor) else horizons
    try:
        items = list(items)
    except TypeError:
        items = None
    if not items or not all(isinstance(t, numbers.Integral) and not isinstance(t, bool) for t in items):
        raise ValueError(f"{name}: horizons must be a non-empty sequence of integers, got {horizons!r}")
    items = [int(t) for t in items]
    if any(later <= earlier for earlier, later in zip(items, items[1:])):
        raise ValueError(f"{name}: horizons must be strictly increasing, got {items}")
    if items[0] < 1 or items[-1] > T:
        raise ValueError(f"{name}: horizons must lie in [1, T={T}], got {items[0]}..{items[-1]}")
    return items


def condition_numbers(
    jacobians: torch.Tensor,
    Q0: torch.Tensor,
    horizons: Optional[Union[Sequence[int], torch.Tensor]] = None,
    *,
    bits: int = 256,
) -> torch.Tensor:
    """kappa_2(D_{t-1} ... D_0 Q0) for each horizon ``t``, measured with ``bits``-bit precision.

    Args:
        jacobians: ``(T, N, N)`` per-step Jacobians ``D_0 .. D_{T-1}`` of one trajectory (any float
            dtype; every value is used exactly).
        Q0: ``(N, m)``, ``m <= N``, with orthonormal columns (``|Q0^T Q0 - I| <= 1e-6``).
        horizons: strictly increasing integers in ``[1, T]``; default ``1 .. T``.
        bits: working precision, at least 53; the paper uses 256.

    Returns:
        ``(len(horizons),)`` float64 tensor. Values are reliable while kappa stays well below
        ``2**bits``; past that a ``RuntimeWarning`` is raised, and ``inf`` marks horizons where
        the smallest singular value is lost altogether.

    How: plain mpmath matrices take minutes here (at N = m = 80, 0.5 s per product step and 3 s
    per SVD), so no float64 rounding is allowed to touch the product and exact integers do the work:

    * ``P_t = D_{t-1} P_{t-1}``, ``P_0 = Q0``, is kept in block fixed point, ``L`` matrices of
      balanced ``b``-bit integer digits with ``(L-1) b >= bits + 32`` bits below the largest
      entry. ``D_s`` is split into exact digits too, and ``b`` is chosen so that every digit
      product is an exact float64 GEMM (integer inputs, integer partial sums below 2**53: BLAS as
      an exact integer engine). Digit products are summed and carried in int64, and only digits
      below the last kept one are dropped: each step rounds normwise by ``2**-(bits+32)``.
    * At a horizon ``G = P^T P`` is formed exactly, in Python integers. Its eigenvalues are
      ``sigma_i**2``, which squares kappa, so ``G`` is tridiagonalised by Householder reflections
      in ``2 (bits + 32)``-bit fixed point and its extreme eigenvalues are found (Laguerre, then
      certified by Sturm counts) in a local mpmath context at that precision. The resulting
      relative error on sigma_min, ``~ (kappa 2**-(bits+32))**2``, stays below the product's own.
      An SVD of ``P`` at ``bits`` would need twice the operations, on integers half as long.

    Cost: an exact GEMM of size ``(H N) x N x (L m)`` per step (``H`` ~ 3 digits per float64
    Jacobian) and ``O(m**3)`` Python-integer operations per horizon; mind the default of ``T``
    horizons.
    """
    horizons = _check_inputs(jacobians, Q0, horizons, bits)
    N, m = Q0.shape
    b = _limb_width(N)
    L = -(-(bits + _GUARD) // b) + 1
    top = -(-(53 + (L + 1).bit_length()) // b) + 1  # room above the digit sums (< (L+1) 2**53) for carries
    F = 2 * (bits + _GUARD)
    Ds = jacobians.detach().to("cpu", torch.float64).numpy()
    digits = _digits(Q0.detach().to("cpu", torch.float64).numpy(), b, L)
    X = np.zeros((N, L, m))
    X[:, : len(digits)] = digits.transpose(1, 0, 2)
    out, wanted = [], set(horizons)
    for s in range(horizons[-1]):
        X = _times(Ds[s], X, b, top)
        if s + 1 in wanted:
            out.append(_kappa(X, b, F))
    # |relative error| <~ t kappa 2**-(bits+32) (conservative): warn below ~6 correct digits
    shaky = [(t, k) for t, k in zip(horizons, out) if math.log2(k) + math.log2(t) > bits + _GUARD - 20]
    if shaky:
        t, k = shaky[0]
        warnings.warn(
            f"condition_numbers: kappa = {k:.3g} at horizon {t} is too close to 2**bits = 2**{bits} to be "
            f"resolved to 6 digits ({len(shaky)} horizon(s) affected); pass a larger bits, unless the "
            f"product is singular",
            RuntimeWarning,
            stacklevel=2,
        )
    return torch.tensor(out, dtype=torch.float64)


def lyapunov_condition_number(
    exponents: torch.Tensor,
    horizons: Union[Sequence[float], torch.Tensor],
    m: Optional[int] = None,
) -> torch.Tensor:
    """Eq. 10: the Lyapunov estimate ``exp((lambda_1 - lambda_m) t)`` of kappa_2(T_t Q).

    Args:
        exponents: ``(..., k)`` Lyapunov exponents per step, leading (largest) first, as returned by
            :func:`~stablegrad.tangent.lyapunov_spectrum`.
        horizons: ``(H,)`` numbers of steps ``t >= 0``.
        m: number of tangent directions, in ``[1, k]``; default ``k``.

    Returns:
        ``(..., H)`` float64 tensor, differentiable with respect to ``exponents``.
    """
    name = "lyapunov_condition_number"
    if not isinstance(exponents, torch.Tensor) or exponents.dim() < 1 or exponents.shape[-1] < 1:
        shape = _shape(exponents)
        raise ValueError(f"{name}: exponents must be a tensor of shape (..., k) with k >= 1, got {shape}")
    if not exponents.is_floating_point():
        raise ValueError(f"{name}: exponents must be floating point, got {exponents.dtype}")
    k = exponents.shape[-1]
    m = k if m is None else m
    if not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= k:
        raise ValueError(f"{name}: m must be an integer in [1, k={k}], got {m!r}")
    t = torch.as_tensor(horizons, dtype=torch.float64, device=exponents.device)
    if t.dim() != 1 or not torch.isfinite(t).all() or (t < 0).any():
        raise ValueError(f"{name}: horizons must be a 1-D sequence of finite numbers >= 0, got {horizons!r}")
    gap = (exponents[..., 0] - exponents[..., m - 1]).to(torch.float64)
    return torch.exp(gap.unsqueeze(-1) * t)
