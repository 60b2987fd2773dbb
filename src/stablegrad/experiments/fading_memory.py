"""Runs behind the fading-memory paper's figures and tables (Dubinin & Effenberger): weakly coupled residual
networks trained on sequential MNIST, the adding problem and sequential CIFAR-10, and their diagnostics
before training (exponent trajectories, Hessian spectrum, backward gradient norms).

The paper's recipe: 100 units, SGD with momentum 0.9, batch 128, 5 instances (here one ensemble), PyTorch's
default initialisation, readout on the last state, cross-entropy (classification) or RMS (adding). The paper
gives no learning rate; Fig B.2 shows eta = 0.1 and 0.01 and calls 0.1 unstable with gamma = 0.01. A pilot on
sMNIST (r = 0.97, 0.995, 1.0, 1.01, gamma = 0.01, 600 iterations, one instance each) first chose 0.1 by the mean
best test accuracy over the four networks (29 % against 25 %), but in the book's own runs both r = 0.995
instances diverged at 0.1 (training loss from 2.4 to 50-90 within 100 iterations) where the pilot's 0.01 run had
learned (60 %) without diverging; so ``LR = 0.01``, the paper's stable rate. No other rate was tried.
Choices of this book where the paper is silent, all parameters of
:func:`run`: the state starts at zero; the instances of one run see the same batches; an adding-problem
"epoch" is 50 000 fresh samples; the test set is scored every ``eval_every`` iterations, so the iterations
to minimal performance are known to that resolution.
"""
import functools
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .._validation import check_data_label, check_positive_ints, check_scale
from ..models.residuals import INFORMED
from ..models.residuals import residual as make_residual
from ..models.wcrnn import WCRNN
from ..tangent import hessian_eigenvalues, lyapunov_spectrum, state_gradient_norms
from ..training import clip_per_member

__all__ = ["ADD_TASKS", "DELTA_R", "DIAGNOSTICS", "FIG02_R", "FIG04_EPOCHS_SCALE", "FIG05_R0", "FIG06_PHI",
           "FIG06_R", "LEARNED_ACCURACY", "LR", "LSTM_UNITS", "MINIMAL_PERFORMANCE", "PHI_C", "PHI_GRID",
           "RITZ_TOLERANCE", "R_GRID", "SIZES", "TABLE_MODELS", "TABLE_TASKS", "TASKS", "converged", "diagnose",
           "diagnostics", "fig03_configs", "fig04_configs", "fig05_configs", "fig06_configs", "grid", "instability",
           "iterations_to", "load_task", "network", "power_spectrum", "run", "summary",
           "supplementary_configs", "table_configs", "train"]

#: Units of the LSTM baseline: about 10k parameters on MNIST, as the paper's (Table 2).
LSTM_UNITS = 47
#: Default learning rate (see the module docstring).
LR = 0.01
#: The tasks: sequential and permuted sequential MNIST, the adding problem of four lengths, grayscale sCIFAR10.
TASKS = ("smnist", "psmnist", "add100", "add200", "add400", "add800", "scifar")
#: The paper's minimal performance: 50 % test accuracy (classification) and 0.05 RMS (adding).
MINIMAL_PERFORMANCE = {"accuracy": 50.0, "rms": 0.05}

#: Sizes per scale: units, instances (ensemble members), batch, training iterations per task family, test
#: samples, evaluation interval, and the diagnostics' batch and Lanczos iterations.
SIZES = {
    "smoke": dict(n_hidden=16, instances=2, batch=16, iterations={"mnist": 4, "add": 6, "scifar": 3}, test=48,
                  eval_every=2, diagnostic_batch=8, lanczos=6),
    "book": dict(n_hidden=100, instances=2, batch=128, iterations={"mnist": 600, "add": 2000, "scifar": 200},
                 test=1000, eval_every=50, diagnostic_batch=128, lanczos=40),
    "paper": dict(n_hidden=100, instances=5, batch=128,
                  iterations={"mnist": 200 * 469, "add": 150 * 391, "scifar": 200 * 391}, test=10_000,
                  eval_every=469, diagnostic_batch=1000, lanczos=100),
}


