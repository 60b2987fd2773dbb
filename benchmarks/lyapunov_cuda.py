"""Throughput of ``lyapunov_spectrum`` and of one flossing step on CUDA against the CPU, in one run.

Run with ``python benchmarks/lyapunov_cuda.py`` on a machine with a GPU (``make bench`` runs it and it
says so and stops where there is none). For each ensemble size R it reports networks x steps per
second on both devices and their ratio, and checks that both devices give the same exponents in
float64. Nothing asserts a timing.

The batched QR is the step the spectrum cannot batch over time, so it is timed on its own: Householder QR
through cuSOLVER and through MAGMA (``torch.backends.cuda.preferred_linalg_library``) against CholeskyQR2
(two Cholesky factorisations and triangular solves, all batched matmul-like kernels), on the (R, N, k) tangent
bases of the spectrum, with the orthogonality each reaches in float32.
"""
import os
import statistics
import sys
import time

import torch

try:
    import stablegrad  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from lyapunov import cholesky_qr2, householder  # noqa: E402 - the CPU benchmark's QR variants, same folder

from stablegrad import VanillaRNN, flossing_loss, lyapunov_spectrum
from stablegrad.tangent import random_orthonormal

N, K, T = 80, 80, 1000            # spectrum: the CPU benchmark's sizes
K_FLOSS, T_FLOSS = 75, 300        # flossing step
ENSEMBLES = (1, 16, 256)


def median_time(fn, repeats, sync):
    fn()
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def problem(R, dtype, device):
    gen = torch.Generator().manual_seed(0)
    model = VanillaRNN(N, 1, ensemble=R, generator=gen, dtype=dtype).to(device)
    x = torch.randn(T, R, 1, 1, generator=gen, dtype=dtype).to(device)
    h0 = torch.zeros(R, 1, N, dtype=dtype, device=device)
    Q0 = random_orthonormal(R, 1, N, K, dtype=dtype, device=device, generator=gen)
    return model, x, h0, Q0


def main():
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to compare (run this on a machine with a GPU)")
        return
    cuda_sync, cpu_sync = torch.cuda.synchronize, (lambda: None)
    print(f"torch {torch.__version__}; GPU {torch.cuda.get_device_name()}; CPU threads {torch.get_num_threads()}")

    model, x, h0, Q0 = problem(4, torch.float64, "cpu")
    cpu = lyapunov_spectrum(model, h0, x[:300], Q0=Q0).exponents
    model, x, h0, Q0 = problem(4, torch.float64, "cuda")
    gpu = lyapunov_spectrum(model, h0, x[:300], Q0=Q0).exponents.cpu()
    print(f"float64, R = 4, T = 300: max |λ_cuda - λ_cpu| = {(cpu - gpu).abs().max():.1e}")

    print(f"\nspectrum, N = {N}, k = {K}, T = {T}, float32, no grad: networks x steps per second")
    print(f"{'R':>5}{'CPU':>14}{'CUDA':>14}{'CUDA/CPU':>10}")
    for R in ENSEMBLES:
        rate = {}
        for device, sync in (("cpu", cpu_sync), ("cuda", cuda_sync)):
            model, x, h0, Q0 = problem(R, torch.float32, device)
            with torch.no_grad():
                s = median_time(lambda: lyapunov_spectrum(model, h0, x, k=K, Q0=Q0), 3, sync)
            rate[device] = R * T / s
        print(f"{R:>5}{rate['cpu']:>14.0f}{rate['cuda']:>14.0f}{rate['cuda'] / rate['cpu']:>9.1f}x")

    print(f"\nflossing step (spectrum + loss + backward + Adam), k = {K_FLOSS}, T = {T_FLOSS}, float32")
    print(f"{'R':>5}{'CPU s':>10}{'CUDA s':>10}{'CUDA/CPU':>10}")
    for R in ENSEMBLES[:2]:
        took = {}
        for device, sync in (("cpu", cpu_sync), ("cuda", cuda_sync)):
            model, x, h0, Q0 = problem(R, torch.float32, device)
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)

            def step():
                loss = flossing_loss(lyapunov_spectrum(model, h0, x[:T_FLOSS], k=K_FLOSS, Q0=Q0[..., :K_FLOSS]),
                                     K_FLOSS).sum()
                opt.zero_grad()
                loss.backward()
                opt.step()
            took[device] = median_time(step, 3, sync)
        print(f"{R:>5}{took['cpu']:>10.3f}{took['cuda']:>10.3f}{took['cpu'] / took['cuda']:>9.1f}x")

    qr_comparison("cuda", cuda_sync)


def qr_comparison(device, sync, batches=(1, 16, 256, 4096), shapes=((N, K), (N, 32))):
    """Seconds per batched QR of (R, n, k) bases like the spectrum's, each variant, and max |Q^T Q - I|."""
    gen = torch.Generator().manual_seed(1)
    libraries = ("cusolver", "magma") if device == "cuda" else ("default",)
    print(f"\nbatched QR of tangent bases (A = J Q, J with gain 1.5), float32, {device}: ms per call, "
          "max |Q^T Q - I|")
    print(f"{'R':>6}{'n x k':>9}" + "".join(f"{'Householder/' + lib:>24}" for lib in libraries)
          + f"{'CholeskyQR2':>24}")
    for R in batches:
        for n, k in shapes:
            J = 1.5 * torch.randn(R, n, n, generator=gen) / n ** 0.5
            A = (J @ torch.linalg.qr(torch.randn(R, n, k, generator=gen))[0]).to(device)
            cells = []
            for lib in libraries:
                if device == "cuda":
                    torch.backends.cuda.preferred_linalg_library(lib)
                cells.append((median_time(lambda: householder(A), 5, sync), householder(A)[0]))
            Q, _, failed = cholesky_qr2(A)
            cells.append((median_time(lambda: cholesky_qr2(A), 5, sync), Q))
            eye = torch.eye(k, device=device)
            line = "".join(f"{1e3 * t:>12.3f} ms {(Q.mT @ Q - eye).abs().max().item():>7.0e}" for t, Q in cells)
            print(f"{R:>6}{f'{n}x{k}':>9}{line}   CholeskyQR2 breakdowns {int(failed.sum())}/{R}")
    if device == "cuda":
        torch.backends.cuda.preferred_linalg_library("default")


if __name__ == "__main__":
    main()
