"""Streaming delay tasks of gradient flossing (appendix H): delayed copy, temporal and spatial XOR.

A task draws an i.i.d. input stream ``x_t`` and asks for a target ``y_t`` that depends on inputs
``lag`` steps back, for the lags in ``task.lags`` (the largest is ``task.delay``). Everything is
time-major with the ensemble dimension first: inputs ``(T, R, B, n_in)``, targets ``(T, R, B, n_out)``.

Timing convention: the network's output at step ``t`` is read after it has consumed ``x_t``, and the
target at step ``t`` (0-based) is defined only for ``t >= delay``, so every loss term asks for inputs
the network has already seen. The authors' Julia code starts its loss one step earlier, with one
term whose target bit was dropped before the network saw it (1 of its 281 terms at T = 300 cannot be
learned); we leave that term out.
"""
import itertools
from dataclasses import dataclass
from typing import ClassVar, Optional

import torch
import torch.nn.functional as F

from .._validation import check_positive_ints

__all__ = ["BinaryXOR", "ContinuousXOR", "DelayedCopy", "SpatialXOR", "TaskBatch"]


@dataclass(frozen=True)
class TaskBatch:
    """One draw of a task.

    Attributes:
        inputs: ``(T, R, B, n_in)`` time-major input stream.
        targets: ``(T, R, B, n_out)`` targets; 0 on steps where no target is defined.
        mask: ``(T,)`` bool, true on the steps whose target is defined (``t >= delay``).
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    mask: torch.Tensor



@dataclass(frozen=True)
class _StreamTask:
    """Shared machinery: sampling, masking, loss and accuracy for a target rule on lagged inputs.

    Subclasses set ``n_in``, ``n_out``, ``classification`` and implement ``_rule``. Regression tasks
    draw ``x ~ U[0, 1)`` and use the squared error; classification tasks draw fair bits in {0, 1},
    emit one logit per output and use binary cross-entropy with logits.
    """

    delay: int
    n_in: ClassVar[int] = 1
    n_out: ClassVar[int] = 1
    classification: ClassVar[bool] = False

    def __post_init__(self):
        check_positive_ints(self._name, delay=self.delay)

    @property
    def _name(self) -> str:
        return type(self).__name__

    @property
    def lags(self) -> tuple[int, ...]:
        """The lags the target reads, in the order ``_rule`` receives them."""
        return (self.delay,)

    def _rule(self, *lagged: torch.Tensor) -> torch.Tensor:
        """Targets from ``x_{t-lag}`` for each lag in ``lags``, on the defined steps only."""
        raise NotImplementedError

    def targets(self, inputs: torch.Tensor) -> torch.Tensor:
        """Targets ``(T, *dims, n_out)`` of ``inputs`` ``(T, *dims, n_in)``; 0 where ``t < delay``."""
        if not isinstance(inputs, torch.Tensor) or inputs.dim() < 2 or inputs.shape[-1] != self.n_in:
            got = tuple(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs).__name__
            raise ValueError(
                f"{self._name}: inputs must be time-major (T, *dims, n_in={self.n_in}), got {got}"
            )
        if not inputs.is_floating_point():
            raise TypeError(f"{self._name}: inputs must be floating point, got {inputs.dtype}")
        T = inputs.shape[0]
        if T <= self.delay:
            raise ValueError(
                f"{self._name}: delay={self.delay} leaves no defined target in inputs of {T} steps"
            )
        if self.classification and not ((inputs == 0) | (inputs == 1)).all():
            raise ValueError(f"{self._name}: inputs must be binary (every value 0 or 1)")
        y = inputs.new_zeros(T, *inputs.shape[1:-1], self.n_out)
        y[self.delay :] = self._rule(*(inputs[self.delay - lag : T - lag] for lag in self.lags))
        return y

    def inputs(
        self,
        steps: int,
        ensemble: int = 1,
        batch: int = 1,
        *,
        generator: Optional[torch.Generator] = None,
        device=None,
        dtype: torch.dtype = torch.float32,
    ) -> torch.Tensor:
        """Draw ``ensemble x batch`` independent input streams ``(steps, ensemble, batch, n_in)``.

        Any length will do (flossing windows may be shorter than the delay). The draw happens on
        ``generator``'s device (the CPU by default) and is then moved to ``device``, so a CPU generator
        seeds identical data on any device.
        """
        check_positive_ints(self._name, steps=steps, ensemble=ensemble, batch=batch)
        source = generator.device if generator is not None else "cpu"
        x = torch.rand(steps, ensemble, batch, self.n_in, generator=generator, device=source, dtype=dtype)
        if self.classification:
            x = (x < 0.5).to(dtype)
        return x.to(device)

    def sample(
        self,
        steps: int,
        ensemble: int = 1,
        batch: int = 1,
        *,
        generator: Optional[torch.Generator] = None,
        device=None,
        dtype: torch.dtype = torch.float32,
    ) -> TaskBatch:
        """Input streams as :meth:`inputs` draws them, with their targets; ``steps`` must exceed the delay."""
        check_positive_ints(self._name, steps=steps)
        if steps <= self.delay:
            raise ValueError(
                f"{self._name}: delay={self.delay} leaves no defined target in steps={steps}; "
                "steps must exceed delay"
            )
        x = self.inputs(steps, ensemble, batch, generator=generator, device=device, dtype=dtype)
        return TaskBatch(x, self.targets(x), torch.arange(steps, device=x.device) >= self.delay)

    def _defined(self, outputs: torch.Tensor, batch: TaskBatch):
        """Outputs and targets on the defined steps, after checking the outputs' shape."""
        expected = tuple(batch.targets.shape)
        if not isinstance(outputs, torch.Tensor) or tuple(outputs.shape) != expected:
            got = tuple(outputs.shape) if isinstance(outputs, torch.Tensor) else type(outputs).__name__
            raise ValueError(f"{self._name}: outputs must have shape (T, R, B, n_out)={expected}, got {got}")
        return outputs[batch.mask], batch.targets[batch.mask].to(outputs.dtype)

    def loss(self, outputs: torch.Tensor, batch: TaskBatch) -> torch.Tensor:
        """Per-member loss ``(R,)``: mean over defined steps, batch and outputs (MSE or BCE with logits)."""
        out, y = self._defined(outputs, batch)
        if self.classification:
            per_term = F.binary_cross_entropy_with_logits(out, y, reduction="none")
        else:
            per_term = (out - y) ** 2
        return per_term.mean(dim=(0, 2, 3))

    def _require_classification(self, what: str) -> None:
        if not self.classification:
            raise TypeError(f"{self._name}: {what} needs binary targets; {self._name} is a regression task")

    def accuracy(self, outputs: torch.Tensor, batch: TaskBatch) -> torch.Tensor:
        """Per-member fraction ``(R,)`` of correct outputs on defined steps (a logit > 0 means 1)."""
        self._require_classification("accuracy")
        out, y = self._defined(outputs, batch)
        return ((out > 0) == (y > 0.5)).to(out.dtype).mean(dim=(0, 2, 3))

    def truth_table(self) -> list[tuple[int, ...]]:
        """Rows ``(*bits, y)`` over every input pattern, computed by :meth:`targets`.

        ``bits`` are ``x_{t-lag}`` for each lag in ``lags``, each listing its ``n_in`` channels.
        """
        self._require_classification("truth_table")
        width = len(self.lags) * self.n_in
        bits = torch.tensor(list(itertools.product((0.0, 1.0), repeat=width)))
        x = bits.new_zeros(self.delay + 1, len(bits), self.n_in)
        for i, lag in enumerate(self.lags):
            x[self.delay - lag] = bits[:, i * self.n_in : (i + 1) * self.n_in]
        rows = torch.cat([bits, self.targets(x)[-1]], dim=-1)
        return [tuple(int(v) for v in row) for row in rows.tolist()]


