"""Runs behind the surrogate-design paper's figures (Herranz-Celotti & Rouat): recurrent spiking stacks
trained with surrogate gradients of several shapes, dampenings, sharpnesses and initialisations.

The training recipe is the paper's, with the details of the authors' code where the paper is silent:
AdaBelief (``pytorch_optimizer``, its defaults: no rectification, eps 1e-16) with the paper's decoupled
weight decay 0.1 (which the authors' code does not apply), learning rate 1e-3 and batch 32 (the code: 3.16e-4
and 256), each parameter's gradient clipped to norm 1 (the code clips per tensor; the paper does not say),
cross-entropy with label smoothing 0.1 at every time step, and the "mode accuracy": the class with the
largest logits summed over time. Stochastic weight averaging is left out:
the authors' code wraps the optimiser in SWA without ever swapping the averaged weights in, so their
numbers were obtained without it.
"""
import functools
import math
import time
from typing import Callable, Optional

import torch
from tqdm.auto import tqdm

from .._validation import check_data_label, check_positive_ints, check_scale
from ..models.spiking_stack import SpikingStack
from ..surrogate import Surrogate, get

__all__ = ["CONDITIONS", "FIG03", "FIG04_SEEDS", "SCHEMES", "SHAPES", "SHAPE_LABELS", "SIZES", "TASKS",
           "backward_mean_square", "fig02_configs", "fig03_configs", "fig04_configs", "fig05_configs", "grid",
           "lif_at_initialisation", "mode_accuracy", "reseeded", "run", "stand_in", "train_language_model",
           "train_stack"]


def mode_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of sequences whose logits ``(B, T, C)``, summed over time, are largest for the label."""
    return float((logits.sum(1).argmax(-1) == labels).float().mean())


def _evaluate(net, x, y, batch: int, smoothing: float) -> tuple:
    with torch.no_grad():
        losses, correct = [], 0.0
        for i in range(0, len(x), batch):
            logits = net(x[i : i + batch].float())
            labels = y[i : i + batch]
            losses.append(_loss(logits, labels, smoothing) * len(labels))
            correct += mode_accuracy(logits, labels) * len(labels)
    return float(torch.stack(losses).sum() / len(x)), correct / len(x)


def _loss(logits: torch.Tensor, labels: torch.Tensor, smoothing: float) -> torch.Tensor:
    """Cross-entropy at every time step against the sequence's label."""
    steps = logits.shape[1]
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1), labels.repeat_interleave(steps),
                                             label_smoothing=smoothing)


