"""Runs behind the surrogate-gradient-flossing paper's figures (Engelken & Abbott 2024).

Binary networks ``h_{s+1} = W sgn(h_s) + V x_{s+1}`` driven by a fair bit stream (``x`` in {0, 1},
``V ~ N(0, 1/N_in)``, ``W ~ N(0, 1/N)``) with the surrogate ``sech^2(g h)``. Each ``figNN`` function
takes a scale name, a seed and a device, runs (or loads from the results cache) the experiment and
returns plain tensors for the notebook to plot.

The spiking figures (4, 7, 8) use :class:`~stablegrad.models.LIFNetwork` (``dt = 2`` ms, ``tau_mem = 10``
ms, ``tau_syn = 5`` ms, threshold 1) driven by Poisson spike trains: ``n_in`` independent channels at
``rate`` Hz, one Bernoulli draw of probability ``rate * dt`` per channel and step. The paper does not
state its input; 100 channels at 20 Hz with the library's default initialisation put the networks in a
fluctuation-driven regime with a few percent of neurons spiking per step.
"""
import copy
import math
from dataclasses import asdict, dataclass

import torch

from .. import surrogate
from ..flossing import floss
from ..models import BinaryRNN, LIFNetwork
from ..store import cached
from ..tangent import autodiff_jacobian, lyapunov_spectrum, random_orthonormal
from ..tasks import BinaryXOR
from ..training import TrainingRun, run_training
from .gradient_flossing import TABLE01, table01 as _cost_sweep

__all__ = ["FIG01", "FIG02", "FIG03", "FIG04", "FIG07_08", "Fig01Config", "Fig02Config", "Fig03Config",
           "Fig04Config", "Fig0708Config", "bit_stream", "fig01", "fig02", "fig03", "fig03_runs", "fig04", "fig07_08",
           "mean_field_spectrum", "poisson_spikes", "TABLE01", "table01"]


def bit_stream(steps: int, members: int, generator: torch.Generator, device="cpu", batch: int = 1) -> torch.Tensor:
    """A fresh fair bit stream per member, ``(T, R, batch, 1)``: the binary XOR task's input."""
    return BinaryXOR(2).inputs(steps, members, batch, generator=generator, device=device)


def mean_field_spectrum(N: int, p: float, lambda_max: float) -> torch.Tensor:
    """Eq. 6: ``lambda_i = lambda_max + log(1 - i/(pN)) / 2`` for ``i < pN``, ``-inf`` beyond (the triangle law)."""
    if not 0 < p <= 1:
        raise ValueError(f"mean_field_spectrum: p must lie in (0, 1], got {p!r}")
    i = torch.arange(1, N + 1, dtype=torch.float64)
    inside = i < p * N
    return torch.where(inside, lambda_max + 0.5 * torch.log((1 - i / (p * N)).clamp(min=1e-300)), -math.inf)


@dataclass(frozen=True)
class Fig01Config:
    """Fig 1B, D: surrogate Lyapunov spectra of random binary networks for several sharpnesses g."""

    N: int
    networks: int  # realisations per g
    gs: tuple  # surrogate sharpnesses of panel B
    steps: int  # length of each run
    transient: int  # leading steps not accumulated
    g_jacobian: float  # sharpness of panel D (the paper: 10)


FIG01 = {
    "smoke": Fig01Config(N=16, networks=2, gs=(0.5, 2.0, 10.0), steps=200, transient=20, g_jacobian=10.0),
    "book": Fig01Config(N=80, networks=5, gs=(0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0), steps=3000, transient=300,
                        g_jacobian=10.0),
    "paper": Fig01Config(N=80, networks=10, gs=(0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0), steps=10_000, transient=1000,
                         g_jacobian=10.0),
}


