"""A grid of runs, each cached under its configuration, computed serially or on a process pool.

Every cell goes through ``stablegrad.store.cached``, so a finished cell is written atomically and never
recomputed, and an interrupted grid resumes where it stopped. Workers are spawned (not forked: a forked
PyTorch may hang in its thread pool) and use one thread each, so ``workers`` processes keep that many cores
busy. A failing cell does not stop the others; the grid raises at the end, naming every failed
configuration.
"""
import concurrent.futures as futures
import inspect
import multiprocessing
from typing import Callable, Sequence

import torch
from tqdm.auto import tqdm

from .store import cached

__all__ = ["run_grid", "with_defaults"]


def with_defaults(function: Callable, config: dict) -> dict:
    """``config`` completed with every default of ``function``'s keyword arguments: a cache key that changes
    when a default changes, so an old result is never returned for a new configuration."""
    defaults = {k: p.default for k, p in inspect.signature(function).parameters.items() if p.default is not p.empty}
    return {**defaults, **config}


def _cell(name: str, function: Callable, config: dict):
    return cached(name, config, lambda: function(**config))


def _one_thread_cell(name: str, function: Callable, config: dict):
    torch.set_num_threads(1)
    return _cell(name, function, config)


def run_grid(name: str, function: Callable, configs: Sequence[dict], *, workers: int = 1,
             progress: bool = True) -> list:
    """``[function(**config) for config in configs]``, each result cached as ``(name, config)``.

    ``function`` must be importable by name (a module-level function) when ``workers > 1``; ``configs``
    are JSON-serialisable keyword dictionaries.
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"run_grid: workers must be a positive int, got {workers!r}")
    configs = [dict(c) for c in configs]
    results, failed = [None] * len(configs), []
    bar = tqdm(total=len(configs), desc=name, disable=not progress)
    if workers == 1:
        for i, config in enumerate(configs):
            try:
                results[i] = _cell(name, function, config)
            except Exception as error:  # noqa: BLE001 - reported with its configuration below
                failed.append((config, error))
            bar.update()
    else:
        with futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            jobs = {pool.submit(_one_thread_cell, name, function, c): i for i, c in enumerate(configs)}
            for job in futures.as_completed(jobs):
                try:
                    results[jobs[job]] = job.result()
                except Exception as error:  # noqa: BLE001
                    failed.append((configs[jobs[job]], error))
                bar.update()
    bar.close()
    if failed:
        lines = "\n".join(f"  {config}: {type(error).__name__}: {error}" for config, error in failed)
        raise RuntimeError(f"run_grid {name!r}: {len(failed)} of {len(configs)} cells failed (the others are "
                           f"cached):\n{lines}")
    return results