def train_stack(train: tuple, val: tuple, *, kind: str, surrogate: Surrogate, n_rec: int, epochs: int,
                seed: int = 0, lr: float = 1e-3, batch: int = 32, weight_decay: float = 0.1,
                smoothing: float = 0.1, clip: float = 1.0, initialise: Optional[Callable] = None,
                layer_kwargs: Optional[dict] = None, device="cpu", progress: bool = True) -> dict:
    """Train a :class:`~stablegrad.models.spiking_stack.SpikingStack` on ``train = (x, y)`` (``x`` ``(n, T,
    inputs)`` of any dtype, cast to float32 batch by batch so that a raster may be stored as uint8, ``y``
    class labels) and return per epoch the validation ``loss`` and ``accuracy`` (mode
    accuracy on ``val``), the training ``train_loss`` and the ``seconds`` of the training steps.

    ``initialise(net, generator)`` may set the weights (an initialisation scheme or the paper's
    conditions); the initial weights and the batches depend on ``seed`` only.
    """
    check_positive_ints("train_stack", n_rec=n_rec, epochs=epochs, batch=batch)
    _check_recipe("train_stack", lr, clip, weight_decay, smoothing)
    for name, (a, b) in (("train", train), ("val", val)):
        if a.dim() != 3 or b.dim() != 1 or len(a) != len(b) or b.is_floating_point():
            raise ValueError(f"train_stack: {name} must be (x (n, T, inputs), integer labels (n,)), got shapes "
                             f"{tuple(a.shape)} and {tuple(b.shape)} ({b.dtype})")
    (x, y), (x_val, y_val) = ((a.to(device), b.to(device)) for a, b in (train, val))
    classes = int(max(y.max(), y_val.max())) + 1
    with torch.random.fork_rng(devices=[]):  # the weights depend on seed only, the caller's RNG is untouched
        torch.manual_seed(seed)
        net = SpikingStack(kind, x.shape[-1], n_rec, classes, surrogate=surrogate, layer_kwargs=layer_kwargs)
    if initialise is not None:
        initialise(net, torch.Generator().manual_seed(2 * seed + 1))
    net = net.to(device)
    optimiser = _optimiser(net, lr, weight_decay)
    order = torch.Generator().manual_seed(2 * seed + 2)
    history = {k: [] for k in ("loss", "accuracy", "train_loss", "seconds")}
    for _ in tqdm(range(epochs), desc=f"{kind} {surrogate.name}", disable=not progress, leave=False):
        perm = torch.randperm(len(x), generator=order).to(device)
        losses = []
        start = time.perf_counter()
        for i in range(0, len(x), batch):
            index = perm[i : i + batch]
            loss = _loss(net(x[index].float()), y[index], smoothing)
            losses.append(_step(net, optimiser, loss, clip))
        history["seconds"].append(time.perf_counter() - start)
        history["train_loss"].append(float(torch.stack(losses).mean()))
        val_loss, val_accuracy = _evaluate(net, x_val, y_val, batch, smoothing)
        history["loss"].append(val_loss)
        history["accuracy"].append(val_accuracy)
    return {k: torch.tensor(v) for k, v in history.items()}


def _optimiser(net: torch.nn.Module, lr: float, weight_decay: float):
    from pytorch_optimizer import AdaBelief

    return AdaBelief(net.parameters(), lr=lr, weight_decay=weight_decay, weight_decouple=True)


def _step(net: torch.nn.Module, optimiser, loss: torch.Tensor, clip: float) -> torch.Tensor:
    """One update: each parameter's gradient clipped to norm ``clip`` on its own. Returns the loss."""
    optimiser.zero_grad()
    loss.backward()
    for p in net.parameters():
        if p.grad is not None:
            torch.nn.utils.clip_grad_norm_([p], clip)
    optimiser.step()
    return loss.detach()


def _check_recipe(owner: str, lr, clip, weight_decay, smoothing) -> None:
    for name, value in (("lr", lr), ("clip", clip)):
        if not value > 0:
            raise ValueError(f"{owner}: {name} must be positive, got {value!r}")
    if not (weight_decay >= 0 and 0 <= smoothing < 1):
        raise ValueError(f"{owner}: need weight_decay >= 0 and 0 <= smoothing < 1, got {weight_decay!r}, "
                         f"{smoothing!r}")


