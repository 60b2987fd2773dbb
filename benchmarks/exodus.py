"""Forward + backward time of one LIF layer for the three backward passes, as ratios in one run.

Run with ``make bench`` or ``python benchmarks/exodus.py``: B = 128, T = 250, N = 128 (the SHD hidden
layer of the EXODUS paper), float32, CPU (and CUDA when available). Ratios of medians of interleaved
repeats (> 1: EXODUS faster); nothing asserts a timing. ``STABLEGRAD_BENCH_QUICK=1`` is a smoke test only.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lyapunov import banner, choose_threads, faster, interleaved  # noqa: E402

from stablegrad import surrogate  # noqa: E402
from stablegrad.spiking import BACKWARDS, lif  # noqa: E402

QUICK = bool(os.environ.get("STABLEGRAD_BENCH_QUICK"))
B, T, N, REPEATS = (8, 20, 16, 1) if QUICK else (128, 250, 128, 5)


def main():
    print(f"torch {torch.__version__}, threads: {choose_threads()}")
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        banner(f"LIF layer, B = {B}, T = {T}, N = {N}, float32, {device}")
        generator = torch.Generator().manual_seed(0)
        z = (1.5 * torch.rand(B, T, N, generator=generator) * 0.2).to(device).requires_grad_()
        weights = torch.randn(B, T, N, generator=generator).to(device)
        sg = surrogate.get("fast_sigmoid")

        def step(backward):
            def run():
                (lif(z, alpha=0.9, threshold=1.0, surrogate=sg, backward=backward) * weights).sum().backward()
                if device == "cuda":
                    torch.cuda.synchronize()
            return run

        times = interleaved({b: step(b) for b in BACKWARDS}, REPEATS)
        for b in BACKWARDS:
            print(f"  {b:7s} {times[b] * 1e3:8.1f} ms")
        print(f"  exodus vs bptt: {faster(times['bptt'], times['exodus'])}; "
              f"exodus vs slayer: {faster(times['slayer'], times['exodus'])}")


if __name__ == "__main__":
    main()