def _family(task: str) -> str:
    return "add" if task.startswith("add") else "scifar" if task == "scifar" else "mnist"


@dataclass(frozen=True)
class TaskData:
    """A task as training sees it: a batch sampler, a fixed test set and its scoring.

    ``metric`` is ``"accuracy"`` (per cent, higher is better) or ``"rms"`` (lower is better).
    """

    name: str
    n_in: int
    n_out: int
    metric: str
    sample: Callable  # (generator, batch) -> (x (B, T, n_in), y)
    test: tuple
    standin: bool = False
    message: str = ""

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Per-member training loss ``(E,)`` of outputs ``(E, B, n_out)``: cross-entropy or RMS."""
        if self.metric == "accuracy":
            E = outputs.shape[0]
            return F.cross_entropy(outputs.flatten(0, 1), targets.repeat(E), reduction="none").view(E, -1).mean(1)
        return (outputs - targets).pow(2).flatten(1).mean(1).sqrt()

    def score(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Per-member test score ``(E,)``: accuracy in per cent or RMS error; NaN for a member with any
        non-finite output (a diverged network has no accuracy)."""
        diverged = ~torch.isfinite(outputs).flatten(1).all(1)
        if self.metric == "accuracy":
            score = 100 * (outputs.argmax(-1) == targets).float().mean(1)
        else:
            score = self.loss(outputs, targets)
        return score.masked_fill(diverged, math.nan)


@functools.lru_cache(maxsize=4)
def _mnist(split: str):
    from ..tasks.mnist import load_mnist

    return load_mnist(split)


def load_task(task: str, *, test: int, root=None) -> TaskData:
    """The task ``task`` (one of :data:`TASKS`) with ``test`` test samples (the first of the test split; for
    the adding problem, a fixed draw)."""
    from ..tasks.adding import adding_problem
    from ..tasks.mnist import sequential

    if task not in TASKS:
        raise ValueError(f"load_task: task must be one of {TASKS}, got {task!r}")
    check_positive_ints("load_task", test=test)
    if task.startswith("add"):
        length = int(task[3:])
        x, y = adding_problem(test, length, generator=torch.Generator().manual_seed(12345))
        return TaskData(task, 2, 1, "rms", lambda g, b: adding_problem(b, length, generator=g), (x, y))
    if task == "scifar":
        from ..tasks.cifar import load_cifar10_gray

        train, held = load_cifar10_gray("train", root=root), load_cifar10_gray("test", root=root, limit=test)
        return TaskData(task, 1, 10, "accuracy", _sampler(train.images, train.labels),
                        (held.images, held.labels), train.standin, train.message)
    permute = task == "psmnist"
    images, labels = _mnist("train")
    test_images, test_labels = _mnist("test")
    return TaskData(task, 1, 10, "accuracy", _sampler(sequential(images, permute), labels),
                    (sequential(test_images[:test], permute), test_labels[:test]))


def _sampler(x: torch.Tensor, y: torch.Tensor) -> Callable:
    """Batches drawn uniformly without replacement within each pass over ``(x, y)``."""
    state = {"order": torch.empty(0, dtype=torch.long)}

    def sample(generator, batch):
        if len(state["order"]) < batch:
            state["order"] = torch.cat([state["order"], torch.randperm(len(x), generator=generator)])
        index, state["order"] = state["order"][:batch], state["order"][batch:]
        return x[index], y[index]

    return sample


class _LSTMs(torch.nn.Module):
    """``E`` PyTorch LSTMs with a linear readout of the last hidden state, default initialisation: the
    paper's LSTM baseline (47 units, about 10k parameters on MNIST)."""

    def __init__(self, n_hidden: int, n_in: int, n_out: int, ensemble: int):
        super().__init__()
        self.lstms = torch.nn.ModuleList(torch.nn.LSTM(n_in, n_hidden, batch_first=True) for _ in range(ensemble))
        self.readouts = torch.nn.ModuleList(torch.nn.Linear(n_hidden, n_out) for _ in range(ensemble))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return torch.stack([read(lstm(inputs)[0][:, -1]) for lstm, read in zip(self.lstms, self.readouts)])


