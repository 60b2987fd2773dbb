"""WCRNN training throughput: 5 instances as one ensemble against 5 single networks, in one run.

The fading-memory paper's setting: 100 units, sequential MNIST (784 steps, one pixel per step), batch 128,
SGD with momentum, gamma = 0.01. One iteration is a forward pass, a backward pass and an SGD step; the
ensemble runs the 5 instances as one tensor program (:class:`stablegrad.models.WCRNN` with ``ensemble=5``),
the baseline calls 5 single networks one after the other. Reported: iterations per second of all 5
instances both ways, and the ratio (> 1: the ensemble is faster). CPU always; CUDA as well when available.
``STABLEGRAD_BENCH_QUICK=1`` is a smoke test of the script only. Nothing asserts a timing.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lyapunov import banner, choose_threads, faster, interleaved  # noqa: E402

from stablegrad.experiments.fading_memory import network  # noqa: E402

QUICK = bool(os.environ.get("STABLEGRAD_BENCH_QUICK"))
E, N, B, T, ITERATIONS, REPEATS = (5, 16, 8, 50, 1, 1) if QUICK else (5, 100, 128, 784, 3, 3)


def trainer(net, x, y):
    """A callable running ``ITERATIONS`` SGD iterations of ``net`` on the fixed batch ``(x, y)``."""
    optimiser = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)

    def iterate():
        for _ in range(ITERATIONS):
            out = net(x)
            loss = torch.nn.functional.cross_entropy(out.flatten(0, 1), y.repeat(out.shape[0]), reduction="sum")
            optimiser.zero_grad()
            (loss / len(y)).backward()
            optimiser.step()
        if x.is_cuda:
            torch.cuda.synchronize()

    return iterate


def compare(device: str) -> None:
    banner(f"WCRNN, {E} instances, N = {N}, T = {T}, batch {B}, on {device}"
           + (f" ({torch.cuda.get_device_name()})" if device == "cuda" else ""))
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(B, T, 1, generator=g).to(device), torch.randint(0, 10, (B,), generator=g).to(device)
    ensemble = network(1, 10, residual={"kind": "identity", "r": 0.995}, n_hidden=N, instances=E).to(device)
    singles = [ensemble.member(i) for i in range(E)]
    steps = {"ensemble": trainer(ensemble, x, y)}
    single_steps = [trainer(s, x, y) for s in singles]
    steps["5 singles"] = lambda: [step() for step in single_steps]
    times = interleaved(steps, REPEATS)
    for name, seconds in times.items():
        print(f"  {name:10s} {ITERATIONS / seconds:7.2f} iterations/s of all {E} instances")
    print(f"  ensemble vs {E} single networks: {faster(times['5 singles'], times['ensemble'])}")


if __name__ == "__main__":
    print(f"torch {torch.__version__}, threads: {choose_threads()}")
    compare("cpu")
    if torch.cuda.is_available():
        compare("cuda")
