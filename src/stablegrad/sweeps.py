"""A grid of runs, each cached under its configuration, on this machine or on a cluster.

Every cell goes through ``stablegrad.store.cached``, so a finished cell is written atomically and never
recomputed, and an interrupted grid (a crash, a kill, a lost node) resumes where it stopped. Cells run

- one after the other in this process (``workers=1``, the default),
- on a pool of ``workers`` processes of this machine, spawned (a forked PyTorch may hang in its thread pool)
  with one thread each, so that ``workers`` processes keep that many cores busy,
- or on any ``concurrent.futures.Executor`` passed as ``executor``: ``distributed.Client(...).get_executor(
  pure=False)`` for dask (so that a failed cell is run again, not its failure recalled), or :class:`JobExecutor` around Ray or SLURM (submitit). Recipes are on the book's re-run page.

The results folder is resolved here, in the calling process, and handed to every cell, so workers on other
machines write where this process reads (a folder they share). A failing cell does not stop the others; the
grid raises at the end, naming every failed configuration.
"""
import concurrent.futures as futures
import inspect
import multiprocessing
from pathlib import Path
from typing import Callable, Optional, Sequence

import torch
from tqdm.auto import tqdm

from ._validation import check_positive_ints
from .store import cached, results_dir

__all__ = ["JobExecutor", "run_grid", "with_defaults"]


def with_defaults(function: Callable, config: dict) -> dict:
    """``config`` completed with every default of ``function``'s keyword arguments: a cache key that changes
    when a default changes, so an old result is never returned for a new configuration."""
    defaults = {k: p.default for k, p in inspect.signature(function).parameters.items() if p.default is not p.empty}
    return {**defaults, **config}


def _cell(name: str, function: Callable, config: dict, root: Path):
    return cached(name, config, lambda: function(**config), root=root)


def _one_thread_cell(name: str, function: Callable, config: dict, root: Path):
    torch.set_num_threads(1)
    return _cell(name, function, config, root)


class JobExecutor(futures.ThreadPoolExecutor):
    """A ``concurrent.futures.Executor`` over a job system whose ``submit(fn, *args, **kwargs)`` returns a
    handle: each call becomes one job, and a thread of this process waits for it with ``wait(handle)``.
    At most ``max_jobs`` jobs are in flight at once.

    SLURM through submitit: ``slurm = submitit.AutoExecutor(folder="slurm")``, then
    ``slurm.update_parameters(timeout_min=240, ...)`` (submitit's default limit is 5 minutes) and
    ``JobExecutor(slurm.submit)`` (its jobs have ``.result()``, the default ``wait``). Ray:
    ``JobExecutor(lambda fn, *a, **k: ray.remote(fn).remote(*a, **k), wait=ray.get)``. Leaving it (``with``
    block, :meth:`shutdown`) cancels the calls not yet submitted as jobs.
    """

    def __init__(self, submit: Callable, wait: Callable = lambda job: job.result(), max_jobs: int = 64):
        if not callable(submit) or not callable(wait):
            raise TypeError(f"JobExecutor: submit and wait must be callables, got {submit!r} and {wait!r}")
        check_positive_ints("JobExecutor", max_jobs=max_jobs)
        super().__init__(max_workers=max_jobs, thread_name_prefix="stablegrad-job")
        self._submit_job, self._wait = submit, wait

    def submit(self, fn, /, *args, **kwargs) -> futures.Future:
        """Submit ``fn(*args, **kwargs)`` as one job; the future resolves when ``wait`` returns its result."""
        return super().submit(lambda: self._wait(self._submit_job(fn, *args, **kwargs)))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = True) -> None:
        """As the thread pool's, but by default the calls that have not become jobs yet are cancelled."""
        super().shutdown(wait=wait, cancel_futures=cancel_futures)


def _failure_report(name: str, total: int, failed: list) -> str:
    lines = "\n".join(f"  {config}: {type(error).__name__}: {error}" for config, error in failed)
    died = any(isinstance(error, futures.BrokenExecutor) for _, error in failed)
    hint = ("\nA worker process died (killed, or out of memory); run the grid again to compute the lost cells."
            if died else "")
    return f"run_grid {name!r}: {len(failed)} of {total} cells failed (the others are cached):\n{lines}{hint}"


def run_grid(name: str, function: Callable, configs: Sequence[dict], *, workers: int = 1,
             executor: Optional[futures.Executor] = None, progress: bool = True) -> list:
    """``[function(**config) for config in configs]``, each result cached as ``(name, config)``.

    ``function`` must be importable by name (a module-level function) when the cells run in other processes;
    ``configs`` are JSON-serialisable keyword dictionaries. Pass ``workers`` (a local process pool) or
    ``executor`` (yours, left open), not both.
    """
    check_positive_ints("run_grid", workers=workers)
    if executor is not None and not isinstance(executor, futures.Executor):
        raise TypeError(f"run_grid: executor must be a concurrent.futures.Executor, got {type(executor).__name__}")
    if executor is not None and workers != 1:
        raise ValueError(f"run_grid: pass workers (a local pool) or executor, not both (got workers={workers})")
    configs, root = [dict(c) for c in configs], results_dir()
    results, failed = [None] * len(configs), []
    bar = tqdm(total=len(configs), desc=name, disable=not progress)
    if executor is None and workers == 1:
        for i, config in enumerate(configs):
            try:
                results[i] = _cell(name, function, config, root)
            except Exception as error:  # noqa: BLE001 - reported with its configuration below
                failed.append((config, error))
            bar.update()
    else:
        pool = executor or futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        cell = _cell if executor is not None else _one_thread_cell
        jobs = {}
        try:
            jobs = {pool.submit(cell, name, function, c, root): i for i, c in enumerate(configs)}
            for job in futures.as_completed(jobs):
                try:
                    results[jobs[job]] = job.result()
                except Exception as error:  # noqa: BLE001
                    failed.append((configs[jobs[job]], error))
                bar.update()
        except BaseException:  # an interrupt (Ctrl-C) or a broken executor: start no further cells
            for job in jobs:
                job.cancel()
            raise
        finally:
            if executor is None:
                pool.shutdown(cancel_futures=True)
    bar.close()
    if failed:
        raise RuntimeError(_failure_report(name, len(configs), failed))
    return results