def train_language_model(train_ids: torch.Tensor, val_ids: torch.Tensor, *, kind: str, surrogate: Surrogate,
                         n_rec: int, epochs: int, bptt: int = 35, seed: int = 0, lr: float = 1e-3,
                         batch: int = 32, weight_decay: float = 0.1, smoothing: float = 0.1, clip: float = 1.0,
                         layer_kwargs: Optional[dict] = None, device="cpu", progress: bool = True) -> dict:
    """Train a :class:`~stablegrad.models.spiking_stack.SpikingLanguageModel` on next-word prediction
    (word ids from :func:`stablegrad.tasks.ptb.load_ptb`) with :func:`train_stack`'s recipe, in windows of
    ``bptt`` words cut by :func:`~stablegrad.tasks.ptb.batchify`, each window from rest.

    Returns per epoch the validation ``loss`` (the training objective, label-smoothed), the validation
    ``perplexity`` (exp of the plain cross-entropy per word), ``train_loss`` and ``seconds``.
    """
    from ..models.spiking_stack import SpikingLanguageModel
    from ..tasks.ptb import batchify

    check_positive_ints("train_language_model", n_rec=n_rec, epochs=epochs, batch=batch, bptt=bptt)
    _check_recipe("train_language_model", lr, clip, weight_decay, smoothing)
    vocabulary = int(max(train_ids.max(), val_ids.max())) + 1
    chunks = [(a.t().to(device), b.t().to(device)) for a, b in batchify(train_ids, batch, bptt)]
    val_chunks = [(a.t().to(device), b.t().to(device)) for a, b in batchify(val_ids, batch, bptt)]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = SpikingLanguageModel(kind, vocabulary, n_rec, surrogate=surrogate, layer_kwargs=layer_kwargs)
    net = net.to(device)
    optimiser = _optimiser(net, lr, weight_decay)
    history = {k: [] for k in ("loss", "perplexity", "train_loss", "seconds")}
    for _ in tqdm(range(epochs), desc=f"PTB {kind} {surrogate.name}", disable=not progress, leave=False):
        start = time.perf_counter()
        losses = [_step(net, optimiser, _word_loss(net(x), y, smoothing), clip) for x, y in chunks]
        history["seconds"].append(time.perf_counter() - start)
        history["train_loss"].append(float(torch.stack(losses).mean()))
        smoothed = plain = words = 0.0
        with torch.no_grad():
            for x, y in val_chunks:
                logits = net(x)
                smoothed += float(_word_loss(logits, y, smoothing)) * y.numel()
                plain += float(_word_loss(logits, y, 0.0)) * y.numel()
                words += y.numel()
        history["loss"].append(smoothed / words)
        history["perplexity"].append(math.exp(plain / words))
    return {k: torch.tensor(v) for k, v in history.items()}


def _word_loss(logits: torch.Tensor, targets: torch.Tensor, smoothing: float) -> torch.Tensor:
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten(), label_smoothing=smoothing)


def lif_at_initialisation(w_rec: torch.Tensor, w_in: torch.Tensor, z: torch.Tensor, *, alpha: float, thr: float,
                          reset: str = "subtractive") -> tuple:
    """Eq. 1 from rest (or B.7's multiplicative reset), time-major inputs ``z`` ``(T, B, n_in)``: the centred
    voltages ``y_t - thr`` and the recurrent and input currents ``W_rec x_{t-1}`` and ``W_in z_t``, each
    ``(T, B, n_rec)``. Row-vector convention (``x @ W``); ``w_rec``'s diagonal is used as given."""
    if reset not in ("subtractive", "multiplicative"):
        raise ValueError(f"lif_at_initialisation: reset must be 'subtractive' or 'multiplicative', got {reset!r}")
    y = z.new_zeros(z.shape[1], w_rec.shape[0])
    x = torch.zeros_like(y)
    ys, recurrent, inputs = [], [], []
    for t in range(z.shape[0]):
        r, i = x @ w_rec, z[t] @ w_in
        y = alpha * y + r + i - thr * x if reset == "subtractive" else alpha * (1 - x) * y + r + i
        x = (y > thr).to(y.dtype)
        ys.append(y)
        recurrent.append(r)
        inputs.append(i)
    return torch.stack(ys) - thr, torch.stack(recurrent), torch.stack(inputs)


