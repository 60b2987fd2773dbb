import math
import warnings

import mpmath
import pytest
import torch

from stablegrad.tangent.conditioning import condition_numbers, lyapunov_condition_number

F64 = torch.float64
# D_s = U_{s+1} diag(A) U_s^T, so D_{t-1} ... D_0 U_0[:, :m] = U_t diag(A**t)[:, :m] and
# kappa_2 = (A[0] / A[m-1])**t exactly: 1e56 (m = 4) and 1e66 (m = 6) at T = 60.
A = torch.tensor([1.3, 1.1, 0.8, 0.15, 0.12, 0.1], dtype=F64)
T = 60
HORIZONS = list(range(5, T + 1, 5))


def random_orthogonal(n, generator):
    Q, R = torch.linalg.qr(torch.randn(n, n, dtype=F64, generator=generator))
    return Q * torch.sign(R.diagonal())


def rotated_diagonal(a, steps, seed=0):
    """Jacobians D_s = U_{s+1} diag(a) U_s^T with random orthogonal U_s, and U_0."""
    generator = torch.Generator().manual_seed(seed)
    U = [random_orthogonal(len(a), generator) for _ in range(steps + 1)]
    return torch.stack([U[s + 1] @ torch.diag(a) @ U[s].T for s in range(steps)]), U[0]


def float64_condition_numbers(jacobians, Q0, horizons):
    """The same product in plain float64, the way it cannot be done."""
    P, out = Q0, []
    for s in range(horizons[-1]):
        P = jacobians[s] @ P
        if s + 1 in horizons:
            sigma = torch.linalg.svdvals(P)
            out.append((sigma[0] / sigma[-1]).item())
    return torch.tensor(out, dtype=F64)


def mpmath_condition_numbers(jacobians, Q0, bits=256):
    """Reference: plain mpmath matrices and SVD at every horizon 1..T."""
    out = []
    with mpmath.mp.workprec(bits):
        P = mpmath.matrix(Q0.tolist())
        for D in jacobians:
            P = mpmath.matrix(D.tolist()) * P
            sigma = mpmath.svd_r(P, compute_uv=False)
            out.append(float(max(sigma) / min(sigma)))
    return torch.tensor(out, dtype=F64)


@pytest.mark.parametrize("m", [4, 6])
def test_known_condition_numbers_far_beyond_float64(m):
    D, U0 = rotated_diagonal(A, T)
    exact = (A[0] / A[m - 1]) ** torch.tensor(HORIZONS, dtype=F64)
    assert exact[-1] >= 1e40
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # well inside 256 bits: no accuracy warning
        kappa = condition_numbers(D, U0[:, :m], HORIZONS)
    assert kappa.dtype == F64 and kappa.shape == (len(HORIZONS),)
    assert ((kappa - exact) / exact).abs().max() < 1e-6
    # float64 gets the short horizons right, then saturates (near 1/eps**2 ~ 1e32 for this
    # orthogonally mixed system, near 1/eps for generic ones): wrong by > 15 orders at T
    naive = float64_condition_numbers(D, U0[:, :m], HORIZONS)
    assert abs(naive[0] / exact[0] - 1) < 1e-6
    assert naive[-1] < 1e-15 * exact[-1]


def test_matches_plain_mpmath_svd_on_a_generic_product():
    generator = torch.Generator().manual_seed(1)
    # non-normal Jacobians whose columns span four orders of magnitude
    D = torch.randn(12, 5, 5, dtype=F64, generator=generator) * torch.logspace(-2, 2, 5, dtype=F64)
    Q0 = random_orthogonal(5, generator)[:, :3]
    prec = mpmath.mp.prec
    kappa = condition_numbers(D, Q0)
    assert mpmath.mp.prec == prec  # the global mpmath precision is left alone
    reference = mpmath_condition_numbers(D, Q0)
    assert reference[-1] > 1e20
    assert ((kappa - reference) / reference).abs().max() < 1e-12
    # the same horizons picked out, given as an integer tensor
    picked = condition_numbers(D, Q0, torch.tensor([1, 4, 12]))
    assert torch.equal(picked, kappa[[0, 3, 11]])


def test_float32_inputs_are_used_exactly():
    D, U0 = rotated_diagonal(A, 20, seed=2)
    D32, Q32 = D.float(), U0[:, :3].float()
    kappa = condition_numbers(D32, Q32, [10, 20])
    assert torch.equal(kappa, condition_numbers(D32.double(), Q32.double(), [10, 20]))


def test_single_column_has_condition_number_one():
    D, U0 = rotated_diagonal(A, 10, seed=3)
    assert torch.equal(condition_numbers(D, U0[:, :1], [1, 10]), torch.ones(2, dtype=F64))


