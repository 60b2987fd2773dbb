"""Runs behind the EXODUS paper's figures (Bauer et al. 2023): SLAYER's gradient against the exact one.

Each ``figNN`` function takes a scale name, a seed and a device, runs (or loads from the results cache)
the experiment and returns plain tensors for the notebook to plot. Time is in steps of 1 ms.
"""
import math
import time
from dataclasses import asdict, dataclass
from typing import Optional

import torch
from tqdm.auto import tqdm

from .._validation import check_positive_ints
from ..optim import MemberAdam
from ..spiking import BACKWARDS, lif, simulate
from ..spiking.layers import single_exponential
from ..spiking.networks import loss_over_time, network, readout, table2
from ..store import cached

__all__ = ["FIG04", "CHI", "ChiConfig", "Fig04Config", "chi_deviation", "fig04", "spike_train_fitting",
           "FIG02", "Fig02Config", "fig02", "train_classifier"]


def _check_scale(scale: str, table: dict) -> None:
    if scale not in table:
        raise ValueError(f"scale must be one of {sorted(table)}, got {scale!r}")


@dataclass(frozen=True)
class Fig04Config:
    """Fig 4: fit one LIF output neuron's spike train through 25 hidden LIF neurons (§6.5)."""

    inputs: int  # Bernoulli input channels
    rate: float  # spike probability per channel and step
    steps: int  # T (ms)
    hidden: int
    target_spikes: int  # drawn uniformly in [T/5, T); collisions give fewer
    epochs: int
    runs: int  # input/target pairs per grid cell
    taus: tuple  # membrane time constants (ms)
    lrs: tuple  # Adam learning rates
    width: float  # of the single-exponential surrogate (the authors' code: 1)
    record_every: int  # epochs between recorded output rasters


FIG04 = {
    "smoke": Fig04Config(250, 0.1, 200, 25, 4, 30, 2, (4.0, 128.0), (1e-3, 1e-2), 1.0, 10),
    "book": Fig04Config(250, 0.1, 200, 25, 4, 3000, 5, (4.0, 22.6, 128.0), (1e-4, 1e-3, 1e-2), 1.0, 25),
    "paper": Fig04Config(250, 0.1, 200, 25, 4, 3000, 5, (4.0, 22.6, 128.0), (1e-4, 1e-3, 1e-2), 1.0, 25),
}


