"""Training ensembles of recurrent networks on streaming tasks, with gradient-flossing schedules.

One call trains ``R`` independent networks as one tensor program. The loss is the sum of the members'
losses, gradients are clipped per member and per parameter array, Adam is elementwise, and member ``r``
draws its data from its own generator seeded ``seeds[r]``: so member ``r`` follows exactly the
trajectory it would follow if trained alone with that seed.

The protocol follows the authors' Julia code where the paper is silent (REFERENCE_NOTES): one update
per epoch on a fresh batch, the readout reads the recurrent state, a trainable initial state, gradient
norms clipped per parameter array (0.03) before Adam(1e-3), and a separate flossing optimiser whose state
is kept across flossing episodes, flossing the recurrent model's parameters on batch-1 windows.
"""
from dataclasses import asdict, dataclass
from typing import Optional, Sequence, Union

import torch
from torch import nn
from tqdm import tqdm

from ._validation import check_positive_ints
from .flossing import FlossingHistory, floss
from .models import LSTM, BinaryRNN, EnsembleModule, VanillaRNN
from .optim import MemberAdam
from .store import cached
from .tangent import lyapunov_spectrum, qr_positive, random_orthonormal
from .tasks import make_task

__all__ = ["MODELS", "SCHEDULES", "AdaptiveFlossing", "FlossingSchedule", "RecurrentNetwork", "TrainingHistory", "TrainingRun",
           "build_network", "run_training", "train", "trained_network"]

SCHEDULES = ("none", "pre", "during", "throughout", "adaptive")


@dataclass(frozen=True)
class AdaptiveFlossing:
    """Extra flossing episodes on demand (surrogate gradient flossing, Sec. 5 and Limitations).

    From training epoch ``start`` on, every ``every`` epochs, a member gets an episode of ``epochs``
    flossing epochs before the next training epoch if its task gradient ``|dL/dW|`` (Frobenius norm,
    before clipping) exceeds ``grad_max`` or its leading exponent, estimated on a fresh flossing window,
    exceeds ``lambda_max``. Each such episode also multiplies the member's surrogate sharpness ``g`` by
    ``sharpen`` (models with a ``g``; the paper increases g without saying by how much).
    """

    start: int = 500
    epochs: int = 100
    every: int = 10
    lambda_max: float = 0.2
    grad_max: float = 1.0
    sharpen: float = 1.0

    def __post_init__(self):
        check_positive_ints("AdaptiveFlossing", epochs=self.epochs, every=self.every)
        if not (isinstance(self.start, int) and self.start >= 0):
            raise ValueError(f"AdaptiveFlossing: start must be an integer >= 0, got {self.start!r}")
        if not self.sharpen >= 1:
            raise ValueError(f"AdaptiveFlossing: sharpen must be a number >= 1, got {self.sharpen!r}")
        if not (self.grad_max > 0 and self.lambda_max == self.lambda_max):
            raise ValueError(f"AdaptiveFlossing: grad_max must be positive and lambda_max a number, got "
                             f"{self.grad_max!r}, {self.lambda_max!r}")


@dataclass(frozen=True)
class FlossingSchedule:
    """A flossing episode of ``epochs`` steps runs before every training epoch listed in ``at``.

    ``first`` (default ``epochs``) is the length of the episode at epoch 0; ``adaptive`` adds episodes
    on demand (:class:`AdaptiveFlossing`).
    """

    at: tuple[int, ...] = ()
    epochs: int = 500
    first: Optional[int] = None
    adaptive: Optional[AdaptiveFlossing] = None

    def length(self, epoch: int) -> int:
        """Flossing epochs of the scheduled episode before training epoch ``epoch``."""
        return self.first if epoch == 0 and self.first is not None else self.epochs

    @classmethod
    def named(cls, name: str, training_epochs: int, *, epochs: int = 500, every: int = 100,
              episodes: int = 5, adaptive_every: int = 10, sharpen: float = 1.0) -> "FlossingSchedule":
        """The papers' schedules.

        ``"none"``; ``"pre"`` (preflossing: one episode before training); ``"during"`` (``episodes``
        episodes ``every`` epochs apart from epoch 0, e.g. {0, 100, 200, 300, 400}); ``"throughout"``
        (an episode every ``every`` epochs for the whole of training, Fig 12); ``"adaptive"`` (surrogate
        gradient flossing: ``epochs`` of preflossing, then flossing and training alternate every
        ``every`` epochs until epoch ``every * episodes``, then :class:`AdaptiveFlossing` episodes of
        ``every`` epochs, checked every ``adaptive_every`` epochs, sharpening ``g`` by ``sharpen``).
        """
        if name not in SCHEDULES:
            raise ValueError(f"FlossingSchedule.named: name must be one of {SCHEDULES}, got {name!r}")
        check_positive_ints("FlossingSchedule.named", training_epochs=training_epochs, epochs=epochs, every=every,
                            episodes=episodes, adaptive_every=adaptive_every)
        at = {"none": (), "pre": (0,), "during": tuple(range(0, every * episodes, every)),
              "throughout": tuple(range(0, training_epochs, every)),
              "adaptive": tuple(range(0, every * episodes, every))}[name]
        at = tuple(e for e in at if e < training_epochs)
        if name != "adaptive":
            return cls(at, epochs)
        return cls(at, every, first=epochs, adaptive=AdaptiveFlossing(start=every * episodes, epochs=every,
                                                                     every=adaptive_every, sharpen=sharpen))


