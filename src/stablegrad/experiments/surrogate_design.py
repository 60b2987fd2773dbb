"""Runs behind the surrogate-design paper's figures (Herranz-Celotti & Rouat): recurrent spiking stacks
trained with surrogate gradients of several shapes, dampenings, sharpnesses and initialisations.

The training recipe is the paper's, with the details of the authors' code where the paper is silent:
AdaBelief (``pytorch_optimizer``) with decoupled weight decay, each parameter's gradient clipped to norm
1 (the code clips per tensor), cross-entropy with label smoothing 0.1 at every time step, and the "mode
accuracy": the class with the largest logits summed over time. Stochastic weight averaging is left out:
the authors' code wraps the optimiser in SWA without ever swapping the averaged weights in, so their
numbers were obtained without it.
"""
import time
from typing import Callable, Optional

import torch
from tqdm.auto import tqdm

from ..models.spiking_stack import SpikingStack
from ..surrogate import Surrogate

__all__ = ["mode_accuracy", "train_stack"]


def mode_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of sequences whose logits ``(B, T, C)``, summed over time, are largest for the label."""
    return float((logits.sum(1).argmax(-1) == labels).float().mean())


def _evaluate(net, x, y, batch: int, smoothing: float) -> tuple:
    with torch.no_grad():
        losses, correct = [], 0
        for i in range(0, len(x), batch):
            logits = net(x[i : i + batch])
            labels = y[i : i + batch]
            losses.append(_loss(logits, labels, smoothing) * len(labels))
            correct += int((logits.sum(1).argmax(-1) == labels).sum())
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
    for name, value in (("n_rec", n_rec), ("epochs", epochs), ("batch", batch)):
        if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            raise ValueError(f"train_stack: {name} must be a positive integer, got {value!r}")
    (x, y), (x_val, y_val) = ((a.to(device), b.to(device)) for a, b in (train, val))
    classes = int(max(y.max(), y_val.max())) + 1
    torch.manual_seed(seed)
    net = SpikingStack(kind, x.shape[-1], n_rec, classes, surrogate=surrogate, layer_kwargs=layer_kwargs)
    if initialise is not None:
        initialise(net, torch.Generator().manual_seed(seed))
    net = net.to(device)
    from pytorch_optimizer import AdaBelief

    optimiser = AdaBelief(net.parameters(), lr=lr, weight_decay=weight_decay, weight_decouple=True)
    order = torch.Generator().manual_seed(seed)
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