def _fitting_problems(cfg: Fig04Config, seed: int):
    """``runs`` input rasters ``(runs, T, inputs)``, targets ``(runs, T, 1)`` and initial weights, the
    latter drawn like ``nn.Linear`` without bias (uniform in +-1/sqrt(fan_in))."""
    gen = torch.Generator().manual_seed(seed)
    x = (torch.rand(cfg.runs, cfg.steps, cfg.inputs, generator=gen) < cfg.rate).float()
    target = torch.zeros(cfg.runs, cfg.steps, 1)
    times = torch.randint(cfg.steps // 5, cfg.steps, (cfg.runs, cfg.target_spikes), generator=gen)
    target.scatter_(1, times.unsqueeze(-1), 1.0)
    w1 = (2 * torch.rand(cfg.runs, cfg.inputs, cfg.hidden, generator=gen) - 1) / math.sqrt(cfg.inputs)
    w2 = (2 * torch.rand(cfg.runs, cfg.hidden, 1, generator=gen) - 1) / math.sqrt(cfg.hidden)
    return x, target, w1, w2


def spike_train_fitting(cfg: Fig04Config, backward: str, seed: int = 0, device="cpu", progress: bool = True) -> dict:
    """Train every (lr, tau, run) of the grid as one ensemble: per-member leak and learning rate, the
    summed loss's gradient is each member's own, so members are independent networks. The same inputs,
    targets and initial weights serve every backward pass.

    Returns ``loss`` ``(lr, tau, run, epochs)`` (MSE of output spikes against the target train),
    ``raster`` ``(lr, tau, run, records, T)`` of output spikes every ``record_every`` epochs and ``target``.
    """
    x, target, w1, w2 = (t.to(device) for t in _fitting_problems(cfg, seed))
    grid = (len(cfg.lrs), len(cfg.taus), cfg.runs)
    members = math.prod(grid)

    def per_member(t):  # (runs, ...) -> (members, ...), runs varying fastest
        return t.unsqueeze(0).expand(grid[0] * grid[1], *t.shape).reshape(members, *t.shape[1:])

    x, target = per_member(x), per_member(target)
    w1, w2 = (torch.nn.Parameter(per_member(w).clone()) for w in (w1, w2))
    alpha = torch.tensor([math.exp(-1 / tau) for tau in cfg.taus], device=device)
    alpha = alpha.view(1, -1, 1).expand(grid).reshape(members, 1)
    lr = torch.tensor(cfg.lrs, device=device).view(-1, 1, 1).expand(grid).reshape(members)
    optimiser = MemberAdam([w1, w2], lr=lr)
    sg = single_exponential(width=cfg.width)
    losses, rasters = [], []
    for epoch in tqdm(range(cfg.epochs), desc=f"Fig 4 {backward}", disable=not progress):
        hidden = lif(torch.bmm(x, w1), alpha=alpha, surrogate=sg, backward=backward)
        out = lif(torch.bmm(hidden, w2), alpha=alpha, surrogate=sg, backward=backward)
        loss = ((out - target) ** 2).mean(dim=(1, 2))
        optimiser.zero_grad()
        loss.sum().backward()
        optimiser.step()
        losses.append(loss.detach())
        if epoch % cfg.record_every == 0:
            rasters.append(out.detach()[..., 0].to(torch.uint8))
    return {"loss": torch.stack(losses, -1).cpu().view(*grid, -1),
            "raster": torch.stack(rasters, 1).cpu().view(*grid, len(rasters), cfg.steps),
            "target": target[: cfg.runs, :, 0].cpu()}


def fig04(scale: str = "book", seed: int = 0, device: str = "cpu", progress: bool = True) -> dict:
    """Fig 4 for EXODUS and SLAYER on the same problems: ``{"exodus": ..., "slayer": ..., "config": ...}``."""
    _check_scale(scale, FIG04)
    cfg = FIG04[scale]
    out = {"config": asdict(cfg)}
    for backward in ("exodus", "slayer"):
        config = {"scale": scale, "seed": seed, "device": device, "backward": backward, **asdict(cfg)}
        out[backward] = cached("exodus/fig04_spike_train_fitting", config,
                               lambda b=backward: spike_train_fitting(cfg, b, seed, device, progress))
    return out


@dataclass(frozen=True)
class ChiConfig:
    """§3.2.2: how far SLAYER's gradient is from the exact one as the surrogate's peak passes alpha/theta."""

    batch: int
    steps: int
    neurons: int
    alphas: tuple
    peaks: tuple  # surrogate peak in units of alpha / threshold
    drive: float  # mean input per step, in thresholds times (1 - alpha) (>1: the neurons spike)


CHI = {
    "smoke": ChiConfig(4, 100, 32, (1.0, 0.9), (0.25, 1.0, 4.0), 2.0),
    "book": ChiConfig(16, 250, 128, (1.0, 0.95, 0.8), tuple(2.0 ** k for k in range(-4, 5)), 2.0),
    "paper": ChiConfig(16, 250, 128, (1.0, 0.95, 0.8), tuple(2.0 ** k for k in range(-4, 9)), 2.0),
}


def chi_deviation(scale: str = "book", seed: int = 0, device: str = "cpu") -> dict:
    """Relative deviation ``|g_slayer - g_exact| / |g_exact|`` and cosine of the input gradients of one LIF
    layer under random spike-count losses, for single-exponential surrogates of several peaks.

    Returns, per ``(alpha, peak)``: ``deviation``, ``cosine``, the norms ``exact`` and ``slayer`` of the
    two gradients and ``negative``, the fraction of steps with a negative exact decay factor
    ``alpha - theta * sigma``; and the firing rate ``(alpha,)``.
    """
    _check_scale(scale, CHI)
    cfg = CHI[scale]

    def compute():
        gen = torch.Generator().manual_seed(seed)
        deviation, cosine, negative, exact_norm, slayer_norm = (
            torch.zeros(len(cfg.alphas), len(cfg.peaks)) for _ in range(5))
        rate = torch.zeros(len(cfg.alphas))
        for i, alpha in enumerate(cfg.alphas):
            mean = cfg.drive * max(1 - alpha, 0.02)
            z = (2 * mean * torch.rand(cfg.batch, cfg.steps, cfg.neurons, generator=gen)).to(device)
            weights = torch.randn(cfg.batch, cfg.steps, cfg.neurons, generator=gen).to(device)
            u, spikes = simulate(z, alpha=alpha)
            rate[i] = spikes.mean().cpu()
            for j, peak in enumerate(cfg.peaks):
                sg = single_exponential(scale=peak * alpha / 2)  # peak of scale 1 is 2 / threshold
                grads = {}
                for backward in ("exodus", "slayer"):
                    zz = z.clone().requires_grad_()
                    s = lif(zz, alpha=alpha, surrogate=sg, backward=backward)
                    (grads[backward],) = torch.autograd.grad((s * weights).sum(), zz)
                exact, slayer = grads["exodus"].flatten(), grads["slayer"].flatten()
                exact_norm[i, j], slayer_norm[i, j] = exact.norm().cpu(), slayer.norm().cpu()
                deviation[i, j] = ((slayer - exact).norm() / exact.norm()).cpu()
                cosine[i, j] = torch.nn.functional.cosine_similarity(slayer, exact, dim=0).cpu()
                negative[i, j] = (alpha - sg(u - 1.0) < 0).float().mean().cpu()
        return {"deviation": deviation, "cosine": cosine, "exact": exact_norm, "slayer": slayer_norm,
                "negative": negative, "rate": rate}

    config = {"scale": scale, "seed": seed, "device": device, **asdict(cfg)}
    return {"config": asdict(cfg), **cached("exodus/chi_deviation", config, compute)}


def _weight_layers(net: torch.nn.Module) -> list:
    return [m for m in net.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))]