def network(n_in: int, n_out: int, *, model: str = "wcrnn", residual: Optional[dict] = None,
            gamma: Union[float, str] = 0.01, kind: str = "linear", nonlinearity: str = "tanh",
            train_residual: bool = False, n_hidden: int = 100, instances: int = 1, seed: int = 0):
    """``instances`` networks as one ensemble, initialised from ``seed``.

    ``model="wcrnn"``: a :class:`~stablegrad.models.WCRNN` with the residual ``residual`` (a dictionary:
    ``kind`` of :func:`~stablegrad.models.residuals.residual` and its parameters; random families draw one
    matrix per instance) and coupling ``gamma`` (a number, or ``"informed"``: per unit from
    :data:`~stablegrad.models.residuals.INFORMED`). ``model="lstm"``: :class:`torch.nn.LSTM` baselines of
    ``n_hidden`` units.
    """
    generator = torch.Generator().manual_seed(seed)
    if model == "lstm":
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return _LSTMs(n_hidden, n_in, n_out, instances)
    if model != "wcrnn":
        raise ValueError(f"network: model must be 'wcrnn' or 'lstm', got {model!r}")
    spec = dict(residual or {"kind": "identity", "r": 1.0})
    kind_of_residual = spec.pop("kind", None)
    R = torch.stack([make_residual(kind_of_residual, n_hidden, generator=generator, **spec) for _ in range(instances)])
    if gamma == "informed":
        low, high = INFORMED["gamma"]
        gamma = low + (high - low) * torch.rand(instances, n_hidden, generator=generator)
    elif isinstance(gamma, str):
        raise ValueError(f"network: gamma must be a positive number or 'informed', got {gamma!r}")
    return WCRNN(n_hidden, n_in, n_out, residual=R, gamma=gamma, kind=kind, nonlinearity=nonlinearity,
                 train_residual=train_residual, ensemble=instances, generator=generator)


def _evaluate(net, data: TaskData, device, chunk: int = 500) -> torch.Tensor:
    x, y = data.test
    with torch.no_grad():
        outputs = torch.cat([net(x[i:i + chunk].to(device)) for i in range(0, len(x), chunk)], 1)
    return data.score(outputs, y.to(device)).cpu()


def train(net, data: TaskData, *, iterations: int, lr: float = LR, momentum: float = 0.9, batch: int = 128,
          clip: Optional[float] = None, eval_every: int = 25, seed: int = 0, device="cpu",
          progress: bool = True) -> dict:
    """SGD with momentum on the sum of the members' losses (so each member follows its own run) and the test
    score every ``eval_every`` iterations (and before training). ``clip`` bounds each member's gradient norm
    per parameter array. Returns ``iteration`` ``(n,)``, ``score`` ``(n, E)``, ``train_loss``
    ``(iterations, E)`` and ``seconds`` of training."""
    check_positive_ints("train", iterations=iterations, batch=batch, eval_every=eval_every)
    if not lr > 0 or not 0 <= momentum < 1:
        raise ValueError(f"train: lr must be positive and momentum in [0, 1), got lr={lr!r}, momentum={momentum!r}")
    net = net.to(device)
    optimiser = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(10_000 + seed)
    marks, scores, losses, seconds = [0], [_evaluate(net, data, device)], [], 0.0
    for it in tqdm(range(1, iterations + 1), desc=data.name, disable=not progress, leave=False):
        start = time.perf_counter()
        x, y = data.sample(generator, batch)
        loss = data.loss(net(x.to(device)), y.to(device))
        optimiser.zero_grad()
        loss.sum().backward()
        if clip is not None:
            clip_per_member(net.parameters(), clip)
        optimiser.step()
        seconds += time.perf_counter() - start
        losses.append(loss.detach().cpu())
        if it % eval_every == 0 or it == iterations:
            marks.append(it)
            scores.append(_evaluate(net, data, device))
    return {"iteration": torch.tensor(marks), "score": torch.stack(scores), "train_loss": torch.stack(losses),
            "seconds": seconds}