def backward_mean_square(w_rec: torch.Tensor, v: torch.Tensor, *, alpha: float, thr: float, surrogate: Surrogate,
                         detach_reset: bool = False, burn: int = 50, generator=None) -> torch.Tensor:
    """The mean square of a random vector sent back through the linearised backward pass of eq. 1,
    ``d_{t-1} = alpha d_t + sigma'(v_{t-1}) (d_t W_rec^T - thr d_t)``, from the last step of the voltages
    ``v`` ``(T, B, n)`` down to step ``burn``: one value per step, the last step first (conditions III/IV
    ask it to stay flat)."""
    if not 0 <= burn < v.shape[0] - 1:
        raise ValueError(f"backward_mean_square: burn must lie in [0, T - 1) for T = {v.shape[0]}, got {burn!r}")
    d = torch.randn(v.shape[1], v.shape[2], generator=generator, dtype=v.dtype)
    out = [d.pow(2).mean()]
    for t in range(v.shape[0] - 1, burn, -1):
        d = alpha * d + surrogate(v[t - 1]) * (d @ w_rec.T - (0.0 if detach_reset else thr) * d)
        out.append(d.pow(2).mean())
    return torch.stack(out)


#: Data and network sizes per scale: ``train``/``val`` samples (PTB: words), ``epochs``, ``n_rec`` (LIF/ALIF
#: width; the sLSTM gets a quarter, the paper's 64 next to 256 on SHD) and, for PTB, the window ``bptt`` (the
#: paper gives none; 35 words is the common choice).
SIZES = {
    "smoke": {"shd": dict(train=40, val=20, epochs=1, n_rec=12),
              "sl_mnist": dict(train=64, val=32, epochs=1, n_rec=12),
              "ptb": dict(train=3000, val=1000, epochs=1, n_rec=12, bptt=20)},
    "book": {"shd": dict(train=160, val=80, epochs=4, n_rec=64),
             "sl_mnist": dict(train=3000, val=1000, epochs=4, n_rec=128),
             "ptb": dict(train=100_000, val=20_000, epochs=4, n_rec=128, bptt=35)},
    "paper": {"shd": dict(train=8156, val=2264, epochs=100, n_rec=256),
              "sl_mnist": dict(train=50_000, val=10_000, epochs=100, n_rec=128),
              "ptb": dict(train=929_589, val=73_760, epochs=100, n_rec=1300, bptt=35)},
}
TASKS = ("shd", "sl_mnist", "ptb")
#: Initialisation schemes of Fig 4: ``"<rule>_<distribution>"``.
SCHEMES = tuple(f"{rule}_{distribution}" for rule in ("glorot", "he", "orthogonal")
                for distribution in ("uniform", "gaussian", "bigamma"))


#: Fig 5's initialisations by the forward conditions: CI's recurrent mean, CII's recurrent variance, both
#: (CIII and CIV cannot be met together at these sizes; see the Fig 5 page).
CONDITIONS = ("ci", "cii", "ci_cii")


def _scheme(name: str, z_mean: float = 0.5, z_var: float = 0.25) -> Callable:
    """An ``initialise(net, generator)`` that redraws every LIF layer's input and recurrent weights by the
    scheme ``name`` (one of :data:`SCHEMES` or :data:`CONDITIONS`). For the conditions, the input weights are
    Glorot uniform and the recurrent ones uniform with CI's mean and CII's variance (otherwise mean 0 and
    Glorot's variance); ``z_mean``/``z_var`` are the first layer's input statistics, the second layer's are
    those of spikes obeying CI (1/2, 1/4)."""
    from .. import init

    if name not in SCHEMES + CONDITIONS:
        raise ValueError(f"surrogate_design._scheme: init must be one of {SCHEMES + CONDITIONS}, got {name!r}")

    def by_rule(layer, generator):
        rule, distribution = name.split("_")
        return [init.weights(tuple(w.shape), rule, distribution, generator=generator)
                for w in (layer.w_in, layer.w_rec)]

    def by_conditions(layer, generator, stats):
        parts = set(name.split("_"))
        n_in, n = layer.w_in.shape
        mean = init.condition_i(n, layer.alpha, layer.threshold) if "ci" in parts else 0.0
        var_in = 2 / (n_in + n)
        var = (init.condition_ii(n, n_in, var_in, mean, z_mean=stats[0], z_var=stats[1]) if "cii" in parts
               else 1 / n)
        return [init.weights((n_in, n), "glorot", "uniform", generator=generator),
                init.sample((n, n), var, "uniform", mean=mean, generator=generator)]

    def initialise(net, generator):
        with torch.no_grad():
            for k, layer in enumerate(net.layers):
                new = (by_rule(layer, generator) if name in SCHEMES
                       else by_conditions(layer, generator, (z_mean, z_var) if k == 0 else (0.5, 0.25)))
                layer.w_in.copy_(new[0])
                layer.w_rec.copy_(new[1])

    return initialise