def _batches(data, batch: int, generator=None):
    """Mini-batches ``(x, y)`` of ``data``: a pair of tensors, or a ``Dataset`` read through a ``DataLoader``
    (for sets too large to hold in memory); shuffled by ``generator`` when given, in the same order either
    way."""
    n = len(data[0]) if isinstance(data, tuple) else len(data)
    order = torch.arange(n) if generator is None else torch.randperm(n, generator=generator)
    if isinstance(data, tuple):
        for i in range(0, n, batch):
            yield data[0][order[i : i + batch]], data[1][order[i : i + batch]]
    else:
        yield from torch.utils.data.DataLoader(data, batch_size=batch, sampler=order.tolist())


def _accuracy(net, data, kind: str, batch: int, device) -> float:
    with torch.no_grad():
        correct = sum(int((readout(net(x.to(device)), kind).argmax(-1) == y.to(device)).sum())
                      for x, y in _batches(data, batch))
    return correct / (len(data[0]) if isinstance(data, tuple) else len(data))


def train_classifier(task: str, train, val, *, backward: str, scale: float = 1.0, epochs: int,
                     seed: int = 0, lr: Optional[float] = None, batch: Optional[int] = None, hidden: int = 128,
                     device="cpu", progress: bool = True) -> dict:
    """Train the Table 2 network of ``task`` on ``train`` with Adam and the paper's loss over time.

    ``train`` and ``val`` are pairs of tensors ``(x, y)`` or ``Dataset`` objects of ``(x, y)`` items (read
    batch by batch, for data sets that do not fit in memory; the batches are the same).

    The initial weights and the order of the mini-batches depend on ``seed`` only, so runs that differ in
    ``backward`` start from the same network and see the same batches. ``lr`` and ``batch`` default to
    Table 2. A step whose loss or gradient is not finite is skipped and counted. Returns per epoch:
    validation ``accuracy`` on ``val``, mean training ``loss``, ``grad_norm`` ``(epochs, layers)`` (the
    2-norm of each weight layer's gradient, averaged over the epoch's batches, input layer first), the
    number of ``skipped`` steps and the wall-clock ``seconds`` of the epoch's training steps.
    """
    row = table2(task)
    lr, batch = row.lr if lr is None else lr, row.batch if batch is None else batch
    check_positive_ints("train_classifier", epochs=epochs, batch=batch)
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"train_classifier: lr must be a positive number, got {lr!r}")
    with torch.random.fork_rng(devices=[]):  # the weights depend on seed only; the caller's RNG is untouched
        torch.manual_seed(seed)
        net = network(task, backward=backward, scale=scale, hidden=hidden).to(device)
    layers = _weight_layers(net)
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    order = torch.Generator().manual_seed(seed)
    history = {k: [] for k in ("accuracy", "loss", "grad_norm", "skipped", "seconds")}
    for _ in tqdm(range(epochs), desc=f"{task} {backward} scale {scale:g}", disable=not progress, leave=False):
        losses, norms, skipped = [], [], 0
        start = time.perf_counter()
        for x, y in _batches(train, batch, order):
            loss = loss_over_time(net(x.to(device)), y.to(device), row.readout)
            optimiser.zero_grad()
            loss.backward()
            norm = torch.stack([layer.weight.grad.norm() for layer in layers])
            if bool(torch.isfinite(norm).all()) and bool(torch.isfinite(loss)):
                optimiser.step()
                norms.append(norm)
                losses.append(loss.detach())
            else:
                skipped += 1
        if device != "cpu" and torch.cuda.is_available():
            torch.cuda.synchronize()
        history["seconds"].append(time.perf_counter() - start)
        history["skipped"].append(skipped)
        history["loss"].append(float(torch.stack(losses).mean()) if losses else math.nan)
        history["grad_norm"].append(torch.stack(norms).mean(0).cpu() if norms else torch.full((len(layers),), math.nan))
        history["accuracy"].append(_accuracy(net, val, row.readout, batch, device))
    return {"accuracy": torch.tensor(history["accuracy"]), "loss": torch.tensor(history["loss"]),
            "grad_norm": torch.stack(history["grad_norm"]), "skipped": torch.tensor(history["skipped"]),
            "seconds": torch.tensor(history["seconds"])}