def run(task: str, *, model: str = "wcrnn", residual: Optional[dict] = None, gamma: Union[float, str] = 0.01,
        kind: str = "linear", nonlinearity: str = "tanh", train_residual: bool = False,
        clip: Optional[float] = None, lr: float = LR, epochs_scale: float = 1.0, seed: int = 0,
        scale: str = "book", sizes: Optional[dict] = None, root: Optional[str] = None, device: str = "cpu",
        data: str = "") -> dict:
    """One training run of the paper's figures and tables: ``SIZES[scale]["instances"]`` networks (see
    :func:`network`) trained on ``task``. ``epochs_scale`` shortens or lengthens the training (Fig 4 trains
    for a quarter of Fig 3's epochs); ``sizes`` overrides entries of :data:`SIZES` ``[scale]``; ``data`` only
    labels the run (see :func:`grid`). Returns :func:`train`'s history, the trained ``state`` (on the CPU),
    the task's ``metric`` and the data's ``standin`` flag and ``message``."""
    check_scale("run", scale)
    unknown = set(sizes or {}) - set(SIZES[scale])
    if unknown:
        raise ValueError(f"run: sizes may set {sorted(SIZES[scale])}, got {sorted(unknown)}")
    size = {**SIZES[scale], **(sizes or {})}
    if not epochs_scale > 0:
        raise ValueError(f"run: epochs_scale must be positive, got {epochs_scale!r}")
    task_data = load_task(task, test=size["test"], root=root)
    check_data_label("run", data, task_data.standin)
    n_hidden = LSTM_UNITS if model == "lstm" else size["n_hidden"]
    net = network(task_data.n_in, task_data.n_out, model=model, residual=residual, gamma=gamma, kind=kind,
                  nonlinearity=nonlinearity, train_residual=train_residual, n_hidden=n_hidden,
                  instances=size["instances"], seed=seed)
    iterations = max(1, round(size["iterations"][_family(task)] * epochs_scale))
    history = train(net, task_data, iterations=iterations, lr=lr, batch=size["batch"], clip=clip,
                    eval_every=size["eval_every"], seed=seed, device=device, progress=False)
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    return {**history, "state": state, "metric": task_data.metric, "standin": task_data.standin,
            "message": task_data.message}


def grid(configs: list, *, scale: str = "book", root: Optional[str] = None, device: str = "cpu",
         workers: int = 1, executor=None, progress: bool = True) -> list:
    """:func:`run` for every configuration, each cached under all of :func:`run`'s arguments (defaults and
    sizes included; for sCIFAR10 whether the real files or the stand-in were read) and resumed after an
    interruption; ``workers`` processes of this machine, or any ``executor``, run the cells (see
    :mod:`stablegrad.sweeps`)."""
    from ..sweeps import run_grid, with_defaults
    from ..tasks.cifar import FILES, FOLDER, STANDIN_VERSION
    from ..tasks.neuromorphic import default_root

    check_scale("grid", scale)
    base = default_root() if root is None else Path(root)
    real = all((base / FOLDER / f).is_file() for files in FILES.values() for f in files)
    cifar = "real" if real else f"stand-in-v{STANDIN_VERSION}"
    full = []
    for c in configs:
        cell = with_defaults(run, {"scale": scale, "root": None if root is None else str(root), "device": device,
                                   **c})
        cell["sizes"] = {**SIZES[scale], **(c.get("sizes") or {})}
        if cell["task"] == "scifar":
            cell["data"] = cifar
        full.append(cell)
    return run_grid("fading_memory/run", run, full, workers=workers, executor=executor, progress=progress)


