"""Speed of the surrogate-flossing machinery, as ratios against baselines timed in the same run.

Run with ``make bench`` or ``python benchmarks/surrogate.py``. Every figure is a ratio of medians of
interleaved repeats in this one process (``baseline / ours``, > 1 means ours is faster); nothing asserts
a timing. Threads as in ``benchmarks/lyapunov.py``; ``STABLEGRAD_BENCH_QUICK=1`` is a smoke test only.

1. Surrogate Lyapunov spectra with the closed-form surrogate Jacobians against the same spectra with
   Jacobians from forward-mode autodiff (``tangent.pushforward``, what a model without ``jacobian`` gets):
   a binary network (N = 80, k = 32) and a LIF network (N = 64, state 2N = 128, all 128 exponents),
   ensembles of 9, T = 300, no grad.
2. An adaptive flossing episode for one network of a 36-network ensemble (Fig 3): on the one-network
   sub-ensemble (what ``train`` does) against flossing the whole ensemble and keeping one member's update.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lyapunov import banner, choose_threads, faster, interleaved  # noqa: E402

from stablegrad.flossing import floss  # noqa: E402
from stablegrad.models import BinaryRNN, LIFNetwork  # noqa: E402
from stablegrad.optim import MemberAdam  # noqa: E402
from stablegrad.tangent import lyapunov_spectrum  # noqa: E402

QUICK = bool(os.environ.get("STABLEGRAD_BENCH_QUICK"))
T, REPEATS = (30, 1) if QUICK else (300, 5)
R_FIG3, EPOCHS = (4, 2) if QUICK else (36, 5)


class Autodiff:
    """The model with its closed-form Jacobian hidden: tangents by forward-mode autodiff."""

    def __init__(self, model):
        self.model = model

    def step(self, h, x=None):
        return self.model.step(h, x)


def spectra():
    generator = torch.Generator().manual_seed(0)
    binary = BinaryRNN(80, 1, ensemble=9, generator=generator)
    lif = LIFNetwork(64, 100, ensemble=9, generator=generator)
    bits = (torch.rand(T, 9, 1, 1, generator=generator) < 0.5).float()
    spikes = (torch.rand(T, 9, 1, 100, generator=generator) < 0.04).float()
    cases = {"binary N=80, k=32": (binary, bits, 32), "LIF 2N=128, k=128": (lif, spikes, 128)}
    for name, (model, x, k) in cases.items():
        h0 = model.initial_state(1)
        Q0 = torch.linalg.qr(torch.randn(9, 1, model.state_size, k, generator=generator))[0]
        run = lambda system: lambda: lyapunov_spectrum(system, h0, x, k=k, Q0=Q0).exponents  # noqa: E731
        with torch.no_grad():
            out = {}
            times = interleaved({"closed form": run(model), "autodiff": run(Autodiff(model))}, REPEATS, results=out)
        gap = (out["closed form"] - out["autodiff"]).abs().max().item()
        print(f"{name}: closed form {times['closed form'] * 1e3:.0f} ms, autodiff {times['autodiff'] * 1e3:.0f} ms "
              f"-> closed form {faster(times['autodiff'], times['closed form'])}; max |exponent difference| {gap:.1e}")


def adaptive_episode():
    generator = torch.Generator().manual_seed(1)
    model = BinaryRNN(64, 1, ensemble=R_FIG3, generator=generator)
    optimiser = MemberAdam(model.parameters())
    index = torch.tensor([R_FIG3 // 2])

    def inputs(members):
        return lambda _: (torch.rand(55, members, 1, 1, generator=generator) < 0.5).float()

    def sub_ensemble():
        sub = model.subset(index)
        floss(sub, inputs(1), 16, EPOCHS, optimiser=optimiser.take(index, sub.parameters()), transient=16,
              generator=generator, progress=False)

    def whole_ensemble():
        floss(model.subset(torch.arange(R_FIG3)), inputs(R_FIG3), 16, EPOCHS, transient=16, generator=generator,
              progress=False)

    times = interleaved({"sub-ensemble": sub_ensemble, "whole ensemble": whole_ensemble}, REPEATS)
    print(f"{EPOCHS} flossing epochs of 1 of {R_FIG3} binary networks (N = 64, k = 16, 55-step windows): "
          f"sub-ensemble {times['sub-ensemble'] * 1e3:.0f} ms, whole ensemble {times['whole ensemble'] * 1e3:.0f} ms "
          f"-> {faster(times['whole ensemble'], times['sub-ensemble'])}")


def main():
    print(f"torch {torch.__version__}, threads: {choose_threads()}")
    banner("1. surrogate spectra: closed-form Jacobians against forward-mode autodiff")
    spectra()
    banner("2. one adaptive flossing episode: sub-ensemble against the whole ensemble")
    adaptive_episode()


if __name__ == "__main__":
    main()