class RecurrentNetwork(EnsembleModule):
    """A recurrent ensemble model, a linear readout of ``model.hidden(h)`` and a trainable initial state.

    Readout weights ``(R, n_out, F)`` are drawn ``N(0, readout_std^2)`` (the authors' code: 1), readout
    biases start at 0, the initial state ``h0`` ``(R, 1, S)`` at 0 (shared by the batch).
    """

    def __init__(self, model: nn.Module, n_out: int = 1, *, readout_std: float = 1.0,
                 generator: Optional[torch.Generator] = None):
        super().__init__()
        check_positive_ints("RecurrentNetwork", n_out=n_out)
        self.model = model
        h = model.initial_state(1)
        features = model.hidden(h).shape[-1]
        R = model.ensemble
        C = readout_std * torch.randn(R, n_out, features, generator=generator, dtype=h.dtype)
        self.readout = nn.Parameter(C.to(h.device))
        self.readout_bias = nn.Parameter(h.new_zeros(R, n_out))
        self.h0 = nn.Parameter(h)

    @property
    def state_size(self) -> int:
        return self.model.state_size

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Outputs ``(T, R, B, n_out)`` for time-major inputs ``(T, R, B, n_in)``; output t reads h after x_t."""
        if inputs.dim() != 4 or inputs.shape[1] != self.ensemble:
            raise ValueError(f"RecurrentNetwork: inputs must have shape (T, R={self.ensemble}, B, n_in), "
                             f"got {tuple(inputs.shape)}")
        h = self.h0.expand(self.ensemble, inputs.shape[2], self.h0.shape[-1])
        states = []
        for x in inputs:
            h = self.model.step(h, x)
            states.append(h)
        hidden = self.model.hidden(torch.stack(states, dim=1))  # (R, T, B, F): one readout product
        return (hidden.flatten(1, 2) @ self.readout.mT).unflatten(1, hidden.shape[1:3]).transpose(0, 1) \
            + self.readout_bias.unsqueeze(1)


@dataclass(frozen=True)
class TrainingHistory:
    """Per-epoch records of :func:`train`, one column per ensemble member.

    Attributes:
        loss: ``(E, R)`` task loss of each epoch's fresh batch, before that epoch's update.
        accuracy: ``(E, R)`` accuracy on that batch (classification tasks; ``None`` otherwise). The
            batch is new to the network, so this is a test accuracy.
        grad_h0: ``(E, R)`` norm of dL/dh0, the gradient reaching the initial state.
        grad_W_singular_values: ``(E, R, len(sv_indices))`` selected singular values of dL/dW.
        sv_indices: 1-based indices of those singular values.
        flossing: the :class:`~stablegrad.flossing.FlossingHistory` of each episode, by epoch.
        state: the network's ``state_dict`` after the last epoch (on the CPU), for analyses of trained
            networks (see :func:`trained_network`).
        grad_W: ``(E, R)`` Frobenius norm of dL/dW before clipping (adaptive flossing's gradient trigger);
            ``inf`` where the gradient was not finite.
        skipped: ``(E, R)`` bool, true where a member's task gradient was not finite (exploding surrogate
            gradients overflow), so its gradient was set to zero for that epoch's update; its
            ``grad_W_singular_values`` are NaN there.
        triggered: ``(E, R)`` bool, true where an adaptive episode ran before that epoch (``None``
            without adaptive flossing).
        checked_exponent: ``(E, R)`` the adaptive trigger's estimate of lambda_1 at that epoch's weights
            (before its update), NaN at epochs without a check (``None`` without adaptive flossing).
        sharpness: ``(E, R)`` surrogate sharpness ``g`` at each epoch (``None`` for models without one).
    """

    loss: torch.Tensor
    accuracy: Optional[torch.Tensor]
    grad_h0: torch.Tensor
    grad_W_singular_values: torch.Tensor
    sv_indices: tuple[int, ...]
    flossing: dict
    state: dict
    grad_W: Optional[torch.Tensor] = None
    skipped: Optional[torch.Tensor] = None
    triggered: Optional[torch.Tensor] = None
    checked_exponent: Optional[torch.Tensor] = None
    sharpness: Optional[torch.Tensor] = None


def clip_per_member(params, max_norm: float) -> None:
    """Scale each member's gradient of each parameter array to norm at most ``max_norm`` (Flux's ClipNorm)."""
    for p in params:
        if p.grad is not None:
            norms = p.grad.flatten(1).norm(dim=1)
            scale = torch.where(norms > max_norm, max_norm / norms, torch.ones_like(norms))
            p.grad.mul_(scale.view(-1, *[1] * (p.dim() - 1)))


def _check_train_arguments(network, tasks, epochs, steps, batch, ks, schedule, sv_indices, seeds):
    check_positive_ints("train", epochs=epochs, steps=steps, batch=batch)
    for k in ks:
        check_positive_ints("train", k=k)
    R, S = network.ensemble, network.model.state_size
    if len(ks) != R:
        raise ValueError(f"train: k must be one number or one per member (R={R}), got {len(ks)}")
    if len(tasks) != R:
        raise ValueError(f"train: task must be one task or one per member (R={R}), got {len(tasks)}")
    kinds = {(type(t).n_in, type(t).n_out, type(t).classification) for t in tasks}
    if len(kinds) > 1:
        raise ValueError("train: the tasks of one ensemble must share n_in, n_out and the kind of loss")
    if (schedule.at or schedule.adaptive) and max(ks) > S:
        raise ValueError(f"train: k must be at most the state size {S}, got {max(ks)}")
    W = network.model.W
    if any(not 1 <= i <= min(W.shape[-2:]) for i in sv_indices):
        raise ValueError(f"train: sv_indices must lie in [1, {min(W.shape[-2:])}], got {sv_indices}")
    if len(seeds) != R:
        raise ValueError(f"train: seeds must have one entry per member (R={R}), got {len(seeds)}")


def train(
    network: RecurrentNetwork,
    task,
    *,
    epochs: int,
    steps: int = 300,
    batch: int = 16,
    lr: float = 1e-3,
    clip: Optional[float] = 0.03,
    schedule: FlossingSchedule = FlossingSchedule(),
    k: Union[int, Sequence[int]] = 75,
    floss_steps: int = 55,
    floss_transient: int = 16,
    floss_lr: float = 1e-3,
    sv_indices: Sequence[int] = (1,),
    seeds: Optional[Sequence[int]] = None,
    progress: bool = True,
) -> TrainingHistory:
    """Train ``network`` on ``task`` for ``epochs`` updates, flossing as ``schedule`` says.

    ``task`` is one task, or a sequence with one task per member (e.g. one delay per member, so a
    sweep over delays runs as one ensemble). Each epoch draws a fresh batch of ``batch`` streams of
    ``steps`` steps per member; each flossing step draws a batch-1 window of ``floss_steps`` steps
    (the first ``floss_transient`` not accumulated) and a fresh tangent basis. ``seeds[r]`` (default
    ``r``) seeds member ``r``'s draws. ``k`` is one number of flossed exponents or one per member; a
    member flossing fewer than the most draws its own k tangent directions as it would alone and the
    rest from a separate stream, so that it follows exactly its stand-alone trajectory.
    """
    R = network.ensemble
    tasks = list(task) if isinstance(task, (list, tuple)) else [task] * R
    seeds = list(range(R)) if seeds is None else list(seeds)
    ks = list(k) if isinstance(k, (list, tuple)) else [k] * R
    sv_indices = tuple(sv_indices)
    _check_train_arguments(network, tasks, epochs, steps, batch, ks, schedule, sv_indices, seeds)
    h0 = network.h0
    generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
    fillers = [torch.Generator().manual_seed(int(s) + 2**40) for s in seeds]
    draw = dict(device=h0.device, dtype=h0.dtype)
    S = network.model.state_size

    def basis(g, filler, k_r, width):
        """The member's own k_r random directions, completed to ``width`` from a separate stream."""
        Q = random_orthonormal(1, 1, S, k_r, generator=g, **draw)
        if k_r == width:
            return Q
        rest = torch.randn(1, 1, S, width - k_r, generator=filler, dtype=Q.dtype).to(Q.device)
        return qr_positive(torch.cat([Q, rest], dim=-1))[0]

    classification = tasks[0].classification
    model, adaptive = network.model, schedule.adaptive
    sharpness = getattr(model, "g", None)
    if adaptive is not None and adaptive.sharpen != 1 and not isinstance(sharpness, torch.Tensor):
        raise ValueError(f"train: adaptive flossing sharpens g, but {type(model).__name__} has no surrogate sharpness g")

    def window(members):
        """A batch-1 flossing window for each of ``members`` (indices), from its own generator."""
        return torch.cat([tasks[r].inputs(floss_steps, 1, 1, generator=generators[r], **draw) for r in members], dim=1)

    def episode(members, length):
        """``length`` flossing epochs of ``members`` (indices) alone, as a sub-ensemble when not all take part
        (each member draws only its own data and keeps its own Adam state, so it moves as it would alone).
        Returns the history with NaN for the members that did not take part."""
        k_sub = [ks[r] for r in members]
        Q0 = lambda _: torch.cat([basis(generators[r], fillers[r], ks[r], max(k_sub)) for r in members])  # noqa: E731
        index, alone = torch.tensor(members), len(members) < R
        sub = model.subset(index) if alone else model
        optimiser = floss_optimiser.take(index, sub.parameters()) if alone else floss_optimiser
        run = floss(sub, lambda _: window(members), k_sub, length, optimiser=optimiser,
                    transient=floss_transient, Q0=Q0, progress=False)
        if not alone:
            return FlossingHistory(run.exponents.cpu(), run.loss.cpu())
        floss_optimiser.put(index, optimiser)
        with torch.no_grad():
            for p, q in zip(model.parameters(), sub.parameters()):
                p[index.to(p.device)] = q

        def full(v):
            return torch.full((v.shape[0], R, *v.shape[2:]), torch.nan, dtype=v.dtype).index_copy_(1, index, v.cpu())
        return FlossingHistory(full(run.exponents), full(run.loss))

    @torch.no_grad()
    def leading_exponent():
        """lambda_1 of each member on a fresh flossing window (the adaptive trigger)."""
        Q = torch.cat([random_orthonormal(1, 1, S, 1, generator=g, **draw) for g in generators])
        x = window(range(R))
        return lyapunov_spectrum(model, h0.new_zeros(R, 1, S), x, k=1, transient=floss_transient, Q0=Q).exponents[:, 0, 0]

    optimiser = torch.optim.Adam(network.parameters(), lr=lr)
    floss_optimiser = MemberAdam(model.parameters(), lr=floss_lr)
    losses, accuracies, grad_h0, grad_W, singular_values, flossing = [], [], [], [], [], {}
    triggered, checked, sharpnesses, skipped = [], [], [], []
    due = torch.zeros(R, dtype=torch.bool)
    delays = sorted({t.delay for t in tasks})
    bar = tqdm(range(epochs), desc=f"training {type(tasks[0]).__name__}, d = {delays}, R = {R}",
               disable=not progress)
    for epoch in bar:
        scheduled = epoch in schedule.at
        if scheduled or due.any():
            bar.set_postfix_str(f"flossing {R if scheduled else int(due.sum())} network(s)")
            flossing[epoch] = episode(list(range(R)), schedule.length(epoch)) if scheduled \
                else episode(due.nonzero()[:, 0].tolist(), adaptive.epochs)
            if not scheduled and adaptive.sharpen != 1:
                with torch.no_grad():
                    sharpness[due.to(sharpness.device)] *= adaptive.sharpen
        if adaptive is not None:
            triggered.append(due & (not scheduled))
        if isinstance(sharpness, torch.Tensor):
            sharpnesses.append(sharpness.detach().clone())
        data = [t.sample(steps, 1, batch, generator=g, **draw) for t, g in zip(tasks, generators)]
        outputs = network(torch.cat([d.inputs for d in data], dim=1))
        member_outputs = outputs.split(1, dim=1)
        loss = torch.cat([t.loss(out, d) for t, out, d in zip(tasks, member_outputs, data)])
        if not torch.isfinite(loss).all():
            raise FloatingPointError(f"train: the task loss became non-finite at epoch {epoch}")
        optimiser.zero_grad()
        loss.sum().backward()
        finite = torch.stack([torch.isfinite(p.grad.flatten(1)).all(1) for p in network.parameters()
                              if p.grad is not None]).all(0)
        grad_h0.append(h0.grad.flatten(1).norm(dim=1))
        W_grad = model.W.grad
        grad_W.append(torch.where(finite, W_grad.flatten(1).norm(dim=1), torch.inf))
        if not finite.all():  # overflowed (exploding) surrogate gradients: skip those members' updates
            for p in network.parameters():
                if p.grad is not None:
                    p.grad[~finite] = 0
        skipped.append(~finite)
        sv = torch.linalg.svdvals(W_grad.reshape(R, -1, W_grad.shape[-1]))
        singular_values.append(torch.where(finite[:, None], sv[:, [i - 1 for i in sv_indices]], torch.nan))
        if adaptive is not None:
            checked.append(torch.full((R,), torch.nan, **draw))
            if epoch + 1 >= adaptive.start and (epoch + 1) % adaptive.every == 0:
                checked[-1] = leading_exponent()
                due = ((grad_W[-1] > adaptive.grad_max) | (checked[-1] > adaptive.lambda_max)).cpu()
            else:
                due = torch.zeros(R, dtype=torch.bool)
        if clip is not None:
            clip_per_member(network.parameters(), clip)
        optimiser.step()
        losses.append(loss.detach())
        if classification:
            accuracies.append(torch.cat([t.accuracy(out.detach(), d)
                                         for t, out, d in zip(tasks, member_outputs, data)]))
            bar.set_postfix(acc=f"{accuracies[-1].mean():.3f}", refresh=False)
    cpu = lambda xs: torch.stack(xs).cpu() if xs else None  # noqa: E731
    return TrainingHistory(
        loss=cpu(losses),
        accuracy=cpu(accuracies),
        grad_h0=cpu(grad_h0),
        grad_W_singular_values=cpu(singular_values),
        sv_indices=sv_indices,
        flossing=flossing,
        state={name: value.detach().cpu() for name, value in network.state_dict().items()},
        grad_W=cpu(grad_W),
        skipped=cpu(skipped),
        triggered=cpu(triggered),
        checked_exponent=cpu(checked),
        sharpness=cpu(sharpnesses),
    )