@dataclass(frozen=True)
class Fig02Config:
    """Fig 2 and Tables 1, 3 for one task: accuracy curves at gradient scale 1, per-layer gradient norms
    over gradient scales, and the time per epoch of the three backward passes."""

    train: Optional[int]  # training samples (None: the whole split)
    val: Optional[int]  # validation samples
    epochs: int  # of the accuracy runs
    runs: int  # seeds of the accuracy runs, per backward pass
    scales: tuple  # gradient scales of the gradient-norm runs
    scale_epochs: int  # epochs of each gradient-norm run
    timed_epochs: int  # epochs timed back to back for each backward pass (BPTT included)
    hidden: int  # width of the fully connected stacks (Table 2: 128)


FIG02 = {
    "smoke": {"shd": Fig02Config(32, 16, 2, 1, (0.1, 1.0), 1, 1, 32),
              "ssc": Fig02Config(35, 16, 1, 1, (0.1, 1.0), 1, 1, 32),
              "dvs_gesture": Fig02Config(4, 4, 1, 1, (1.0,), 1, 1, 128)},
    "book": {"shd": Fig02Config(None, None, 30, 3, (0.01, 0.1, 0.5, 1.0), 3, 2, 128),
             "ssc": Fig02Config(None, None, 20, 2, (0.01, 0.1, 0.5, 1.0), 3, 2, 128),
             "dvs_gesture": Fig02Config(33, 22, 6, 1, (0.01, 0.1, 1.0), 1, 1, 128)},
    "paper": {"shd": Fig02Config(None, None, 200, 3, (0.01, 0.1, 0.5, 1.0), 10, 3, 128),
              "ssc": Fig02Config(None, None, 200, 3, (0.01, 0.1, 0.5, 1.0), 10, 3, 128),
              "dvs_gesture": Fig02Config(None, None, 100, 3, (0.01, 0.1, 0.5, 1.0), 10, 3, 128)},
}
VALIDATION_SPLIT = {"shd": "test", "ssc": "valid", "dvs_gesture": "test"}


