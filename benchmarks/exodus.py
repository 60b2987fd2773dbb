"""Forward + backward time and memory of EXODUS, SLAYER and BPTT, as ratios in one run.

Run with ``make bench`` or ``python benchmarks/exodus.py``. Two cases, float32, CPU (and CUDA when
available): one LIF layer (B = 128, T = 250, N = 128, alpha = 0.9) and the EXODUS paper's SHD network
(IF, 100-128-128-20, B = 128, T = 250, Bernoulli(0.1) inputs, max-over-time loss). Times are medians
of interleaved repeats; ratios > 1 mean EXODUS is faster. Memory is what the backward pass keeps: the
bytes of all tensors saved for backward (CPU and CUDA), and on CUDA also the peak allocation. Nothing
asserts a timing. ``STABLEGRAD_BENCH_QUICK=1`` is a smoke test only.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lyapunov import banner, choose_threads, faster, interleaved  # noqa: E402

from stablegrad import surrogate  # noqa: E402
from stablegrad.spiking import BACKWARDS, lif  # noqa: E402
from stablegrad.spiking.networks import TABLE2, loss_over_time, network  # noqa: E402

QUICK = bool(os.environ.get("STABLEGRAD_BENCH_QUICK"))
B, T, N, REPEATS = (8, 20, 16, 1) if QUICK else (128, 250, 128, 5)


def saved_bytes(fn) -> int:
    """Bytes of the distinct tensors autograd saves for the backward pass of ``fn()``."""
    storages = {}

    def pack(t):
        storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(storages.values())


def peak_cuda_bytes(fn) -> int:
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - base


def report(title: str, steps: dict, device: str) -> None:
    banner(title)
    times = interleaved(steps, REPEATS)
    for b in BACKWARDS:
        line = f"  {b:7s} {times[b] * 1e3:8.1f} ms, saved for backward {saved_bytes(steps[b]) / 2**20:7.1f} MiB"
        if device == "cuda":
            line += f", peak CUDA {peak_cuda_bytes(steps[b]) / 2**20:7.1f} MiB"
        print(line)
    print(f"  exodus vs bptt: {faster(times['bptt'], times['exodus'])}; "
          f"exodus vs slayer: {faster(times['slayer'], times['exodus'])}")


def layer_steps(device: str) -> dict:
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

    return {b: step(b) for b in BACKWARDS}


def shd_steps(device: str) -> dict:
    row = TABLE2["shd"]
    generator = torch.Generator().manual_seed(1)
    x = (torch.rand(B, T, *row.inputs, generator=generator) < 0.1).float().to(device)
    labels = torch.randint(row.classes, (B,), generator=generator).to(device)

    def step(backward):
        torch.manual_seed(0)  # the same weights for every backward pass
        net = network("shd", backward=backward).to(device)

        def run():
            loss_over_time(net(x), labels, row.readout).backward()
            if device == "cuda":
                torch.cuda.synchronize()
        return run

    return {b: step(b) for b in BACKWARDS}


def main():
    print(f"torch {torch.__version__}, threads: {choose_threads()}")
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        report(f"LIF layer, B = {B}, T = {T}, N = {N}, float32, {device}", layer_steps(device), device)
        report(f"SHD network 100-128-128-20 (IF), B = {B}, T = {T}, float32, {device}", shd_steps(device), device)


if __name__ == "__main__":
    main()