def iterations_to(result: dict, threshold: Optional[float] = None) -> torch.Tensor:
    """Per member, the first evaluated iteration whose test score reaches minimal performance (``threshold``,
    default :data:`MINIMAL_PERFORMANCE` of the run's metric); the last iteration where it never does (the
    paper's rule)."""
    metric = result["metric"]
    threshold = MINIMAL_PERFORMANCE[metric] if threshold is None else threshold
    scores = result["score"]
    reached = scores >= threshold if metric == "accuracy" else scores <= threshold  # NaN never reaches
    last = result["iteration"][-1]
    first = torch.where(reached, result["iteration"].unsqueeze(1), torch.full_like(scores, math.inf))
    return torch.where(reached.any(0), first.min(0).values, last.to(scores.dtype))


def summary(result: dict) -> dict:
    """Per member: the ``best`` test score during training (highest accuracy or lowest RMS, diverged
    evaluations ignored; NaN when every one diverged) and the ``iterations`` to minimal performance."""
    scores = result["score"]
    if result["metric"] == "accuracy":
        best = scores.nan_to_num(nan=-math.inf).max(0).values
    else:
        best = scores.nan_to_num(nan=math.inf).min(0).values
    return {"best": torch.where(best.isfinite(), best, torch.nan), "iterations": iterations_to(result)}


def instability(result: dict) -> torch.Tensor:
    """Per member, the largest setback of the test score below its best so far: accuracy points lost, or for
    RMS the decades ``log10(score / best so far)`` gained; a diverged evaluation (NaN) counts as a total
    setback (100 points, or ``inf``). Zero for a run that only ever improved."""
    scores = result["score"]
    if result["metric"] == "accuracy":
        filled = scores.nan_to_num(nan=0.0)
        return (filled.cummax(0).values - filled).max(0).values
    filled = scores.nan_to_num(nan=math.inf).log10()
    return (filled - (-(-filled).cummax(0).values)).max(0).values.nan_to_num(nan=math.inf, posinf=math.inf)

#: What :func:`diagnose` can compute.
DIAGNOSTICS = ("running", "hessian", "grad_norms")
#: A Hessian Ritz value counts as converged when its error bound is below this fraction of its magnitude.
RITZ_TOLERANCE = 0.1


def converged(check: dict) -> torch.Tensor:
    """Which Hessian Ritz values ``(E, m)`` of a :func:`diagnose` result have converged (see
    :data:`RITZ_TOLERANCE`); a diverged member's values have not."""
    return check["hessian_bound"] <= RITZ_TOLERANCE * check["hessian"].abs()