@functools.lru_cache(maxsize=2)
def _task_data(task: str, n_train: int, n_val: int, seed: int, root) -> tuple:
    """``(train, val, facts)`` for ``task`` with ``n_train``/``n_val`` samples (PTB: words): tensors as the
    trainers take them (never modified by them, so kept for the next run of a grid) and what the data was."""
    sizes = {"train": n_train, "val": n_val}
    if task == "sl_mnist":
        from ..tasks.mnist import load_mnist, spike_latency

        def raster(split, n):
            images, labels = load_mnist(split)
            return spike_latency(images[:n]).to(torch.uint8), labels[:n]

        return raster("train", sizes["train"]), raster("valid", sizes["val"]), {"standin": False, "message": ""}
    if task == "ptb":
        from ..tasks.ptb import load_ptb

        return (load_ptb("train")[: sizes["train"]], load_ptb("valid")[: sizes["val"]],
                {"standin": False, "message": ""})
    from ..tasks.neuromorphic import load

    train_set = load("shd", "train", root=root, limit=sizes["train"], seed=seed)
    val_set = load("shd", "test", root=root, limit=sizes["val"], seed=seed)
    (x, y), (x_val, y_val) = train_set.tensors(), val_set.tensors()
    return ((x.flatten(2), y), (x_val.flatten(2), y_val),
            {"standin": train_set.standin, "message": train_set.message or val_set.message})


