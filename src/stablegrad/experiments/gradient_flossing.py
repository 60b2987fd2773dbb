"""Runs behind the gradient-flossing paper's figures (Engelken, NeurIPS 2023).

Each ``figNN`` function takes a scale name, a seed and a device, runs (or loads from the
results cache) the experiment, and returns plain tensors for the notebook to plot.
"""
import copy
import math
import time
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import numpy as np
import torch
from tqdm import tqdm

from .. import claims
from ..flossing import FlossingError, FlossingHistory, floss
from ..models import LSTM, VanillaRNN
from ..store import cached
from ..tangent import (condition_numbers, lyapunov_condition_number, lyapunov_spectrum,
                       random_orthonormal)
from ..tasks import BinaryXOR, ContinuousXOR, make_task
from ..training import TrainingRun, build_network, run_training, train, trained_network

__all__ = ["COST_SWEEPS", "FIG01", "FIG02", "FIG03", "FIG04", "FIG05", "FIG06", "FIG12", "FIG13", "FIG16", "TABLE01",
           "Fig01Config", "Fig02Config", "Fig03Config", "Fig04Config", "Fig05Config", "Fig06Config", "Fig12Config",
           "Fig13Config", "Fig16Config", "Table01Config", "cost_exponent", "fig01", "fig02", "fig03", "fig03_runs",
           "fig04", "fig04_runs", "fig05", "fig06", "fig08_09", "fig10_11", "fig12", "fig13", "fig16", "final_mean",
           "long_run_spectrum", "record_cost_claims", "silent_steps", "table01"]


@dataclass(frozen=True)
class Fig01Config:
    """Fig 1: flossing random tanh RNNs (W ~ N(0, g^2/N), g ~ U(0, 1), V ~ N(0, 1), x ~ N(0, 1))."""

    N: int
    networks: int  # realisations per condition (the paper: 10)
    epochs_b: int  # epochs shown in panel B
    epochs: int  # flossing epochs (batch size 1)
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


def _flossed_ensemble(cfg, build, k, targets, epochs, seed, device, progress, stream=_gaussian_inputs,
                      **options):
    """Floss the ensemble ``build(generator)`` toward per-member targets; return the model and its history.

    ``cfg`` needs ``window``, ``transient`` and ``lr``; the generator seeded ``seed`` first draws the
    weights, then each epoch's input from ``stream(steps, members, generator, device)``, ``(T, R, 1, 1)``
    (i.i.d. Gaussian unless told otherwise), and tangent basis. ``options`` go to :func:`floss`.
    """
    generator = torch.Generator().manual_seed(seed)
    model = build(generator).to(device)
    history = floss(
        model,
        lambda epoch: stream(cfg.window, model.ensemble, generator, device),
        k=k,
        epochs=epochs,
        target=torch.as_tensor(targets, dtype=torch.float32, device=device).view(-1, 1, 1),
        lr=cfg.lr,
        transient=cfg.transient,
        generator=generator,
        progress=progress,
        **options,
    )
    return model, history


