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
import time
from typing import Callable, Optional

import torch
from tqdm.auto import tqdm

from .._validation import check_positive_ints
from ..models.spiking_stack import SpikingStack
from ..surrogate import Surrogate

__all__ = ["backward_mean_square", "lif_at_initialisation", "mode_accuracy", "train_stack"]


def mode_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of sequences whose logits ``(B, T, C)``, summed over time, are largest for the label."""
    return float((logits.sum(1).argmax(-1) == labels).float().mean())


def _evaluate(net, x, y, batch: int, smoothing: float) -> tuple:
    with torch.no_grad():
        losses, correct = [], 0.0
        for i in range(0, len(x), batch):
            logits = net(x[i : i + batch])
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
    inputs)``, ``y`` class labels) and return per epoch the validation ``loss`` and ``accuracy`` (mode
    accuracy on ``val``), the training ``train_loss`` and the ``seconds`` of the training steps.

    ``initialise(net, generator)`` may set the weights (an initialisation scheme or the paper's
    conditions); the initial weights and the batches depend on ``seed`` only.
    """
    check_positive_ints("train_stack", n_rec=n_rec, epochs=epochs, batch=batch)
    for name, value in (("lr", lr), ("clip", clip)):
        if not value > 0:
            raise ValueError(f"train_stack: {name} must be positive, got {value!r}")
    if not (weight_decay >= 0 and 0 <= smoothing < 1):
        raise ValueError(f"train_stack: need weight_decay >= 0 and 0 <= smoothing < 1, got {weight_decay!r}, "
                         f"{smoothing!r}")
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
    from pytorch_optimizer import AdaBelief

    optimiser = AdaBelief(net.parameters(), lr=lr, weight_decay=weight_decay, weight_decouple=True)
    order = torch.Generator().manual_seed(2 * seed + 2)
    history = {k: [] for k in ("loss", "accuracy", "train_loss", "seconds")}
    for _ in tqdm(range(epochs), desc=f"{kind} {surrogate.name}", disable=not progress, leave=False):
        perm = torch.randperm(len(x), generator=order).to(device)
        losses = []
        start = time.perf_counter()
        for i in range(0, len(x), batch):
            index = perm[i : i + batch]
            loss = _loss(net(x[index]), y[index], smoothing)
            optimiser.zero_grad()
            loss.backward()
            for p in net.parameters():
                if p.grad is not None:
                    torch.nn.utils.clip_grad_norm_([p], clip)
            optimiser.step()
            losses.append(loss.detach())
        history["seconds"].append(time.perf_counter() - start)
        history["train_loss"].append(float(torch.stack(losses).mean()))
        val_loss, val_accuracy = _evaluate(net, x_val, y_val, batch, smoothing)
        history["loss"].append(val_loss)
        history["accuracy"].append(val_accuracy)
    return {k: torch.tensor(v) for k, v in history.items()}


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
