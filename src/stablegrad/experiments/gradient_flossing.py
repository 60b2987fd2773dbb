"""Runs behind the gradient-flossing paper's figures (Engelken, NeurIPS 2023).

Each ``figNN`` function takes a scale name, a seed and a device, runs (or loads from the
results cache) the experiment, and returns plain tensors for the notebook to plot.
"""
from dataclasses import asdict, dataclass

import torch
from tqdm import tqdm

from ..flossing import floss
from ..models import VanillaRNN
from ..store import cached
from ..tangent import lyapunov_spectrum

__all__ = ["FIG01", "FIG16", "Fig01Config", "Fig16Config", "fig01", "fig16", "long_run_spectrum"]


@dataclass(frozen=True)
class Fig01Config:
    """Fig 1: flossing random tanh RNNs (W ~ N(0, g^2/N), g ~ U(0, 1), V ~ N(0, 1), x ~ N(0, 1))."""

    N: int
    networks: int  # realisations per condition (the paper: 10)
    epochs_b: int  # flossing epochs of panel B (batch size 1)
    epochs: int  # flossing epochs of panels C and D
    window: int  # steps per flossing epoch (the paper does not give it; the authors' code uses 55)
    transient: int  # steps of each window that are not accumulated (the authors' code: 16)
    lr: float  # Adam learning rate (the paper: "standard hyperparameters")
    targets: tuple  # lambda_1 targets of panel B
    ks: tuple  # numbers of flossed exponents in panels C and D
    spectrum_steps: int  # length of the independent run that measures the spectra of panel D


FIG01 = {
    "smoke": Fig01Config(N=8, networks=3, epochs_b=40, epochs=40, window=40, transient=10, lr=1e-2,
                         targets=(-1.0, -0.5, 0.0), ks=(1, 4, 8), spectrum_steps=300),
    "book": Fig01Config(N=32, networks=10, epochs_b=150, epochs=1000, window=55, transient=16, lr=1e-3,
                        targets=(-1.0, -0.5, 0.0), ks=(1, 16, 32), spectrum_steps=3000),
    "paper": Fig01Config(N=32, networks=10, epochs_b=1000, epochs=3000, window=55, transient=16, lr=1e-3,
                         targets=(-1.0, -0.5, 0.0), ks=(1, 16, 32), spectrum_steps=10000),
}


@dataclass(frozen=True)
class Fig16Config:
    """Fig 16: running exponent estimates for one network and many initial conditions."""

    N: int
    g: float
    sigma: float  # input standard deviation
    steps: int  # t_sim
    initial_conditions: int
    indices: tuple  # 1-based exponents to show


FIG16 = {
    "smoke": Fig16Config(N=20, g=1.0, sigma=1.0, steps=60, initial_conditions=4, indices=(1, 5, 15, 20)),
    "book": Fig16Config(N=80, g=1.0, sigma=1.0, steps=100, initial_conditions=10, indices=(1, 20, 60, 80)),
    "paper": Fig16Config(N=80, g=1.0, sigma=1.0, steps=100, initial_conditions=10, indices=(1, 20, 60, 80)),
}


def _gaussian_inputs(steps, members, generator, device, sigma=1.0):
    """A fresh i.i.d. N(0, sigma^2) scalar input stream per member, batch size 1: (T, R, 1, 1)."""
    return sigma * torch.randn(steps, members, 1, 1, generator=generator).to(device)


@torch.no_grad()
def long_run_spectrum(model: VanillaRNN, steps: int, transient: int, seed: int, device="cpu", k=None):
    """Spectrum of every ensemble member from one long run with fresh Gaussian input, ``(R, k)``."""
    generator = torch.Generator().manual_seed(seed)
    x = _gaussian_inputs(steps, model.ensemble, generator, device)
    h0 = model.initial_state(1)
    return lyapunov_spectrum(model, h0, x, k=k, transient=transient, generator=generator).exponents[:, 0].cpu()


def _flossed_ensemble(cfg: Fig01Config, gains, k, targets, epochs, seed, device, progress):
    """Floss ``len(gains)`` networks (one per gain) toward per-member targets; return model and history."""
    generator = torch.Generator().manual_seed(seed)
    model = VanillaRNN(cfg.N, 1, ensemble=len(gains), g=gains, generator=generator).to(device)
    history = floss(
        model,
        lambda epoch: _gaussian_inputs(cfg.window, len(gains), generator, device),
        k=k,
        epochs=epochs,
        target=torch.as_tensor(targets, dtype=torch.float32, device=device).view(-1, 1, 1),
        lr=cfg.lr,
        transient=cfg.transient,
        generator=generator,
        progress=progress,
    )
    return model, history


def fig01(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Panels B-D of Fig 1. Returns per-epoch lambda_1 for B, per-epoch losses for C, spectra for D."""
    cfg = FIG01[scale]

    def compute():
        gains = torch.rand(cfg.networks, generator=torch.Generator().manual_seed(seed))
        # B: the same networks, each flossed toward every target (one ensemble member per pair)
        n_targets = len(cfg.targets)
        _, history_b = _flossed_ensemble(
            cfg, gains.repeat(n_targets), 1, torch.tensor(cfg.targets).repeat_interleave(cfg.networks),
            cfg.epochs_b, seed, device, progress)
        lambda1 = history_b.exponents[:, :, 0, 0].cpu().view(cfg.epochs_b, n_targets, cfg.networks)
        # C, D: flossing k exponents to zero; spectra before and after from independent long runs
        loss, before, after = {}, None, {}
        for k in tqdm(cfg.ks, desc="panels C, D", disable=not progress):
            model, history = _flossed_ensemble(cfg, gains, k, 0.0, cfg.epochs, seed, device, progress)
            loss[k] = history.loss[:, :, 0].cpu()
            after[k] = long_run_spectrum(model, cfg.spectrum_steps, cfg.spectrum_steps // 10, seed + 1, device)
            if before is None:
                initial = VanillaRNN(cfg.N, 1, ensemble=cfg.networks, g=gains,
                                     generator=torch.Generator().manual_seed(seed)).to(device)
                before = long_run_spectrum(initial, cfg.spectrum_steps, cfg.spectrum_steps // 10, seed + 1, device)
        return {"gains": gains, "lambda1": lambda1, "loss": loss, "before": before, "after": after}

    return cached("gradient_flossing/fig01", {"scale": scale, "seed": seed, "device": device, **asdict(cfg)}, compute)


def fig16(scale: str = "book", seed: int = 0, device: str = "cpu") -> dict:
    """Running estimates of selected exponents for one network from many initial conditions."""
    cfg = FIG16[scale]

    def compute():
        generator = torch.Generator().manual_seed(seed)
        model = VanillaRNN(cfg.N, 1, g=cfg.g, generator=generator).to(device)
        h0 = torch.randn(1, cfg.initial_conditions, cfg.N, generator=generator).to(device)
        x = _gaussian_inputs(cfg.steps, 1, generator, device, cfg.sigma)  # one input stream for all
        with torch.no_grad():
            spectrum = lyapunov_spectrum(model, h0, x, generator=generator)
        running = spectrum.running[:, 0].cpu()  # (steps, initial conditions, N)
        return {"steps": spectrum.steps, "running": running}

    return cached("gradient_flossing/fig16", {"scale": scale, "seed": seed, "device": device, **asdict(cfg)}, compute)