def fig01(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Panels B-D of Fig 1. Returns per-epoch lambda_1 for B, per-epoch losses for C, spectra for D.

    The same ``networks`` networks (gains ``g ~ U(0, 1)``) are flossed under every condition (each
    target of B with k = 1; each k of C, D toward 0), all conditions in one ensemble.
    """
    cfg = FIG01[scale]

    def compute():
        generator = torch.Generator().manual_seed(seed)
        gains = torch.rand(cfg.networks, generator=generator)
        base = VanillaRNN(cfg.N, 1, ensemble=cfg.networks, g=gains, generator=generator).to(device)
        conditions = [(1, target) for target in cfg.targets] + [(k, 0.0) for k in cfg.ks]
        model = base.repeated(len(conditions))
        history = floss(
            model,
            lambda epoch: _gaussian_inputs(cfg.window, model.ensemble, generator, device),
            k=[k for k, _ in conditions for _ in range(cfg.networks)],
            epochs=cfg.epochs,
            target=torch.tensor([t for _, t in conditions], device=device).repeat_interleave(cfg.networks).view(-1, 1, 1),
            lr=cfg.lr,
            transient=cfg.transient,
            generator=generator,
            progress=progress,
        )
        blocks = len(cfg.targets)
        lambda1 = history.exponents[: cfg.epochs_b, : blocks * cfg.networks, 0, 0].cpu()
        loss = history.loss[:, blocks * cfg.networks :, 0].cpu().split(cfg.networks, dim=1)
        spectra = lambda m: long_run_spectrum(m, cfg.spectrum_steps, cfg.spectrum_steps // 10, seed + 1, device)  # noqa: E731
        after = spectra(model)[blocks * cfg.networks :].split(cfg.networks)
        return {"gains": gains, "lambda1": lambda1.view(cfg.epochs_b, blocks, cfg.networks),
                "loss": dict(zip(cfg.ks, loss)), "before": spectra(base), "after": dict(zip(cfg.ks, after))}

    return cached("gradient_flossing/fig01", {"scale": scale, "seed": seed, "device": device, **asdict(cfg)}, compute)


@dataclass(frozen=True)
class Fig06Config:
    """Fig 6: flossing LSTM and ReLU networks (N = 32, g ~ U(0, 1), x ~ N(0, 1)) toward lambda_1 = 0."""

    N: int
    networks: int  # realisations per model (the paper: 10)
    epochs: int  # flossing epochs (the paper shows convergence within 100)
    window: int  # steps per flossing epoch (as Fig 1)
    transient: int  # steps of each window that are not accumulated (as Fig 1)
    lr: float  # Adam learning rate
    relu_mean: float  # mean of the ReLU networks' W as the paper states it (-0.1)
    check_steps: int  # length of the run that measures how often a ReLU network falls silent


FIG06 = {
    "smoke": Fig06Config(N=8, networks=3, epochs=40, window=40, transient=10, lr=1e-2, relu_mean=-0.1,
                         check_steps=500),
    "book": Fig06Config(N=32, networks=10, epochs=1000, window=55, transient=16, lr=1e-3, relu_mean=-0.1,
                        check_steps=5000),
    "paper": Fig06Config(N=32, networks=10, epochs=1000, window=55, transient=16, lr=1e-3, relu_mean=-0.1,
                         check_steps=20_000),
}


@torch.no_grad()
def silent_steps(model: VanillaRNN, steps: int, seed: int, device="cpu") -> torch.Tensor:
    """``(steps, R)``: whether every unit of a ReLU network is silent, driven by N(0, 1) input from 0.

    At such a step the Jacobian ``W diag(phi'(h))`` is zero, so the next state does not depend on the
    past at all, and every Lyapunov exponent of a window containing the step is minus infinity.
    """
    x = _gaussian_inputs(steps, model.ensemble, torch.Generator().manual_seed(seed), device)
    h, silent = model.initial_state(1), []
    for x_t in x:
        h = model.step(h, x_t)
        silent.append((h <= 0).all(-1)[:, 0])
    return torch.stack(silent).cpu()


def fig06(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Flossing histories ``{model: FlossingHistory}`` of Fig 6 and, for the ReLU networks, how they fail.

    ``"lstm"`` and ``"relu"`` are the paper's models; ``"relu_zero_mean"`` is the ReLU variant with
    ``W ~ N(0, g^2/N)``. Every flossing window starts from a fresh ``h0 ~ N(0, 1)`` (from ``h = 0`` no
    ReLU unit is active). A run that meets a non-finite loss or gradient keeps the epochs before it and
    its message in ``errors[model]``. ``silent`` ``(check_steps, R)`` marks the steps at which every
    unit of the paper's ReLU networks is silent; all models share the gains ``g ~ U(0, 1)`` in ``gains``.
    """
    cfg = FIG06[scale]

    def compute():
        gains = torch.rand(cfg.networks, generator=torch.Generator().manual_seed(seed))
        relu = lambda mean: lambda gen: VanillaRNN(cfg.N, 1, ensemble=cfg.networks, nonlinearity="relu",  # noqa: E731
                                                    g=gains, mean=mean, generator=gen)
        builds = {"lstm": lambda gen: LSTM(cfg.N, 1, ensemble=cfg.networks, g=gains, generator=gen),
                  "relu": relu(cfg.relu_mean), "relu_zero_mean": relu(0.0)}
        histories, errors = {}, {}
        for name, build in builds.items():
            initial = torch.Generator().manual_seed(seed + 2)
            size = 2 * cfg.N if name == "lstm" else cfg.N
            try:
                _, history = _flossed_ensemble(
                    cfg, build, 1, 0.0, cfg.epochs, seed + 1, device, progress,
                    h0=lambda _: torch.randn(cfg.networks, 1, size, generator=initial).to(device))
            except FlossingError as failure:
                history, errors[name] = failure.history, str(failure)
            histories[name] = FlossingHistory(history.exponents[..., 0, 0].cpu(), history.loss[..., 0].cpu()) \
                if len(history.exponents) else history
        stated = builds["relu"](torch.Generator().manual_seed(seed + 1)).to(device)
        return {"gains": gains, "histories": histories, "errors": errors,
                "silent": silent_steps(stated, cfg.check_steps, seed + 3, device)}

    return cached("gradient_flossing/fig06", {"scale": scale, "seed": seed, "device": device, **asdict(cfg)}, compute)


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


@dataclass(frozen=True)
class Fig02Config:
    """Fig 2: condition number of the long-term Jacobian before and after flossing.

    Networks as in eq. 9 with ``W ~ N(0, g^2/N)``, driven by the input stream of the continuous
    temporal XOR task (``x ~ U[0, 1)``, batch size 1). The simulation multiplies the float64
    Jacobians of one trajectory in ``bits``-bit arithmetic; eq. 10 uses the Lyapunov spectrum of the
    same trajectory.
    """

    N: int
    g: float
    networks: int  # independent realisations (the paper shows one network, batch size 1)
    epochs: int  # flossing epochs E_f (the paper: 500)
    window: int  # steps per flossing epoch (the paper does not give it; the authors' code uses 55)
    transient: int  # steps of each flossing window that are not accumulated (the authors' code: 16)
    lr: float  # Adam learning rate (not given in the paper; Adam's default, as in Fig 1)
    k: int  # exponents flossed for panels A and B (the paper: 15)
    ks: tuple  # numbers of flossed exponents compared in panel C (contains k)
    m_A: int  # tangent dimensions m of panel A (not given in the paper; we take the k flossed ones)
    horizon: int  # longest horizon t - tau of panel A (the paper's T = 500)
    n_horizons: int  # evenly spaced horizons up to `horizon` (1, 2 and 5 are added)
    initial_times: int  # initial times tau per network in panel A
    tau_stride: int  # steps between successive initial times
    t_B: int  # the fixed horizon of panel B
    ms: tuple  # tangent dimensions m of panels B and C
    guide: float  # kappa_2 guide line of panel B (the paper: 1e5)
    bits: int  # working precision of the simulation (the paper: 256)
    settle: int  # steps from h = 0 before the first initial time; also the spectrum's transient


FIG02 = {
    "smoke": Fig02Config(N=12, g=1.0, networks=1, epochs=30, window=40, transient=10, lr=1e-2, k=4, ks=(2, 4),
                         m_A=4, horizon=60, n_horizons=6, initial_times=2, tau_stride=10, t_B=30,
                         ms=(1, 2, 3, 4, 6, 8, 12), guide=1e5, bits=256, settle=50),
    "book": Fig02Config(N=80, g=1.0, networks=1, epochs=500, window=55, transient=16, lr=1e-3, k=15,
                        ks=(5, 15, 40), m_A=15, horizon=500, n_horizons=25, initial_times=4, tau_stride=50,
                        t_B=200, ms=(1, 2, 3, 4, 6, 8, 10, 12, 14, 15, 16, 18, 20, 25, 30, 40, 50, 60, 80),
                        guide=1e5, bits=256, settle=100),
    "paper": Fig02Config(N=80, g=1.0, networks=3, epochs=500, window=55, transient=16, lr=1e-3, k=15,
                         ks=(1, 5, 15, 40, 80), m_A=15, horizon=500, n_horizons=50, initial_times=5,
                         tau_stride=50, t_B=200, ms=tuple(range(1, 21)) + (25, 30, 35, 40, 50, 60, 70, 80),
                         guide=1e5, bits=256, settle=100),
}

# The simulation is only run at horizons where eq. 10 stays this many bits below 2**bits (the measured
# kappa_2 can exceed the estimate by a few decades); measured values at or above 2**bits are dropped.
_RANGE_MARGIN_BITS = 24
# Its input stream, x ~ U[0, 1) i.i.d., is the same for every delay; only the targets depend on it.
_XOR_STREAM = ContinuousXOR(2)


def _xor_inputs(steps, members, generator, device, dtype=torch.float32):
    """The continuous temporal XOR task's input stream for ``members`` networks, batch size 1: (T, R, 1, 1)."""
    return _XOR_STREAM.sample(steps, members, 1, generator=generator, dtype=dtype).inputs.to(device)


@contextmanager
def _single_thread():
    """Run torch on one thread: the matrices here are at most N x N with N <= 80, where a second thread
    gains nothing, and multi-threaded kernels stall badly when other jobs share the cores."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _horizon_grid(longest: int, n: int) -> list:
    """``n`` evenly spaced integer horizons up to ``longest``, plus 1, 2 and 5 for the shortest times."""
    even = torch.linspace(0, longest, n + 1).round().long().tolist()[1:]
    return sorted({h for h in (1, 2, 5, *even) if 1 <= h <= longest})


@torch.no_grad()
def _jacobians(model: VanillaRNN, x: torch.Tensor) -> torch.Tensor:
    """Per-step Jacobians ``D_s = dh_{s+1}/dh_s`` along the trajectory from ``h = 0``: ``(T, R, N, N)``."""
    h, out = model.initial_state(1), []
    for s in range(x.shape[0]):
        out.append(model.jacobian(h, x[s])[:, 0])
        h = model.step(h, x[s])
    return torch.stack(out)


def _measured(jacobians, Q0, horizons, estimate, bits) -> torch.Tensor:
    """kappa_2(D_{t-1} ... D_0 Q0) in ``bits``-bit arithmetic at each horizon, NaN where out of range.

    Horizons whose eq.-10 ``estimate`` is within ``_RANGE_MARGIN_BITS`` of ``2**bits`` are not simulated,
    and measured values at or above ``2**bits`` (where the smallest singular value is no longer
    resolved) are dropped.
    """
    out = torch.full((len(horizons),), math.nan, dtype=torch.float64)
    keep = [i for i, e in enumerate(estimate.tolist()) if math.log2(e) <= bits - _RANGE_MARGIN_BITS]
    if not keep:
        return out
    chosen = [horizons[i] for i in keep]
    with warnings.catch_warnings():  # values near 2**bits raise a RuntimeWarning; they are dropped below
        warnings.simplefilter("ignore", RuntimeWarning)
        kappa = condition_numbers(jacobians[: chosen[-1]], Q0, chosen, bits=bits)
    kappa[~(kappa < 2.0**bits)] = math.nan
    out[keep] = kappa
    return out


def fig02(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Panels A-C of Fig 2: kappa_2 of the long-term Jacobian, measured and from eq. 10.

    Condition ``0`` is the network at initialisation, condition ``k`` the same network after flossing
    ``k`` exponents to zero. Every condition is then driven by one common input stream of
    ``settle + (initial_times - 1) * tau_stride + horizon`` steps; its Lyapunov spectrum (after
    ``settle`` steps) gives eq. 10 and its float64 Jacobians the ``bits``-bit measurement, from random
    orthonormal bases whose first ``m`` columns are used for ``m`` tangent dimensions. Returns

    * ``conditions`` (C,), ``exponents`` (C, R, N), ``loss`` {k: (E, R)} of flossing;
    * panel A: ``horizons_A`` (H,), ``taus`` (I,), ``kappa_A`` (C, R, I, H) at ``m_A`` from every
      initial time (measured for conditions 0 and ``k`` only), ``theory_A`` (C, R, H);
    * panels B, C: ``ms`` (M,), ``horizons_B`` (G,) up to ``t_B``, ``kappa_B`` (C, R, M, G) from the
      first initial time, ``theory_B`` (C, R, M, G).

    Measured values are NaN where the simulation was out of range (see ``_measured``). The exponents
    are sorted in decreasing order.
    """
    cfg = FIG02[scale]
    if cfg.k not in cfg.ks or cfg.m_A not in cfg.ms or max(cfg.ms) > cfg.N or max(cfg.ks) > cfg.N:
        raise ValueError(f"fig02: inconsistent configuration {cfg}")

    def compute():
        with _single_thread():
            return _fig02(cfg, seed, device, progress)

    return cached("gradient_flossing/fig02", {"scale": scale, "seed": seed, "device": device, **asdict(cfg)}, compute)


def _fig02(cfg: Fig02Config, seed, device, progress) -> dict:
    f64, R, N = torch.float64, cfg.networks, cfg.N
    gains = torch.full((R,), cfg.g)
    conditions = (0, *cfg.ks)
    models = {0: VanillaRNN(N, 1, ensemble=R, g=gains, generator=torch.Generator().manual_seed(seed))}
    loss = {}
    for k in tqdm(cfg.ks, desc="flossing", disable=not progress):
        models[k], history = _flossed_ensemble(
            cfg, lambda generator: VanillaRNN(N, 1, ensemble=R, g=gains, generator=generator), k, 0.0, cfg.epochs,
            seed, device, progress, stream=_xor_inputs)
        loss[k] = history.loss[:, :, 0].cpu()

    horizons_A = _horizon_grid(cfg.horizon, cfg.n_horizons)
    horizons_B = sorted({h for h in horizons_A if h < cfg.t_B} | {cfg.t_B})
    taus = [i * cfg.tau_stride for i in range(cfg.initial_times)]
    steps = cfg.settle + taus[-1] + cfg.horizon
    generator = torch.Generator().manual_seed(seed + 1)
    x = _xor_inputs(steps, R, generator, "cpu", f64)  # one input stream for every condition
    bases = random_orthonormal(R, len(taus), N, N, dtype=f64, generator=generator)
    spectrum_basis = random_orthonormal(R, 1, N, N, dtype=f64, generator=generator)

    C, M = len(conditions), len(cfg.ms)
    exponents = torch.empty(C, R, N, dtype=f64)
    kappa_A = torch.full((C, R, len(taus), len(horizons_A)), math.nan, dtype=f64)
    kappa_B = torch.full((C, R, M, len(horizons_B)), math.nan, dtype=f64)
    theory_A = torch.empty(C, R, len(horizons_A), dtype=f64)
    theory_B = torch.empty(C, R, M, len(horizons_B), dtype=f64)
    bar = tqdm(total=C * R, desc=f"{cfg.bits}-bit products", disable=not progress)
    for c, condition in enumerate(conditions):
        model = copy.deepcopy(models[condition]).to("cpu", f64)
        with torch.no_grad():
            spectrum = lyapunov_spectrum(model, model.initial_state(1), x, transient=cfg.settle, Q0=spectrum_basis)
        # eq. 10 needs lambda_1 >= lambda_2 >= ...; finite-time estimates of nearly equal exponents can swap
        exponents[c] = spectrum.exponents[:, 0].sort(dim=-1, descending=True).values
        jacobians = _jacobians(model, x)[cfg.settle:]  # (steps - settle, R, N, N)
        theory_A[c] = lyapunov_condition_number(exponents[c], horizons_A, cfg.m_A)
        for j, m in enumerate(cfg.ms):
            theory_B[c, :, j] = lyapunov_condition_number(exponents[c], horizons_B, m)
        for r in range(R):
            for i, tau in enumerate(taus if condition in (0, cfg.k) else ()):  # panel A shows these two
                kappa_A[c, r, i] = _measured(jacobians[tau:, r], bases[r, i, :, :cfg.m_A], horizons_A,
                                             theory_A[c, r], cfg.bits)
            for j, m in enumerate(cfg.ms):
                kappa_B[c, r, j] = _measured(jacobians[:, r], bases[r, 0, :, :m], horizons_B,
                                             theory_B[c, r, j], cfg.bits)
            bar.update()
    bar.close()
    return {
        "conditions": conditions, "exponents": exponents, "loss": loss,
        "horizons_A": torch.tensor(horizons_A), "taus": torch.tensor(taus), "kappa_A": kappa_A, "theory_A": theory_A,
        "ms": torch.tensor(cfg.ms), "horizons_B": torch.tensor(horizons_B), "kappa_B": kappa_B, "theory_B": theory_B,
    }


@dataclass(frozen=True)
class Fig03Config:
    """Fig 3: preflossing before training on the delayed copy and continuous temporal XOR tasks (MSE)."""

    N: int
    networks: int  # realisations per delay and condition (the paper: 5)
    epochs: int  # training epochs, one update each (the paper: 10^4)
    steps: int  # sequence length T (the paper: 300)
    batch: int
    floss_epochs: int  # preflossing epochs E_f (the paper: 500)
    k_copy: int  # flossed exponents for delayed copy (the paper's text: 40)
    k_xor: int  # flossed exponents for the XOR task (the paper's caption: 75)
    delay: int  # delay of panels A and B (the paper: 40)
    delays: tuple  # delays of panels C and D (even, for the XOR task)


FIG03 = {
    "smoke": Fig03Config(N=12, networks=2, epochs=60, steps=30, batch=4, floss_epochs=10, k_copy=6, k_xor=6,
                         delay=6, delays=(2, 6)),
    "book": Fig03Config(N=80, networks=5, epochs=1500, steps=100, batch=16, floss_epochs=100, k_copy=40, k_xor=75,
                        delay=40, delays=(10, 20, 30, 40, 50)),
    "paper": Fig03Config(N=80, networks=5, epochs=10_000, steps=300, batch=16, floss_epochs=500, k_copy=40,
                         k_xor=75, delay=40, delays=(10, 20, 30, 40, 50, 60, 70, 80)),
}


def _delay_sweep(cfg, ks: dict, schedules: tuple, seed: int, delays=None, **settings) -> dict:
    """One :class:`TrainingRun` per ``(task, schedule)`` with all delays as blocks of one ensemble.

    ``ks`` maps each task name to its number of flossed exponents; ``cfg`` supplies the shared sizes and
    (unless ``delays`` is given) the delays, ``settings`` any further :class:`TrainingRun` field.
    """
    delays = tuple(sorted(set(cfg.delays) | {cfg.delay})) if delays is None else tuple(delays)
    return {(task, schedule): TrainingRun(task, delays, schedule=schedule, N=cfg.N, ensemble=cfg.networks,
                                          epochs=cfg.epochs, steps=cfg.steps, batch=cfg.batch, k=k,
                                          floss_epochs=cfg.floss_epochs, seed=seed, **settings)
            for task, k in ks.items() for schedule in schedules}


def _records_by_delay(runs: dict, field: str, device, progress) -> dict:
    """``{key: {delay: (E, networks)}}`` of one per-epoch record of each (cached) training run."""
    return {key: run.by_delay(getattr(run_training(run, device, progress), field)) for key, run in runs.items()}


def fig03_runs(cfg: Fig03Config, seed: int = 0) -> dict:
    """The training runs behind Fig 3, keyed ``(task, schedule)``."""
    return _delay_sweep(cfg, {"copy": cfg.k_copy, "xor": cfg.k_xor}, ("none", "pre"), seed)


def fig03(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Per-epoch test losses ``{(task, schedule): {delay: (E, networks)}}`` for Fig 3."""
    return _records_by_delay(fig03_runs(FIG03[scale], seed), "loss", device, progress)


@dataclass(frozen=True)
class Fig04Config:
    """Fig 4: binary temporal and spatial delayed XOR without flossing, with preflossing, and during training."""

    N: int
    networks: int  # realisations per delay and condition (the paper: 20 in A, B)
    epochs: int  # training epochs (the paper: 10^4)
    steps: int  # sequence length T (the paper: 300)
    batch: int
    floss_epochs: int  # flossing epochs per episode, E_f (the paper: 500)
    k: int  # flossed exponents (the paper: 75)
    floss_every: int  # epochs between the episodes of flossing during training (the paper: 100)
    delay: int  # delay of panels A and B (the paper: 70)
    delays: tuple  # delays of panels C and D (even: the temporal XOR reads x_{t-d/2})


FIG04 = {
    "smoke": Fig04Config(N=12, networks=2, epochs=60, steps=30, batch=4, floss_epochs=5, k=6, floss_every=10,
                         delay=8, delays=(2, 8)),
    "book": Fig04Config(N=80, networks=3, epochs=800, steps=100, batch=16, floss_epochs=50, k=75, floss_every=100,
                        delay=70, delays=(10, 40, 70)),
    "paper": Fig04Config(N=80, networks=20, epochs=10_000, steps=300, batch=16, floss_epochs=500, k=75,
                         floss_every=100, delay=70, delays=(10, 20, 30, 40, 50, 60, 70, 80, 90, 100)),
}


def fig04_runs(cfg: Fig04Config, seed: int = 0, init: str = "gaussian") -> dict:
    """The runs behind Fig 4 (``init="gaussian"``) and Fig 14 (``"orthogonal"``), keyed ``(task, schedule)``.

    ``"during"`` flosses in five episodes of ``E_f`` epochs, ``floss_every`` epochs apart from epoch 0.
    The runs also record |dL/dh0| and the singular values 1, 20, 40 of dL/dW for Figs 8-11. Fig 14, as
    in the paper, trains at the delay of panels A and B only.
    """
    return _delay_sweep(cfg, {"binary_xor": cfg.k, "spatial_xor": cfg.k}, ("none", "pre", "during"), seed,
                        delays=(cfg.delay,) if init == "orthogonal" else None, init=init,
                        floss_every=cfg.floss_every, sv_indices=(1, 20, 40) if cfg.N >= 40 else (1, cfg.N // 2, cfg.N))


def fig04(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True,
          init: str = "gaussian") -> dict:
    """Per-epoch test accuracies ``{(task, schedule): {delay: (E, networks)}}`` for Fig 4 (Fig 14 with
    ``init="orthogonal"``)."""
    return _records_by_delay(fig04_runs(FIG04[scale], seed, init), "accuracy", device, progress)


@dataclass(frozen=True)
class Fig13Config:
    """Fig 13: Lyapunov exponents of the trained Fig 4 spatial-XOR networks (the paper gives no run length)."""

    steps: int  # length of the task input stream that drives each trained network
    transient: int  # steps before exponents are accumulated
    indices: tuple  # 1-based exponents shown (the paper: 1 and 10)


FIG13 = {
    "smoke": Fig13Config(steps=300, transient=50, indices=(1, 10)),
    "book": Fig13Config(steps=3000, transient=300, indices=(1, 10)),
    "paper": Fig13Config(steps=10_000, transient=1000, indices=(1, 10)),
}


def final_mean(per_epoch: torch.Tensor) -> torch.Tensor:
    """A network's final score: the mean of a per-epoch record ``(E, ...)`` over its last 5 % of epochs
    (at least 10)."""
    return per_epoch[-max(10, len(per_epoch) // 20):].mean(0)


def fig13(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Exponents and final accuracy of the Fig 4 spatial-XOR networks trained without flossing and with
    flossing during training.

    Each trained network is driven by the task's input (three fair bit streams) from its trained initial
    state. Returns ``exponents`` ``{schedule: {delay: (len(indices), networks)}}``, ``accuracy``
    ``{schedule: {delay: (networks,)}}`` and ``indices``.
    """
    cfg = FIG13[scale]
    runs = {schedule: fig04_runs(FIG04[scale], seed)[("spatial_xor", schedule)] for schedule in ("none", "during")}

    def compute():
        generator = torch.Generator().manual_seed(seed)
        exponents, accuracy = {}, {}
        for schedule, run in runs.items():
            network = trained_network(run, device, progress)
            x = make_task(run.task, run.delays[0]).inputs(cfg.steps, run.members, 1, generator=generator,
                                                          device=device)
            with torch.no_grad():
                spectrum = lyapunov_spectrum(network.model, network.h0, x, k=max(cfg.indices),
                                             transient=cfg.transient, generator=generator)
            chosen = spectrum.exponents[:, 0, [i - 1 for i in cfg.indices]].T.cpu()  # (indices, members)
            exponents[schedule] = run.by_delay(chosen)
            per_epoch = run.by_delay(run_training(run, device, progress).accuracy)
            accuracy[schedule] = {d: final_mean(values) for d, values in per_epoch.items()}
        return {"exponents": exponents, "accuracy": accuracy, "indices": cfg.indices}

    return cached("gradient_flossing/fig13", {"scale": scale, "seed": seed, "device": device, **asdict(cfg),
                                              "runs": [asdict(run) for run in runs.values()]}, compute)


def _fig04_temporal_xor(scale, seed, device, progress, fields) -> dict:
    """Per-epoch records of the Fig 4 temporal-XOR networks at the delay of panel A, without flossing and
    flossed during training: ``{field: {schedule: (E, networks, ...)}}`` plus ``delay``, ``episodes``
    (the epochs before which the flossed networks ran a flossing episode) and ``sv_indices``.

    Only loads (or, if absent, trains) the Fig 4 runs. Both schedules build their ensemble from the same
    seed, so column ``r`` of ``"none"`` starts from the same weights as column ``r`` of ``"during"`` (its
    unflossed twin; the data differ, because flossing draws its windows from the members' generators).
    """
    cfg = FIG04[scale]
    runs = fig04_runs(cfg, seed)
    runs = {schedule: runs[("binary_xor", schedule)] for schedule in ("none", "during")}
    out = {field: {schedule: records[cfg.delay]
                   for schedule, records in _records_by_delay(runs, field, device, progress).items()}
           for field in fields}
    flossed = run_training(runs["during"], device, progress)
    return {**out, "delay": cfg.delay, "episodes": tuple(sorted(flossed.flossing)), "sv_indices": flossed.sv_indices}


def fig08_09(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """|dL/dh0| and test accuracy over training for Figs 8 and 9, from the Fig 4 temporal-XOR runs.

    Returns ``grad_h0`` and ``accuracy`` as ``{"none" | "during": (E, networks)}`` at the Fig 4 delay
    ``delay``, and ``episodes``, the epochs before which the ``"during"`` networks were flossed.
    """
    return _fig04_temporal_xor(scale, seed, device, progress, ("grad_h0", "accuracy"))


def fig10_11(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Singular values of dL/dW and test accuracy over training for Figs 10 and 11 (Fig 4 temporal-XOR runs).

    Returns ``singular_values`` ``{"none" | "during": (E, networks, len(sv_indices))}`` (the 1-based
    indices in ``sv_indices``), ``accuracy`` ``{schedule: (E, networks)}``, ``delay`` and ``episodes``.
    """
    out = _fig04_temporal_xor(scale, seed, device, progress, ("grad_W_singular_values", "accuracy"))
    out["singular_values"] = out.pop("grad_W_singular_values")
    return out


@dataclass(frozen=True)
class Fig12Config:
    """Fig 12: binary temporal XOR with flossing throughout training (an episode every ``floss_every`` epochs)."""

    N: int
    networks: int
    epochs: int  # training epochs (the paper: 10^4)
    steps: int  # sequence length T (the paper: 300)
    batch: int
    floss_epochs: int  # flossing epochs per episode, E_f (the paper: 500)
    k: int  # flossed exponents (the paper: 75)
    floss_every: int  # epochs between episodes (the paper: 100)
    delay: int  # the paper: 70

    @property
    def delays(self) -> tuple:
        return (self.delay,)


FIG12 = {
    "smoke": Fig12Config(N=12, networks=2, epochs=60, steps=30, batch=4, floss_epochs=5, k=6, floss_every=10,
                         delay=4),
    "book": Fig12Config(N=80, networks=5, epochs=800, steps=100, batch=16, floss_epochs=50, k=75, floss_every=100,
                        delay=10),
    "paper": Fig12Config(N=80, networks=5, epochs=10_000, steps=300, batch=16, floss_epochs=500, k=75,
                         floss_every=100, delay=70),
}


def fig12(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Per-epoch ``accuracy``, ``loss`` and ``grad_h0`` ``{schedule: (E, networks)}`` for Fig 12, with the
    flossing epochs of the ``"throughout"`` schedule as ``episodes``."""
    cfg = FIG12[scale]
    runs = {schedule: run for (_, schedule), run in
            _delay_sweep(cfg, {"binary_xor": cfg.k}, ("none", "during", "throughout"), seed,
                         floss_every=cfg.floss_every).items()}
    out = {field: {schedule: records[cfg.delay] for schedule, records in
                   _records_by_delay(runs, field, device, progress).items()}
           for field in ("accuracy", "loss", "grad_h0")}
    episodes = tuple(sorted(run_training(runs["throughout"], device, progress).flossing))
    return {**out, "episodes": episodes}


@dataclass(frozen=True)
class Table01Config:
    """Table 1: measured cost of a training epoch and of a flossing epoch against N, b, k and t_ONS."""

    Ns: tuple  # network sizes (b, T, k fixed at their base values)
    batches: tuple  # batch sizes b (training)
    ks: tuple  # flossed exponents k (flossing, at N = base_N)
    t_onss: tuple  # reorthonormalisation intervals (flossing, k = base_k)
    base_N: int
    base_k: int
    steps: int  # T of a training epoch and T_f of a flossing epoch
    repeats: int  # timings per point (the median is kept)


TABLE01 = {
    "smoke": Table01Config(Ns=(8, 16), batches=(1, 4), ks=(1, 4), t_onss=(1, 2), base_N=16, base_k=4, steps=20,
                           repeats=1),
    "book": Table01Config(Ns=(64, 256, 1024), batches=(1, 16, 256), ks=(4, 16, 64, 256), t_onss=(1, 2, 5, 10),
                          base_N=256, base_k=64, steps=200, repeats=3),
    "paper": Table01Config(Ns=(32, 64, 128, 256, 512), batches=(1, 4, 16, 64, 256), ks=(4, 16, 64, 128, 256),
                           t_onss=(1, 2, 5, 10, 20), base_N=256, base_k=128, steps=300, repeats=5),
}


def _median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


#: Table 1's sweeps: name -> (x label, the cost model's exponent at large size; None: the cost only falls).
COST_SWEEPS = {
    "train_N": ("training, N", 2.0),
    "train_b": ("training, batch b", 1.0),
    "floss_N": ("flossing, N (k = smallest N)", 2.0),
    "floss_k": ("flossing, k", 1.0),
    "floss_t_ons": ("flossing, t_ONS", None),
}


def cost_exponent(seconds: dict, sweep: str) -> float:
    """Slope of log seconds against log size over a sweep's two largest sizes, where fixed per-step
    overheads matter least."""
    x, t = np.array(list(seconds[sweep])), np.array(list(seconds[sweep].values()))
    return float(np.polyfit(np.log(x[-2:]), np.log(t[-2:]), 1)[0])


def record_cost_claims(card, result: dict, cfg: Table01Config, device: str) -> None:
    """Record Table 1's scaling claims on ``card``: a fitted exponent reproduces the cost model's if within
    +-0.5 of it, partly if within a factor of two of it; a larger t_ONS must make flossing cheaper."""
    seconds, threads = result["seconds"], result["threads"]
    for sweep, (label, model) in COST_SWEEPS.items():
        if model is None:
            continue
        fitted = cost_exponent(seconds, sweep)
        card.record("Table 1", f"{label}: cost grows as x^{model:g}", paper=f"exponent {model:g} (cost model)",
                    ours=f"fitted exponent {fitted:.2f} over the two largest sizes",
                    verdict=claims.verdict(abs(fitted - model) <= 0.5, partly=model / 2 <= fitted <= 2 * model),
                    note=f"{device}, {threads} threads")
    t_ons = seconds["floss_t_ons"]
    first, last = t_ons[min(t_ons)], t_ons[max(t_ons)]
    card.record("Table 1", "reorthonormalising less often (larger t_ONS) makes flossing cheaper",
                paper="QR term k/t_ONS",
                ours=f"{first * 1e3:.1f} ms at t_ONS = {min(t_ons)}, {last * 1e3:.1f} ms at t_ONS = {max(t_ons)}",
                verdict=claims.verdict(last < first), note=f"N = {cfg.base_N}, k = {cfg.base_k}")


def table01(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True,
            model: str = "tanh") -> dict:
    """Seconds per training epoch (one network: forward, backward, Adam) against N and b, and per flossing
    epoch (batch 1) against N, k and t_ONS, on this machine. ``{sweep: {value: seconds}}``.

    ``model`` is a :data:`~stablegrad.training.MODELS` name (``"binary"`` for surrogate flossing)."""
    cfg = TABLE01[scale]

    def network(N):
        return build_network(TrainingRun("binary_xor", (2,), model=model, N=N, ensemble=1, seed=seed), device)

    def training_epoch(N, batch):
        net = network(N)
        return lambda: train(net, BinaryXOR(2), epochs=1, steps=cfg.steps, batch=batch, progress=False)

    def flossing_epoch(N, k, t_ons, steps=cfg.steps, transient=0):
        model = network(N).model
        x = torch.randn(steps, 1, 1, 1, device=device)
        return lambda: floss(model, x, k=k, epochs=1, t_ons=t_ons, transient=transient, progress=False)

    def compute():
        points = [("train_N", N, training_epoch(N, 16)) for N in cfg.Ns]
        points += [("train_b", b, training_epoch(cfg.base_N, b)) for b in cfg.batches]
        points += [("floss_N", N, flossing_epoch(N, cfg.Ns[0], 1)) for N in cfg.Ns]  # k fixed: the smallest N
        points += [("floss_k", k, flossing_epoch(cfg.base_N, k, 1)) for k in cfg.ks]
        points += [("floss_t_ons", t, flossing_epoch(cfg.base_N, cfg.base_k, t)) for t in cfg.t_onss]
        out = {}
        for sweep, value, fn in tqdm(points, desc="timing", disable=not progress):
            out.setdefault(sweep, {})[value] = _median_seconds(fn, cfg.repeats)
        # the paper's protocol: 500 preflossing epochs (k = 75, windows of 55 steps) against 10^4 training
        # epochs (N = 80, b = 16, T = 300), one network
        net = network(80)
        train_epoch = _median_seconds(lambda: train(net, BinaryXOR(2), epochs=1, steps=300, batch=16, progress=False),
                                      cfg.repeats)
        floss_epoch = _median_seconds(flossing_epoch(80, 75, 1, steps=55, transient=16), cfg.repeats)
        return {"seconds": out, "threads": torch.get_num_threads(),
                "preflossing_share": 500 * floss_epoch / (10_000 * train_epoch)}

    return cached("gradient_flossing/table01", {"scale": scale, "seed": seed, "device": device, "model": model,
                                                **asdict(cfg)}, compute)


@dataclass(frozen=True)
class Fig05Config:
    """Figs 5 and 7: binary temporal XOR across delays d and numbers of flossed exponents k."""

    N: int
    networks: int  # realisations per (d, k)
    epochs: int  # training epochs (the paper: 10^4)
    steps: int  # sequence length T (the paper: 300)
    batch: int
    floss_epochs: int  # flossing epochs per episode, E_f (the paper: 500)
    floss_every: int  # epochs between the episodes of flossing during training (the paper: 100)
    ks: tuple  # numbers of flossed exponents
    delays: tuple  # delays d (even)


FIG05 = {
    "smoke": Fig05Config(N=12, networks=1, epochs=40, steps=30, batch=4, floss_epochs=3, floss_every=10, ks=(1, 6),
                         delays=(2, 6)),
    "book": Fig05Config(N=80, networks=2, epochs=800, steps=100, batch=16, floss_epochs=50, floss_every=100,
                        ks=(1, 5, 20, 75), delays=(10, 20, 40)),
    "paper": Fig05Config(N=80, networks=5, epochs=10_000, steps=300, batch=16, floss_epochs=500, floss_every=100,
                         ks=(1, 5, 10, 20, 40, 60, 75, 80), delays=(10, 20, 30, 40, 50, 60, 70, 80, 90, 100)),
}


def fig05(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Per-epoch test accuracy ``{schedule: {(d, k): (E, networks)}}`` for flossing during training (Fig 5,
    Fig 7A-C) and preflossing only (Fig 7D); every (d, k) is a block of one ensemble per schedule."""
    cfg = FIG05[scale]
    out = {}
    for schedule in ("during", "pre"):
        run = TrainingRun("binary_xor", cfg.delays, schedule=schedule, N=cfg.N, ensemble=cfg.networks,
                          epochs=cfg.epochs, steps=cfg.steps, batch=cfg.batch, k=tuple(cfg.ks),
                          floss_epochs=cfg.floss_epochs, floss_every=cfg.floss_every, seed=seed)
        out[schedule] = run.by_block(run_training(run, device, progress).accuracy)
    return out