def run(task: str, kind: str, shape: str, *, dampening: float = 1.0, sharpness: float = 1.0,
        q: Optional[float] = None, init: str = "glorot_uniform", alpha: float = math.exp(-10),
        threshold: float = 0.01, seed: int = 0, scale: str = "book", sizes: Optional[dict] = None,
        root: Optional[str] = None, device: str = "cpu", data: str = "") -> dict:
    """One training run of Figs 2-5: a two-layer ``kind`` network on ``task`` (``"shd"``, ``"sl_mnist"``
    or ``"ptb"``) at ``scale`` with the surrogate ``shape`` (``q`` for the q-PseudoSpike), initialised by
    ``init`` (one of :data:`SCHEMES` or :data:`CONDITIONS`). Returns :func:`train_stack`'s (or, for PTB,
    :func:`train_language_model`'s) history plus the data's ``standin`` flag and ``message``. ``seed`` sets
    the initial weights, the order of the batches (not for PTB, read in text order) and, where ``scale`` uses
    part of SHD, which part. ``sizes`` overrides :data:`SIZES` ``[scale][task]`` (any of its keys);
    ``data`` only labels the run (see :func:`grid`).

    LIF and ALIF layers start from the authors' initial constants, leak ``alpha = e^-10`` (membrane time
    0.1 step) and threshold 0.01, with which the networks fire from the first step; here they stay fixed.
    ALIF uses the authors' beta = 1.8 and adaptation time of half the input length.
    """
    if task not in TASKS:
        raise ValueError(f"run: task must be one of {TASKS}, got {task!r}")
    check_scale("run", scale)
    if init not in SCHEMES + CONDITIONS:
        raise ValueError(f"run: init must be one of {SCHEMES + CONDITIONS}, got {init!r}")
    if task == "ptb" and init != "glorot_uniform":
        raise ValueError(f"run: PTB runs use the default initialisation, got init={init!r}")
    if kind == "slstm" and init != "glorot_uniform":
        raise ValueError(f"run: initialisation schemes apply to LIF/ALIF networks, got init={init!r} for slstm")
    sg = get(shape, dampening, sharpness, **({} if q is None else {"q": q}))
    unknown = set(sizes or {}) - set(SIZES[scale][task])
    if unknown:
        raise ValueError(f"run: sizes may set {sorted(SIZES[scale][task])} for {task!r}, got {sorted(unknown)}")
    sizes = {**SIZES[scale][task], **(sizes or {})}
    train, val, facts = _task_data(task, sizes["train"], sizes["val"], seed, root)
    check_data_label("run", data, facts["standin"])
    steps = train[0].shape[1] if task != "ptb" else sizes["bptt"]
    layer_kwargs = None if kind == "slstm" else {"alpha": alpha, "threshold": threshold}
    if kind == "alif":
        layer_kwargs["tau_adapt"] = steps / 2
    n_rec = max(1, sizes["n_rec"] // 4) if kind == "slstm" else sizes["n_rec"]
    common = dict(kind=kind, surrogate=sg, n_rec=n_rec, epochs=sizes["epochs"], seed=seed,
                  layer_kwargs=layer_kwargs, device=device, progress=False)
    if task == "ptb":
        history = train_language_model(train, val, bptt=sizes["bptt"], **common)
    else:
        initialise = None
        if kind != "slstm":
            stats = _input_statistics(train[0]) if init in CONDITIONS else (0.5, 0.25)
            initialise = _scheme(init, *stats)
        history = train_stack(train, val, initialise=initialise, **common)
    return {**history, **facts}


def _input_statistics(x: torch.Tensor) -> tuple:
    """Mean and variance of every input entry, summed in float64 sample by sample (no float copy of ``x``)."""
    total = squares = 0.0
    for sample in x:
        sample = sample.to(torch.float64)
        total += float(sample.sum())
        squares += float(sample.pow(2).sum())
    n = x.numel()
    return total / n, squares / n - (total / n) ** 2


def grid(configs: list, *, seed: int = 0, scale: str = "book", root: Optional[str] = None, device: str = "cpu",
         workers: int = 1, executor=None, progress: bool = True) -> list:
    """:func:`run` for every configuration (keyword dictionaries) of replicate ``seed`` (see
    :func:`reseeded`), each cached on its own and resumed after an interruption; ``workers`` processes of this
    machine, or any ``executor``, run the cells (see :mod:`stablegrad.sweeps`).

    Each cell's cache key holds every argument of :func:`run`, defaults and the data sizes included (so
    changing a default or :data:`SIZES` never returns an old result), and, for SHD, whether the real files or
    the stand-in were read (so adding the real data later recomputes)."""
    from ..sweeps import run_grid, with_defaults
    from ..tasks.neuromorphic import available

    check_scale("grid", scale)
    shd = "real" if all(available("shd", split, root=root) for split in ("train", "test")) else "stand-in"
    full = []
    for c in reseeded(configs, seed):
        cell = with_defaults(run, {"scale": scale, "root": None if root is None else str(root), "device": device,
                                   **c})
        cell["sizes"] = {**SIZES[scale][cell["task"]], **(c.get("sizes") or {})}
        if cell["task"] == "shd":
            cell["data"] = shd
        full.append(cell)
    return run_grid("surrogate_design/run", run, full, workers=workers, executor=executor, progress=progress)


def stand_in(runs: list) -> bool:
    """Whether any of these results was computed on the SHD stand-in; if so, prints the data message once."""
    standin = [r for r in runs if r["standin"]]
    if standin:
        print(standin[0]["message"].strip())
    return bool(standin)


#: The six shapes the paper's Figs 2-4 compare (q-PseudoSpike appears only in Fig 3's tail sweep).
SHAPES = ("triangular", "exponential", "gaussian", "sigmoid", "fast_sigmoid", "rectangular")
#: Their names in the figures.
SHAPE_LABELS = {"triangular": "triangular", "exponential": "exponential", "gaussian": "Gaussian",
                "sigmoid": "∂ sigmoid", "fast_sigmoid": "∂ fast sigmoid", "rectangular": "rectangular"}
#: Fig 3's sweeps per scale: dampenings and sharpnesses (the other one at 1) and the q-PseudoSpike tails.
#: At ``book`` scale the ALIF networks train for 8 epochs (they start learning later than LIF).
FIG03 = {"smoke": dict(dampening=(0.5, 1.0), sharpness=(1.5,), q=(1.0514, 16.8489), epochs=1),
         "book": dict(dampening=(0.5, 1.0, 1.5), sharpness=(1.5,), q=(1.01, 1.0514, 1.2643, 2.3593, 16.8489),
                      epochs=8),
         "paper": dict(dampening=(0.25, 0.5, 0.75, 1.0, 1.25, 1.5), sharpness=(0.25, 0.5, 0.75, 1.25, 1.5),
                       q=(1.01, 1.0226, 1.0514, 1.1165, 1.2643, 1.5994, 2.3593, 4.0823, 7.9894, 16.8489),
                       epochs=100)}
#: Seeds per cell of Fig 4 (the paper: 4).
FIG04_SEEDS = {"smoke": 1, "book": 2, "paper": 4}


def fig02_configs(scale: str) -> list:
    """Fig 2: every shape for LIF, ALIF and sLSTM on SHD (upper panel) and LIF on sl-MNIST and PTB (lower)."""
    check_scale("fig02_configs", scale)
    runs = [dict(task="shd", kind=k, shape=s) for k in ("lif", "alif", "slstm") for s in SHAPES]
    return runs + [dict(task=t, kind="lif", shape=s) for t in ("sl_mnist", "ptb") for s in SHAPES]


def fig03_configs(scale: str) -> list:
    """Fig 3: ALIF on sl-MNIST, every shape at each dampening (sharpness 1) and sharpness (dampening 1),
    and the q-PseudoSpike at each tail ``q``."""
    check_scale("fig03_configs", scale)
    sweep = FIG03[scale]
    base = dict(task="sl_mnist", kind="alif", sizes={"epochs": sweep["epochs"]})
    runs = [dict(base, shape=s, dampening=d) for d in sweep["dampening"] for s in SHAPES]
    runs += [dict(base, shape=s, sharpness=k) for k in sweep["sharpness"] for s in SHAPES]
    return runs + [dict(base, shape="q_pseudospike", q=q) for q in sweep["q"]]


def fig04_configs(scale: str) -> list:
    """Fig 4: ALIF on SHD, every shape under every initialisation scheme, several seeds."""
    check_scale("fig04_configs", scale)
    return [dict(task="shd", kind="alif", shape=s, init=i, seed=r) for i in SCHEMES for s in SHAPES
            for r in range(FIG04_SEEDS[scale])]


def reseeded(configs: list, seed: int) -> list:
    """``configs`` for replicate ``seed``: run seeds shifted past every seed of replicate ``seed - 1``
    (unchanged for 0, so cached runs are found; replicates never share a run)."""
    span = 1 + max(c.get("seed", 0) for c in configs)
    return [dict(c) if seed == 0 else {**c, "seed": c.get("seed", 0) + seed * span} for c in configs]


def fig05_configs(scale: str) -> list:
    """Fig 5's training: LIF on SHD with the exponential surrogate, naive Glorot uniform against the
    forward conditions alone and together, several seeds."""
    check_scale("fig05_configs", scale)
    return [dict(task="shd", kind="lif", shape="exponential", init=i, seed=r)
            for i in ("glorot_uniform",) + CONDITIONS for r in range(FIG04_SEEDS[scale])]