MODELS = ("tanh", "relu", "lstm", "binary")


@dataclass(frozen=True)
class TrainingRun:
    """Everything that determines one ensemble training run; the results cache is keyed by it.

    The ensemble holds ``ensemble`` networks for each delay in ``delays`` and, when ``k`` is a tuple, for
    each number of flossed exponents in it (delay-major, then k), so a sweep is one tensor program; see
    :meth:`by_block` and :meth:`by_delay`.

    Defaults are the gradient-flossing paper's (N = 80, b = 16, T = 300, E = 10^4, E_f = 500, k = 75,
    g = 1) and the authors' code's (clip 0.03, Adam 1e-3, flossing windows of 55 steps, 16 transient).
    ReLU networks draw W with mean -0.1 as the paper does; tanh and ReLU networks carry the code's
    bias b ~ U[0, 0.1]. For ``model="binary"`` (:class:`~stablegrad.models.BinaryRNN`), ``g`` is the
    initial surrogate sharpness (W ~ N(0, 1/N)) and the readout of ``sgn(h)`` starts at N(0, 1/N), so
    that initial logits are of order one. ``adaptive_every`` and ``sharpen`` configure the
    ``"adaptive"`` schedule (see :meth:`FlossingSchedule.named`).
    """

    task: str
    delays: tuple
    schedule: str = "none"
    model: str = "tanh"
    init: str = "gaussian"
    N: int = 80
    g: float = 1.0
    ensemble: int = 5
    epochs: int = 10_000
    steps: int = 300
    batch: int = 16
    lr: float = 1e-3
    clip: Optional[float] = 0.03
    k: Union[int, tuple] = 75
    floss_epochs: int = 500
    floss_every: int = 100
    floss_episodes: int = 5
    floss_steps: int = 55
    floss_transient: int = 16
    adaptive_every: int = 10
    sharpen: float = 1.0
    sv_indices: tuple = (1,)
    seed: int = 0

    @property
    def blocks(self) -> list:
        """The ``(delay, k)`` of each block of ``ensemble`` members, in member order."""
        return [(d, k) for d in self.delays for k in (self.k if isinstance(self.k, tuple) else (self.k,))]

    @property
    def members(self) -> int:
        return len(self.blocks) * self.ensemble

    def by_block(self, values: torch.Tensor) -> dict:
        """Split per-member records ``(..., members, ...)`` (member dim 1) into ``{(delay, k): (..., ensemble, ...)}``."""
        return dict(zip(self.blocks, values.split(self.ensemble, dim=1)))

    def by_delay(self, values: torch.Tensor) -> dict:
        """Split per-member records into ``{delay: (..., ensemble, ...)}`` (runs with one ``k``)."""
        if isinstance(self.k, tuple):
            raise ValueError("TrainingRun.by_delay: this run sweeps k; use by_block")
        return {d: v for (d, _), v in self.by_block(values).items()}