def diagnose(task: str, *, residual: Optional[dict] = None, gamma: Union[float, str] = 0.01, kind: str = "linear",
             trained: bool = False, parts: tuple = DIAGNOSTICS, exponents: int = 20, seed: int = 0, scale: str = "book",
             sizes: Optional[dict] = None, root: Optional[str] = None, device: str = "cpu") -> dict:
    """The paper's diagnostics of the networks of one :func:`run` on test data of ``task``, before training or,
    with ``trained``, after it (the run is computed or read from the cache of :func:`grid`):

    - ``running``: ``(T, E, exponents)`` running estimates of ``exponents`` randomly chosen Lyapunov exponents
      (log diag R of the QR steps, averaged up to step t) along the first test sequence (Figs 2B, 5B, B.1);
    - ``hessian``: ``(E, m)`` Lanczos Ritz values of the loss Hessian on a test batch, by magnitude (Figs 2C, 5C),
      and ``hessian_bound``, their error bounds (see :class:`~stablegrad.tangent.RitzValues`);
    - ``grad_norms``: ``(T, E)`` batch mean of ``||dL/dx_t||_inf`` over the sequence (Figs 2D, 5D);
    - ``log_residual``: ``(E, N)`` sorted ``log |eig R|``, the exponents eq. 13 predicts.

    ``parts`` selects which of the first three to compute (a subset of :data:`DIAGNOSTICS`).
    """
    check_scale("diagnose", scale)
    if not parts or set(parts) - set(DIAGNOSTICS):
        raise ValueError(f"diagnose: parts must be a non-empty subset of {DIAGNOSTICS}, got {parts!r}")
    size = {**SIZES[scale], **(sizes or {})}
    data = load_task(task, test=max(size["diagnostic_batch"], 1), root=root)
    net = network(data.n_in, data.n_out, residual=residual, gamma=gamma, kind=kind, n_hidden=size["n_hidden"],
                  instances=size["instances"], seed=seed)
    if trained:
        config = dict(task=task, residual=residual, gamma=gamma, kind=kind, seed=seed, sizes=sizes)
        net.load_state_dict(grid([config], scale=scale, root=root, device=device, progress=False)[0]["state"])
    net = net.to(device)
    x, y = (t.to(device) for t in data.test)
    N = size["n_hidden"]
    pick = torch.randperm(N, generator=torch.Generator().manual_seed(seed))[:exponents].sort().values
    out = {"picked": pick}
    with torch.no_grad():
        out["log_residual"] = torch.linalg.eigvals(net.R.detach().double()).abs().log().sort(dim=-1,
                                                                                          descending=True).values.cpu()
    alive = torch.stack([torch.isfinite(p.detach()).flatten(1).all(1) for p in net.parameters()]).all(0)
    if not alive.all():  # diverged members (trained networks only) get NaN diagnostics
        T, E = x.shape[1], len(alive)
        if not alive.any():
            shapes = {"running": (T, E, len(pick)), "hessian": (E, size["lanczos"]),
                      "hessian_bound": (E, size["lanczos"]), "grad_norms": (T, E)}
            return {**out, **{k: torch.full(shape, math.nan) for k, shape in shapes.items()
                              if k.removesuffix("_bound") in parts}}
        living = _diagnose_members(net.subset(alive.nonzero().squeeze(1)), data, x, y, parts, pick, size, seed)
        return {**out, **{k: _scatter(v, alive, dim=0 if k.startswith("hessian") else 1)
                          for k, v in living.items()}}
    return {**out, **_diagnose_members(net, data, x, y, parts, pick, size, seed)}


def _scatter(values: torch.Tensor, alive: torch.Tensor, dim: int) -> torch.Tensor:
    """``values`` of the living members placed along ``dim`` of a NaN tensor with one slot per member."""
    shape = list(values.shape)
    shape[dim] = len(alive)
    out = torch.full(shape, math.nan, dtype=values.dtype)
    index = [slice(None)] * len(shape)
    index[dim] = alive.cpu()
    out[tuple(index)] = values
    return out


def _diagnose_members(net, data: TaskData, x, y, parts, pick, size: dict, seed: int) -> dict:
    """The ``parts`` of :func:`diagnose` for a network whose every member is finite."""
    out = {}
    if "running" in parts:
        with torch.no_grad():
            spectrum = lyapunov_spectrum(net, net.initial_state(1), x[:1].movedim(1, 0).unsqueeze(1),
                                         generator=torch.Generator().manual_seed(seed))
        out["running"] = spectrum.running[:, :, 0, pick].cpu()
    if "hessian" in parts:
        ritz = hessian_eigenvalues(lambda: data.loss(net(x), y).sum(), list(net.parameters()),
                                   iterations=size["lanczos"], generator=torch.Generator().manual_seed(seed))
        out["hessian"], out["hessian_bound"] = ritz.values.cpu(), ritz.bounds.cpu()
    if "grad_norms" in parts:
        states = net.states(x).detach()
        last = states[-1].requires_grad_(True)
        grad_last = torch.autograd.grad(data.loss(net.readout(last), y).sum(), last)[0]
        with torch.no_grad():
            norms = state_gradient_norms(net, states, x.movedim(1, 0).unsqueeze(1), grad_last)
        out["grad_norms"] = norms.mean(-1).cpu()
    return out


def diagnostics(configs: list, *, scale: str = "book", root: Optional[str] = None, device: str = "cpu",
                workers: int = 1, executor=None, progress: bool = True) -> list:
    """:func:`diagnose` for every configuration, cached like :func:`grid`."""
    from ..sweeps import run_grid, with_defaults

    check_scale("diagnostics", scale)
    full = [with_defaults(diagnose, {"scale": scale, "root": None if root is None else str(root), "device": device,
                                     **c}) for c in configs]
    # (the folder name changed when the Hessian's error bounds joined the results: older files lack them)
    return run_grid("fading_memory/diagnostics", diagnose, full, workers=workers, executor=executor,
                    progress=progress)