def test_too_few_bits_warns_and_fails():
    D, U0 = rotated_diagonal(A, T)
    with pytest.warns(RuntimeWarning, match="pass a larger bits"):
        kappa = condition_numbers(D, U0[:, :4], [10, T], bits=64)
    exact = (A[0] / A[3]).item() ** T
    assert abs(kappa[0] / (A[0] / A[3]).item() ** 10 - 1) < 1e-6  # kappa ~ 1e7 is still fine
    assert not abs(kappa[1] / exact - 1) < 1e-3  # kappa ~ 1e56 is not: 64 + 32 bits resolve ~1e29


def test_lyapunov_estimate_equals_measurement_for_rotated_diagonal():
    exponents = A.log()  # leading first: these are the system's Lyapunov exponents
    t = torch.tensor(HORIZONS, dtype=F64)
    for m in (1, 4, 6):
        estimate = lyapunov_condition_number(exponents, HORIZONS, m)
        assert torch.allclose(estimate, (A[0] / A[m - 1]) ** t, rtol=1e-12, atol=0)
    D, U0 = rotated_diagonal(A, T)
    measured = condition_numbers(D, U0[:, :4], HORIZONS)
    estimate = lyapunov_condition_number(exponents, HORIZONS, m=4)
    assert ((measured - estimate) / estimate).abs().max() < 1e-6
    # default m = k, batched exponents, and gradients d kappa / d lambda_1 = t kappa
    batch = torch.stack([exponents, exponents / 2]).requires_grad_()
    out = lyapunov_condition_number(batch, [0, 2.5])
    assert out.shape == (2, 2)
    expected = torch.exp((batch[:, :1] - batch[:, -1:]).detach() * torch.tensor([0, 2.5], dtype=F64))
    assert torch.allclose(out, expected, rtol=1e-12, atol=0)
    out[0, 1].backward()
    assert math.isclose(batch.grad[0, 0].item(), 2.5 * out[0, 1].item(), rel_tol=1e-12)


def _inputs():
    D, U0 = rotated_diagonal(A[:4], 6, seed=4)
    return dict(jacobians=D, Q0=U0[:, :2], horizons=[1, 6], bits=256)


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(jacobians=torch.ones(4, 4, dtype=F64)), r"jacobians must be a tensor of shape \(T, N, N\)"),
        (dict(jacobians=torch.ones(6, 4, 5, dtype=F64)), r"jacobians must be a tensor of shape \(T, N, N\)"),
        (dict(jacobians=torch.ones(6, 4, 4, dtype=torch.int64)), "jacobians must be floating point"),
        (dict(jacobians=torch.full((6, 4, 4), float("nan"))), "jacobians contain non-finite"),
        (dict(Q0=torch.eye(5, 2, dtype=F64)), r"Q0 must have shape \(N=4, m\) with 1 <= m <= N"),
        (dict(Q0=torch.ones(4, 5, dtype=F64)), r"Q0 must have shape \(N=4, m\) with 1 <= m <= N"),
        (dict(Q0=2 * torch.eye(4, 2, dtype=F64)), "Q0 must have orthonormal columns"),
        (dict(Q0=torch.eye(4, 2, dtype=F64) + 1e-5), "Q0 must have orthonormal columns"),
        (dict(horizons=[3, 2]), "horizons must be strictly increasing"),
        (dict(horizons=[2, 2]), "horizons must be strictly increasing"),
        (dict(horizons=[0, 3]), r"horizons must lie in \[1, T=6\]"),
        (dict(horizons=[1, 7]), r"horizons must lie in \[1, T=6\]"),
        (dict(horizons=[1.5]), "horizons must be a non-empty sequence of integers"),
        (dict(horizons=[]), "horizons must be a non-empty sequence of integers"),
        (dict(horizons=torch.tensor([1.0, 2.0])), "horizons must be a 1-D sequence of integers"),
        (dict(bits=52), r"bits must be an integer in \[53, "),
        (dict(bits=True), r"bits must be an integer in \[53, "),
    ],
)
def test_condition_numbers_rejects_bad_inputs(change, match):
    kwargs = {**_inputs(), **change}
    with pytest.raises(ValueError, match=match):
        condition_numbers(kwargs.pop("jacobians"), kwargs.pop("Q0"), kwargs.pop("horizons"), **kwargs)


@pytest.mark.parametrize(
    "args, match",
    [
        ((torch.zeros(3), [1], 0), r"m must be an integer in \[1, k=3\]"),
        ((torch.zeros(3), [1], 4), r"m must be an integer in \[1, k=3\]"),
        ((torch.zeros(3), [1], 2.0), r"m must be an integer in \[1, k=3\]"),
        ((torch.tensor(0.5), [1], None), r"exponents must be a tensor of shape \(\.\.\., k\)"),
        ((torch.zeros(3, dtype=torch.int64), [1], None), "exponents must be floating point"),
        ((torch.zeros(3), [-1.0], None), "horizons must be a 1-D sequence of finite numbers >= 0"),
        ((torch.zeros(3), [[1.0]], None), "horizons must be a 1-D sequence of finite numbers >= 0"),
    ],
)
def test_lyapunov_condition_number_rejects_bad_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        lyapunov_condition_number(*args)