class DelayedCopy(_StreamTask):
    """Delayed copy ``y_t = x_{t-d}`` of a stream ``x ~ U[0, 1)`` (appendix H.1); MSE loss."""

    def _rule(self, x):
        return x


class _TemporalXOR(_StreamTask):
    """``y_t = |x_{t-d/2} - x_{t-d}|``, lags ``(d/2, d)``; ``d`` must be even."""

    def __post_init__(self):
        super().__post_init__()
        if self.delay % 2:
            raise ValueError(
                f"{self._name}: delay must be even (the lags are delay/2 and delay), got {self.delay}"
            )

    @property
    def lags(self) -> tuple[int, ...]:
        return (self.delay // 2, self.delay)

    def _rule(self, recent, old):
        return (recent - old).abs()


class ContinuousXOR(_TemporalXOR):
    """Continuous temporal XOR ``y_t = |x_{t-d/2} - x_{t-d}|`` with ``x ~ U[0, 1)`` (eq. 20, Fig 3B, D).

    MSE loss.
    """


class BinaryXOR(_TemporalXOR):
    """Binary temporal XOR ``y_t = x_{t-d/2} XOR x_{t-d}`` with fair bits ``x`` (Fig 4A, C).

    One logit out, binary cross-entropy with logits. ``d`` is the paper's full lag. The authors'
    Julia code calls ``d/2`` the "delay" (lags delay and 2 delay), and Table 2's columns
    ``x_{t-d}, x_{t-2d}`` are in that convention: their delay 10 is ``BinaryXOR(20)`` here.
    ``truth_table()`` rows are ``(x_{t-d/2}, x_{t-d}, y)``, Table 2's column order.
    """

    classification = True


class SpatialXOR(_StreamTask):
    """Spatial XOR ``y_t = x^1_{t-d} XOR x^2_{t-d} XOR x^3_{t-d}`` of three fair bit streams (Fig 4B, D).

    One logit out, binary cross-entropy with logits.
    """

    n_in = 3
    classification = True

    def _rule(self, x):
        return x.sum(dim=-1, keepdim=True) % 2