def power_spectrum(task: str, samples: int = 1000) -> tuple:
    """Average power spectrum of the first ``samples`` test sequences of ``task`` (each sequence's mean
    removed): ``(angular frequencies in rad/step (F,), power (F,))``, for the characteristic frequency
    ``2 pi / 28`` of sMNIST (Fig 4)."""
    x = load_task(task, test=samples).test[0][..., 0].double()
    x = x - x.mean(1, keepdim=True)
    power = torch.fft.rfft(x, dim=1).abs().pow(2).mean(0)
    return 2 * math.pi * torch.fft.rfftfreq(x.shape[1]), power


#: A mean best test accuracy (%) above twice chance on the ten MNIST classes: the network learned something.
#: Below it, which setting scores best and how far a score falls back are noise around a near-constant guess,
#: so the pages judge accuracy orderings and instability only among networks above it.
LEARNED_ACCURACY = 20.0
#: Fig 2's four networks: strongly and weakly subcritical, critical (the paper's value) and strongly supercritical.
FIG02_R = (0.95, 0.995, 1.0025, 1.01)
#: Fig 3's residual strengths (the paper: r in [0.91, 1.02]) and adding-problem lengths per scale.
R_GRID = {"smoke": (0.95, 1.01), "book": (0.91, 0.95, 0.98, 0.995, 1.0025, 1.01, 1.02),
          "paper": (0.91, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 1.0, 1.0025, 1.005, 1.01, 1.02)}
ADD_TASKS = {"smoke": ("add100",), "book": ("add100", "add200"), "paper": ("add100", "add200", "add400", "add800")}
#: sMNIST's characteristic frequency: one period per image row of 28 pixels (rad/step).
PHI_C = 2 * math.pi / 28
#: Fig 4's rotation angles per scale (the characteristic frequency and its first harmonic always included).
PHI_GRID = {"smoke": (0.1, PHI_C), "book": (0.1, 0.16, PHI_C, 0.3, 0.37, 2 * PHI_C, 0.6),
            "paper": tuple(sorted({round(0.05 * k, 2) for k in range(1, 21)} | {PHI_C, 2 * PHI_C, 3 * PHI_C}))}
#: Fig 4 trains for 50 epochs, a quarter of Fig 3's 200; at ``book`` scale as long as Fig 3 (already short).
FIG04_EPOCHS_SCALE = {"smoke": 1.0, "book": 1.0, "paper": 0.25}
#: Fig 5: heterogeneous diagonal residuals around r0 = 0.96 with these spreads.
FIG05_R0 = 0.96
DELTA_R = {"smoke": (0.0, 0.1), "book": (0.0, 0.02, 0.06, 0.1), "paper": (0.0, 0.02, 0.04, 0.06, 0.08, 0.1)}


def fig03_configs(scale: str) -> list:
    """Fig 3 (and Fig 2A): ``r I`` residuals on the adding problem and on (permuted) sequential MNIST."""
    check_scale("fig03_configs", scale)
    tasks = ADD_TASKS[scale] + ("smnist", "psmnist")
    return [dict(task=t, residual={"kind": "identity", "r": r}) for t in tasks for r in R_GRID[scale]]


def fig04_configs(scale: str) -> list:
    """Fig 4: homogeneous rotational residuals (eq. 16) at every angle, sMNIST and psMNIST."""
    check_scale("fig04_configs", scale)
    return [dict(task=t, residual={"kind": "rotation", "phi": phi}, epochs_scale=FIG04_EPOCHS_SCALE[scale])
            for t in ("smnist", "psmnist") for phi in PHI_GRID[scale]]


def fig05_configs(scale: str) -> list:
    """Fig 5: heterogeneous diagonal residuals (eq. 17) around ``FIG05_R0`` on sMNIST."""
    check_scale("fig05_configs", scale)
    return [dict(task="smnist", residual={"kind": "diagonal", "r0": FIG05_R0, "delta_r": d}) for d in DELTA_R[scale]]


