"""Training throughput: an ensemble of 20 networks as one tensor program against a loop over 20 single networks.

Delayed binary XOR training as in the gradient-flossing paper (N = 80, b = 16, T = 300, one Adam update
per epoch), timed in one run on the same device: the ensemble ``train`` call against 20 calls with one
network each. Also reported: seconds per epoch and network against the paper's 1680 s per 10^4 epochs
for one network (its Table/appendix timing, on the author's CPU), a number from another machine that
is quoted, not compared as a ratio. One flossing episode is timed the same way.

``python benchmarks/training.py [--device cuda] [--epochs 10]``; nothing here asserts a timing.
"""
import argparse
import os
import sys
import time

import torch

try:
    import stablegrad  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from stablegrad.training import FlossingSchedule, TrainingRun, build_network, train
from stablegrad.tasks import BinaryXOR

R, N, B, T, K = 20, 80, 16, 300, 75
PAPER_SECONDS_PER_EPOCH = 1680 / 10_000


def timed(fn, device):
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--floss-epochs", type=int, default=5)
    args = parser.parse_args()
    device, E = args.device, args.epochs
    print(f"torch {torch.__version__}, device {device}"
          + (f" ({torch.cuda.get_device_name()})" if device == "cuda" else f", {torch.get_num_threads()} threads"))

    ensemble = build_network(TrainingRun("binary_xor", (20,), N=N, ensemble=R), device)
    singles = [ensemble.member(i) for i in range(R)]
    task = BinaryXOR(20)
    kwargs = dict(steps=T, batch=B, progress=False)
    train(ensemble, task, epochs=1, **kwargs)  # warm-up
    together = timed(lambda: train(ensemble, task, epochs=E, **kwargs), device)
    alone = timed(lambda: [train(s, task, epochs=E, **kwargs) for s in singles], device)
    print(f"\ntraining, N = {N}, b = {B}, T = {T}, {E} epochs of {R} networks")
    print(f"  ensemble of {R}: {E / together:8.2f} epochs/s ({together / E:.3f} s per epoch of all {R})")
    print(f"  loop of {R} singles: {E / alone:8.2f} epochs/s ({alone / E:.3f} s per epoch of all {R})")
    print(f"  ensemble speed-up: {alone / together:.1f}x")
    per_network = together / E / R
    print(f"  {per_network * 1e3:.1f} ms per epoch and network; the paper quotes "
          f"{PAPER_SECONDS_PER_EPOCH * 1e3:.0f} ms for one network (1680 s per 10^4 epochs, its own machine)")

    schedule = FlossingSchedule((0,), args.floss_epochs)
    flossing = timed(lambda: train(ensemble, task, epochs=1, schedule=schedule, k=K, **kwargs), device) \
        - together / E
    print(f"\nflossing, k = {K}, windows of 55 steps, batch 1: {flossing / args.floss_epochs:.3f} s per flossing "
          f"epoch of all {R} networks; 500 preflossing epochs ~ {500 * flossing / args.floss_epochs / 60:.1f} min, "
          f"{100 * 500 * flossing / args.floss_epochs / (10_000 * together / E):.1f} % of 10^4 training epochs")


if __name__ == "__main__":
    main()