@torch.no_grad()
def fig01(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Measured surrogate spectra ``(len(gs), networks, N)``, the statistics eq. 6 needs, and one Jacobian.

    The same ``networks`` weight draws are run at every g (one ensemble), from ``h = 0`` with their
    own bit streams, in float64: at large g the trailing exponents (about -40 per step at g = 20) lie
    beyond what float32 can resolve. ``spread`` is the standard deviation ``Delta_0`` of ``h`` over units and accumulated
    steps, ``p = erf(1/(sqrt(2) g Delta_0))`` the fraction of units inside the surrogate's unsaturated
    region under a Gaussian ``h``, and ``slope_sq`` the trajectory average of ``phi'_g(h)^2``, whose
    half log is the mean-field growth rate of a random direction (``lambda_max`` of eq. 6).
    """
    cfg = FIG01[scale]

    def compute():
        generator = torch.Generator().manual_seed(seed)
        base = BinaryRNN(cfg.N, 1, ensemble=cfg.networks, generator=generator, dtype=torch.float64)
        model = base.repeated(len(cfg.gs)).to(device)
        model.g.copy_(torch.tensor(cfg.gs, device=device).repeat_interleave(cfg.networks))
        x = bit_stream(cfg.steps, model.ensemble, generator, device).double()
        spectrum = lyapunov_spectrum(model, model.initial_state(1), x, transient=cfg.transient, generator=generator)
        h, states = model.initial_state(1), []
        for x_t in x:
            h = model.step(h, x_t)
            states.append(h[:, 0])
        states = torch.stack(states[cfg.transient:], 1)  # (R, T, N)
        slope = surrogate.get("sech2", sharpness=model.g.view(-1, 1, 1))(states)
        shape = (len(cfg.gs), cfg.networks)
        spread = states.flatten(1).std(1).view(shape)
        gs = torch.tensor(cfg.gs).view(-1, 1)
        one = BinaryRNN(cfg.N, 1, ensemble=1, g=cfg.g_jacobian, generator=torch.Generator().manual_seed(seed),
                        dtype=torch.float64)
        h = one.initial_state(1)
        for x_t in bit_stream(cfg.transient, 1, generator).double():
            h = one.step(h, x_t)
        return {"exponents": spectrum.exponents[:, 0].view(*shape, cfg.N).cpu(), "spread": spread.cpu(),
                "p": torch.erf(1 / (math.sqrt(2) * gs * spread.cpu())),
                "slope_sq": (slope**2).mean((1, 2)).view(shape).cpu(),
                "jacobian": one.jacobian(h)[0, 0]}

    return cached("surrogate_flossing/fig01", {"scale": scale, "seed": seed, "device": device, **asdict(cfg)}, compute)


@dataclass(frozen=True)
class Fig02Config:
    """Fig 2: surrogate flossing of binary networks (W, V and g trained, Adam, batch 1)."""

    N: int
    networks: int  # realisations per condition (the paper: 9)
    gs: tuple  # initial sharpnesses of panel A (k = 1)
    ks: tuple  # numbers of flossed exponents of panel B (g = 1)
    epochs: int  # flossing epochs
    window: int  # steps per flossing epoch (as in gradient flossing: the authors' code uses 55)
    transient: int  # steps of each window that are not accumulated (the authors' code: 16)
    lr: float  # Adam learning rate
    spectrum_steps: int  # length of the independent runs that measure the spectra of panel B


FIG02 = {
    "smoke": Fig02Config(N=12, networks=2, gs=(1.0, 10.0), ks=(1, 6), epochs=30, window=40, transient=10, lr=1e-2,
                         spectrum_steps=300),
    "book": Fig02Config(N=80, networks=9, gs=(1.0, 5.0, 10.0, 20.0), ks=(1, 16, 32), epochs=600, window=55,
                        transient=16, lr=1e-3, spectrum_steps=3000),
    "paper": Fig02Config(N=80, networks=9, gs=(1.0, 5.0, 10.0, 20.0), ks=(1, 16, 32), epochs=3000, window=55,
                         transient=16, lr=1e-3, spectrum_steps=10_000),
}


@torch.no_grad()
def _long_run(model: BinaryRNN, steps: int, seed: int, device) -> torch.Tensor:
    """Full surrogate spectra ``(R, N)`` of every member from one long run with a fresh bit stream."""
    generator = torch.Generator().manual_seed(seed)
    x = bit_stream(steps, model.ensemble, generator, device)
    return lyapunov_spectrum(model, model.initial_state(1), x, transient=steps // 10,
                             generator=generator).exponents[:, 0].cpu()


def fig02(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Panel A: per-epoch ``lambda_1`` ``(epochs, len(gs), networks)`` and the final ``g`` after flossing
    k = 1 from each initial g. Panel B: full spectra ``(networks, N)`` before and after flossing each k
    from g = 1.

    Every condition flosses the same ``networks`` weight draws toward 0: panel A's sharpnesses side by
    side in one ensemble, panel B's k one ensemble each (QR costs grow as k^2, so a k = 1 network
    should not carry 32 tangent directions).
    """
    cfg = FIG02[scale]

    def compute():
        generator = torch.Generator().manual_seed(seed)
        base = BinaryRNN(cfg.N, 1, ensemble=cfg.networks, generator=generator).to(device)

        def flossed(gs, k):
            model = base.repeated(len(gs))
            model.g.data.copy_(torch.tensor(gs, device=device).repeat_interleave(cfg.networks))
            history = floss(model, lambda epoch: bit_stream(cfg.window, model.ensemble, generator, device), k=k,
                            epochs=cfg.epochs, lr=cfg.lr, transient=cfg.transient, generator=generator,
                            progress=progress)
            return model, history

        model, history = flossed(cfg.gs, 1)
        lambda1 = history.exponents[:, :, 0, 0].cpu().view(cfg.epochs, len(cfg.gs), cfg.networks)
        return {"lambda1": lambda1, "g_final": model.g.detach().cpu().view(len(cfg.gs), cfg.networks),
                "before": _long_run(base, cfg.spectrum_steps, seed + 1, device),
                "after": {k: _long_run(flossed((1.0,), k)[0], cfg.spectrum_steps, seed + 1, device) for k in cfg.ks}}

    return cached("surrogate_flossing/fig02", {"scale": scale, "seed": seed, "device": device, **asdict(cfg)}, compute)


@dataclass(frozen=True)
class Fig03Config:
    """Fig 3: binary temporal XOR ``y_t = x_{t-d/2} XOR x_{t-d}`` with and without adaptive flossing."""

    N: int
    networks: int  # realisations per delay and schedule (the paper: 9)
    delay: int  # delay of panels A and C (the paper: 18)
    delays: tuple  # delays of panels B and D
    epochs: int  # training epochs
    steps: int  # sequence length
    batch: int
    k: int  # flossed exponents
    floss_epochs: int  # preflossing epochs (the paper: 500)
    floss_every: int  # alternation period and adaptive episode length (the paper: 100)
    floss_episodes: int  # episodes during the alternation (the paper: until epoch 500, so 5)
    adaptive_every: int  # epochs between the lambda_1 checks of adaptive flossing (the paper does not say)
    sharpen: float  # factor on g at each adaptive episode (the paper increases g, without a number)


FIG03 = {
    "smoke": Fig03Config(N=12, networks=2, delay=4, delays=(2, 4), epochs=30, steps=20, batch=4, k=4, floss_epochs=5,
                         floss_every=5, floss_episodes=2, adaptive_every=5, sharpen=1.2),
    "book": Fig03Config(N=64, networks=9, delay=18, delays=(6, 12, 18, 24), epochs=1500, steps=100, batch=16, k=16,
                        floss_epochs=500, floss_every=100, floss_episodes=5, adaptive_every=10, sharpen=1.2),
    "paper": Fig03Config(N=80, networks=9, delay=18, delays=(6, 12, 18, 24, 30, 36), epochs=5000, steps=300,
                         batch=16, k=32, floss_epochs=500, floss_every=100, floss_episodes=5, adaptive_every=10,
                         sharpen=1.2),
}


def fig03_runs(cfg: Fig03Config, seed: int = 0) -> dict:
    """The training runs behind Fig 3, keyed by schedule (``"none"``, ``"adaptive"``); all delays in one ensemble."""
    delays = tuple(sorted(set(cfg.delays) | {cfg.delay}))
    return {schedule: TrainingRun("binary_xor", delays, schedule=schedule, model="binary", N=cfg.N, g=1.0,
                                  ensemble=cfg.networks, epochs=cfg.epochs, steps=cfg.steps, batch=cfg.batch,
                                  k=cfg.k, floss_epochs=cfg.floss_epochs, floss_every=cfg.floss_every,
                                  floss_episodes=cfg.floss_episodes, adaptive_every=cfg.adaptive_every,
                                  sharpen=cfg.sharpen, seed=seed)
            for schedule in ("none", "adaptive")}


def table01(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Table 1: the gradient-flossing cost sweep (sizes in :data:`TABLE01`) timed on binary networks."""
    return _cost_sweep(scale, seed, device, progress, model="binary")


def fig03(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """``{schedule: {field: {delay: (E, networks)}}}`` for accuracy, grad_h0, grad_W, skipped, sharpness and
    (adaptive only) triggered."""
    cfg = FIG03[scale]
    out = {}
    for schedule, run in fig03_runs(cfg, seed).items():
        history = run_training(run, device, progress)
        fields = {"accuracy": history.accuracy, "grad_h0": history.grad_h0, "grad_W": history.grad_W,
                  "skipped": history.skipped, "sharpness": history.sharpness}
        if history.triggered is not None:
            fields["triggered"] = history.triggered
        out[schedule] = {name: run.by_delay(values) for name, values in fields.items()}
    return out


F64 = torch.float64


def poisson_spikes(steps: int, members: int, batch: int, n_in: int, rate: float, dt: float, generator,
                   device="cpu", dtype=F64) -> torch.Tensor:
    """Independent Poisson spike trains ``(steps, members, batch, n_in)`` in {0, 1}: each channel spikes in
    a step with probability ``rate * dt`` (``rate`` in Hz, ``dt`` in seconds)."""
    p = rate * dt
    if not 0 <= p <= 1:
        raise ValueError(f"poisson_spikes: rate * dt must lie in [0, 1], got {rate!r} * {dt!r} = {p!r}")
    draw = torch.rand(steps, members, batch, n_in, generator=generator, dtype=dtype)
    return (draw < p).to(dtype).to(device)


def _initial_states(model: LIFNetwork, members: int, generator, device) -> torch.Tensor:
    """``U ~ U[0, threshold)``, ``I = 0``, one state per member: ``(members, 1, 2N)``."""
    N = model.n_hidden
    U = model.threshold * torch.rand(members, 1, N, generator=generator, dtype=F64)
    return torch.cat([U, torch.zeros_like(U)], -1).to(device)


@dataclass(frozen=True)
class Fig04Config:
    """Fig 4: analytic against autodiff surrogate Jacobian of one LIF network, at one state of a driven run."""

    N: int  # neurons (the Jacobian is 2N x 2N; the paper does not give N)
    n_in: int  # Poisson input channels
    rate: float  # input rate in Hz
    steps: int  # length of the driven run from which the state is taken
    gs: tuple  # surrogate sharpness g of phi'_g(x) = 1/(g|x|+1)^2 (the caption mixes g = 1 and g = 10)


FIG04 = {
    "smoke": Fig04Config(N=8, n_in=100, rate=20.0, steps=100, gs=(1.0, 10.0)),
    "book": Fig04Config(N=32, n_in=100, rate=20.0, steps=500, gs=(1.0, 10.0)),
    "paper": Fig04Config(N=32, n_in=100, rate=20.0, steps=500, gs=(1.0, 10.0)),
}


def fig04(scale: str = "book", seed: int = 0, device: str = "cpu") -> dict:
    """The surrogate Jacobian in closed form and by forward-mode autodiff, float64, for each ``g`` and with
    and without the reset term.

    One network (default initialisation) is driven from ``U ~ U[0, 1)``, ``I = 0`` for ``steps`` steps;
    the state is the one of the last half of the run at which most neurons spike (so that the reset term
    shows). Returns ``{"state", "input", "spikes", "jacobians": {(g, reset): {"analytic", "autodiff"}}}``.
    """
    cfg = FIG04[scale]

    def build(g, reset):
        return LIFNetwork(cfg.N, cfg.n_in, sharpness=g / 2, reset_in_backward=reset, dtype=F64,
                          generator=torch.Generator().manual_seed(seed)).to(device)

    def compute():
        model = build(cfg.gs[0], True)
        generator = torch.Generator().manual_seed(seed + 1)
        x = poisson_spikes(cfg.steps + 1, 1, 1, cfg.n_in, cfg.rate, model.dt, generator, device)
        h = _initial_states(model, 1, generator, device)
        states = []
        with torch.no_grad():
            for t in range(cfg.steps):
                h = model.step(h, x[t])
                states.append(h)
        states = torch.stack(states)  # (steps, 1, 1, 2N)
        counts = (states[..., : cfg.N] > model.threshold).sum(-1).view(-1)
        t = cfg.steps // 2 + int(counts[cfg.steps // 2 :].argmax())
        state, x_next = states[t], x[t + 1]
        jacobians = {}
        for g in cfg.gs:
            for reset in (True, False):
                net = build(g, reset)
                with torch.no_grad():
                    analytic = net.jacobian(state, x_next)[0, 0]
                autodiff = autodiff_jacobian(net, state, x_next)[0, 0].detach()
                jacobians[(g, reset)] = {"analytic": analytic.cpu(), "autodiff": autodiff.cpu()}
        return {"state": state[0, 0].cpu(), "input": x_next[0, 0].cpu(), "step": t + 1,
                "spikes": (state[0, 0, : cfg.N] > model.threshold).cpu(), "jacobians": jacobians,
                "run_spikes": (states[..., : cfg.N] > model.threshold).view(cfg.steps, cfg.N).cpu()}

    return cached("surrogate_flossing/fig04_lif_jacobian", {"scale": scale, "seed": seed, "device": device,
                                                            **asdict(cfg)}, compute)


@dataclass(frozen=True)
class Fig0708Config:
    """Figs 7 and 8: running estimates of surrogate Lyapunov exponents of LIF networks against time."""

    N: int  # neurons; 2N exponents (the paper: 64, so 128)
    n_in: int  # Poisson input channels
    rate: float  # input rate in Hz
    steps: int  # t_sim / dt (the paper: 1.5 s at 2 ms, 750 steps)
    runs: int  # networks in A, treatments of the fixed network in B (the paper: 10)
    conditions: tuple  # (g, t_ONS) pairs: Fig 7 (1, 1), Fig 8 (20, 20)
    indices: tuple  # 1-based exponents to follow (the paper: 1, 26, 52, 77, 103, 128)


FIG07_08 = {
    "smoke": Fig0708Config(N=8, n_in=100, rate=20.0, steps=60, runs=3, conditions=((1.0, 1), (20.0, 20)),
                              indices=(1, 4, 8, 12, 16)),
    "book": Fig0708Config(N=64, n_in=100, rate=20.0, steps=750, runs=10, conditions=((1.0, 1), (20.0, 20)),
                             indices=(1, 26, 52, 77, 103, 128)),
    "paper": Fig0708Config(N=64, n_in=100, rate=20.0, steps=750, runs=10, conditions=((1.0, 1), (20.0, 20)),
                              indices=(1, 26, 52, 77, 103, 128)),
}


def fig07_08(scale: str = "book", seed: int = 0, device: str = "cpu") -> dict:
    """Running surrogate Lyapunov exponents for each ``(g, t_ONS)`` of the config, with and without the
    reset term in the backward pass, for the paper's two panels:

    * ``"A"``: ``runs`` networks, each with its own weights, input, initial state and tangent basis;
    * ``"B"``: network 0 of A, ``runs`` times, each time with its own input, initial state and basis.

    Each panel is one ensemble in one :func:`lyapunov_spectrum` call (float64, no transient). Returns
    ``{"rate", "results": {(g, t_ons, reset): {"steps", panel: {"running", "exponents"}}}}`` with ``steps``
    ``(n_ons,)`` the steps behind each running estimate, ``running`` ``(n_ons, runs, len(indices))`` and
    ``exponents`` ``(runs, 2N)``, in units of 1/step; ``rate`` is the fraction of
    neuron-steps with a spike in each panel's runs, ``{panel: (runs,)}`` (the forward pass does not depend on
    g or on the reset mode).
    """
    cfg = FIG07_08[scale]
    columns = [i - 1 for i in cfg.indices]

    def compute():
        generator = torch.Generator().manual_seed(seed)
        networks = LIFNetwork(cfg.N, cfg.n_in, ensemble=cfg.runs, generator=generator, dtype=F64).to(device)
        panels = {"A": networks, "B": networks.member(0).repeated(cfg.runs)}
        drives = {}
        for panel, model in panels.items():
            x = poisson_spikes(cfg.steps, cfg.runs, 1, cfg.n_in, cfg.rate, model.dt, generator, device)
            h0 = _initial_states(model, cfg.runs, generator, device)
            Q0 = random_orthonormal(cfg.runs, 1, 2 * cfg.N, 2 * cfg.N, dtype=F64, device=device, generator=generator)
            drives[panel] = (x, h0, Q0)
        results, rate = {}, {}
        for g, t_ons in cfg.conditions:
            for reset in (True, False):
                out = {}
                for panel, model in panels.items():
                    model = _with_surrogate(model, g, reset)
                    x, h0, Q0 = drives[panel]
                    with torch.no_grad():
                        spectrum = lyapunov_spectrum(model, h0, x, t_ons=t_ons, Q0=Q0)
                    out[panel] = {"running": spectrum.running[:, :, 0, columns].cpu(),
                                  "exponents": spectrum.exponents[:, 0].cpu()}
                out["steps"] = spectrum.steps
                results[(g, t_ons, reset)] = out
        for panel, model in panels.items():
            rate[panel] = _spike_fraction(model, *drives[panel][:2])
        return {"rate": rate, "results": results}

    return cached("surrogate_flossing/fig07_08_lif_convergence",
                  {"scale": scale, "seed": seed, "device": device, **asdict(cfg)}, compute)


def _with_surrogate(model: LIFNetwork, g: float, reset: bool) -> LIFNetwork:
    """The same weights with the paper's ``phi'_g`` (fast sigmoid at sharpness ``g / 2``) and reset mode."""
    variant = copy.deepcopy(model)
    variant.surrogate = surrogate.get(model.surrogate.name, sharpness=g / 2)
    variant.reset_in_backward = reset
    return variant


@torch.no_grad()
def _spike_fraction(model: LIFNetwork, x: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
    """Fraction of neuron-steps with a spike along the run driven by ``x`` from ``h0``, per member ``(R,)``."""
    h, total = h0, 0.0
    for x_t in x:
        h = model.step(h, x_t)
        total = total + model.spikes(h).mean(dim=(1, 2))
    return (total / x.shape[0]).cpu()