#: Fig 6: non-linear residuals of types A (eq. 18) and B (eq. 19) at these strengths and angles (sMNIST).
FIG06_R = {"smoke": (0.995,), "book": (0.95, 0.995, 1.0025, 1.01), "paper": R_GRID["paper"]}
FIG06_PHI = {"smoke": (PHI_C,), "book": (0.1, PHI_C, 0.37), "paper": PHI_GRID["paper"]}


def fig06_configs(scale: str) -> list:
    """Fig 6: types A and B with ``r I`` residuals and with homogeneous rotations, on sMNIST."""
    check_scale("fig06_configs", scale)
    rotations = [dict(residual={"kind": "rotation", "phi": phi}, epochs_scale=FIG04_EPOCHS_SCALE[scale])
                 for phi in FIG06_PHI[scale]]  # trained as long as Fig 4's linear networks
    return [dict(task="smnist", kind=k, **spec) for k in ("A", "B")
            for spec in [dict(residual={"kind": "identity", "r": r}) for r in FIG06_R[scale]] + rotations]


#: Tables 1-2: the networks compared (WCRNN_best is the informed heterogeneous WCRNN) and the tasks per scale.
TABLE_MODELS = {
    "Elman res+clip": dict(residual={"kind": "identity", "r": 1.0}, gamma=1.0, clip=1.0),
    "Elman wc": dict(residual={"kind": "informed"}, gamma="informed", kind="B", train_residual=True),
    "WCRNN best": dict(residual={"kind": "informed"}, gamma="informed"),
    "WCRNN no tanh": dict(residual={"kind": "informed"}, gamma="informed", nonlinearity="identity"),
    "LSTM": dict(model="lstm"),
}
TABLE_TASKS = {"smoke": ("smnist", "add100", "scifar"), "book": ("smnist", "psmnist", "add100", "add200", "scifar"),
               "paper": TASKS}


def table_configs(scale: str) -> dict:
    """Tables 1-2: ``{(model name, task): configuration}`` for every network of :data:`TABLE_MODELS`."""
    check_scale("table_configs", scale)
    return {(name, t): dict(task=t, **spec) for name, spec in TABLE_MODELS.items() for t in TABLE_TASKS[scale]}


def supplementary_configs(scale: str) -> dict:
    """Figs B.1-B.4: ``"B1"`` exponent diagnostics (before and after training) of Fig 2's strengths on the
    adding problems and psMNIST; ``"B2"`` learning rate x coupling on ADD100 (r = 0.995, this book's choice:
    the paper does not give r); ``"B3"`` the Hessian after training for a strongly subcritical and a critical
    network; ``"B4_norms"`` gradient norms for several rotation angles; ``"B4_orthogonal"`` random orthogonal
    against heterogeneous rotational residuals (phi_i ~ U[0, 2 pi]) on sMNIST."""
    check_scale("supplementary_configs", scale)
    strengths = [{"kind": "identity", "r": r} for r in FIG02_R]
    return {
        "B1": [dict(task=t, residual=res, trained=trained, parts=["running"])
               for t in ADD_TASKS[scale] + ("psmnist",) for res in strengths for trained in (False, True)],
        "B2": [dict(task="add100", residual={"kind": "identity", "r": 0.995}, lr=lr, gamma=gamma)
               for lr in (0.1, 0.01) for gamma in (0.01, 0.001)],
        "B3": [dict(task="smnist", residual={"kind": "identity", "r": r}, trained=True, parts=["hessian"])
               for r in (FIG02_R[0], FIG02_R[2])],
        "B4_norms": [dict(task="smnist", residual={"kind": "rotation", "phi": phi}, parts=["grad_norms"])
                     for phi in FIG06_PHI[scale]],
        "B4_orthogonal": [dict(task="smnist", residual={"kind": kind}) for kind in ("orthogonal",
                                                                                    "heterogeneous_rotation")],
    }