def fig02(task: str, scale: str = "book", seed: int = 0, device: str = "cpu", root=None,
          progress: bool = True) -> dict:
    """Every run of Fig 2 for ``task`` on the data in ``root`` (the stand-in when it is absent), each run
    cached on its own so that an interrupted notebook resumes where it stopped.

    Returns ``curves[backward]`` (a list over seeds of :func:`train_classifier` results at gradient scale
    1), ``norms[(backward, scale)]`` (grad norms ``(scale_epochs, layers)`` of the first epochs, seed
    ``seed``), ``timing[backward]`` (seconds per epoch of ``timed_epochs`` epochs for each backward pass,
    run back to back in one process), and the data's ``standin`` flag, ``message``, ``sources`` and sizes.
    """
    from ..tasks.neuromorphic import load

    _check_scale(scale, FIG02)
    table2(task)  # a clear error for an unknown task
    cfg = FIG02[scale][task]
    train_set = load(task, "train", root=root, limit=cfg.train, seed=seed)
    val_set = load(task, VALIDATION_SPLIT[task], root=root, limit=cfg.val, seed=seed)
    data = {"standin": train_set.standin or val_set.standin, "sources": [train_set.source, val_set.source],
            "validation_split": VALIDATION_SPLIT[task], "data_seed": seed, "train": len(train_set),
            "val": len(val_set)}
    held = {}

    def in_memory(dataset):
        """Stacked tensors where they fit in 2 GiB, else the dataset itself (read batch by batch)."""
        size = len(dataset) * dataset.spec.steps * math.prod(dataset.spec.input_shape) * 4
        return dataset.tensors() if size < 2**31 else dataset

    def train(backward, gradient_scale, run_seed, epochs):
        if not held:
            held.update(train=in_memory(train_set), val=in_memory(val_set))
        return train_classifier(task, held["train"], held["val"], backward=backward, scale=gradient_scale,
                                epochs=epochs, seed=run_seed, hidden=cfg.hidden, device=device, progress=progress)

    def run(backward, gradient_scale, run_seed, epochs):
        config = {"task": task, "backward": backward, "gradient_scale": gradient_scale, "seed": run_seed,
                  "epochs": epochs, "hidden": cfg.hidden, "device": device, **data}
        return cached("exodus/fig02_classification", config, lambda: train(backward, gradient_scale, run_seed, epochs))

    jobs = [(b, 1.0, seed + r, cfg.epochs) for r in range(cfg.runs) for b in ("exodus", "slayer")]
    jobs += [(b, s, seed, cfg.scale_epochs) for s in cfg.scales if s != 1.0 for b in ("exodus", "slayer")]
    done = {job: run(*job) for job in tqdm(jobs, desc=f"Fig 2 {task}", disable=not progress)}
    timing = cached("exodus/fig02_timing", {"task": task, "seed": seed, "epochs": cfg.timed_epochs,
                                            "hidden": cfg.hidden, "device": device, **data},
                    lambda: {b: train(b, 1.0, seed, cfg.timed_epochs)["seconds"] for b in BACKWARDS})
    curves = {b: [done[(b, 1.0, seed + r, cfg.epochs)] for r in range(cfg.runs)] for b in ("exodus", "slayer")}
    norms = {(b, s): (curves[b][0] if s == 1.0 else done[(b, s, seed, cfg.scale_epochs)])["grad_norm"][: cfg.scale_epochs]
             for s in cfg.scales for b in ("exodus", "slayer")}
    message = train_set.message or val_set.message
    return {"config": asdict(cfg), "curves": curves, "norms": norms, "timing": timing, "message": message, **data}