def build_network(run: TrainingRun, device="cpu") -> RecurrentNetwork:
    """The freshly initialised ensemble of ``run`` (seeded by ``run.seed``)."""
    if run.model not in MODELS:
        raise ValueError(f"build_network: model must be one of {MODELS}, got {run.model!r}")
    task = make_task(run.task, run.delays[0])
    generator = torch.Generator().manual_seed(run.seed)
    readout_std = 1.0
    if run.model == "lstm":
        model = LSTM(run.N, task.n_in, ensemble=run.members, g=run.g, generator=generator)
    elif run.model == "binary":
        model = BinaryRNN(run.N, task.n_in, ensemble=run.members, g=run.g, generator=generator)
        readout_std = run.N ** -0.5
    else:
        model = VanillaRNN(run.N, task.n_in, ensemble=run.members, nonlinearity=run.model, g=run.g,
                           mean=-0.1 if run.model == "relu" else 0.0, init=run.init, bias=0.1,
                           generator=generator)
    return RecurrentNetwork(model, task.n_out, readout_std=readout_std, generator=generator).to(device)


def run_training(run: TrainingRun, device="cpu", progress: bool = True) -> TrainingHistory:
    """Train the ensemble described by ``run``, or load the finished run from the results cache.

    Member ``r`` draws its data with seed ``1000 * run.seed + r``.
    """
    def compute():
        schedule = FlossingSchedule.named(run.schedule, run.epochs, epochs=run.floss_epochs,
                                          every=run.floss_every, episodes=run.floss_episodes,
                                          adaptive_every=run.adaptive_every, sharpen=run.sharpen)
        tasks = [make_task(run.task, d) for d, _ in run.blocks for _ in range(run.ensemble)]
        ks = [k for _, k in run.blocks for _ in range(run.ensemble)]
        return train(build_network(run, device), tasks, epochs=run.epochs,
                     steps=run.steps, batch=run.batch, lr=run.lr, clip=run.clip, schedule=schedule, k=ks,
                     floss_steps=run.floss_steps, floss_transient=run.floss_transient,
                     sv_indices=run.sv_indices, seeds=[1000 * run.seed + r for r in range(run.members)],
                     progress=progress)

    return cached("training", {**asdict(run), "device": str(device)}, compute)


def trained_network(run: TrainingRun, device="cpu", progress: bool = True) -> RecurrentNetwork:
    """The ensemble of ``run`` with its weights after training (trained first if not in the cache)."""
    network = build_network(run, device)
    network.load_state_dict(run_training(run, device, progress).state)
    return network
