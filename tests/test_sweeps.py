"""A grid of cached runs: same results as direct calls, nothing recomputed, failures named, kills survived,
and the same results on a process pool, a dask cluster and a job system."""
import concurrent.futures as futures
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from stablegrad.sweeps import JobExecutor, run_grid


def power(base, exponent, log=None):
    """A cell that records each call in ``log`` (a file), so recomputation can be counted."""
    if log is not None:
        with open(log, "a") as handle:
            handle.write(json.dumps([base, exponent]) + "\n")
    if base < 0:
        raise ValueError(f"negative base {base}")
    return base ** exponent


@pytest.fixture()
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("STABLEGRAD_RESULTS", str(tmp_path))
    return tmp_path


def test_cells_equal_direct_calls_and_are_never_recomputed(results):
    log = results / "calls.txt"
    configs = [dict(base=b, exponent=e, log=str(log)) for b in (2, 3) for e in (1, 5)]
    first = run_grid("test/power", power, configs, progress=False)
    assert first == [power(**{**c, "log": None}) for c in configs]
    again = run_grid("test/power", power, configs[::-1] + [dict(base=4, exponent=2, log=str(log))], progress=False)
    assert again == first[::-1] + [16]
    assert len(log.read_text().splitlines()) == 5  # four cells once each, then only the new one


def test_a_failing_cell_is_named_and_the_others_are_kept(results):
    log = results / "calls.txt"
    configs = [dict(base=2, exponent=3, log=str(log)), dict(base=-1, exponent=2, log=str(log)),
               dict(base=5, exponent=2, log=str(log))]
    with pytest.raises(RuntimeError, match=r"(?s)1 of 3 cells failed.*'base': -1.*negative base -1"):
        run_grid("test/power", power, configs, progress=False)
    assert run_grid("test/power", power, [configs[0], configs[2]], progress=False) == [8, 25]
    assert len(log.read_text().splitlines()) == 3  # the finished cells were not run again


def test_a_process_pool_gives_the_serial_results(results, importable_tests):
    configs = [dict(base=b, exponent=3) for b in range(6)]
    assert run_grid("test/pool", power, configs, workers=2, progress=False) == [b ** 3 for b in range(6)]
    with pytest.raises(RuntimeError, match=r"(?s)1 of 2 cells failed.*'base': -2.*negative base -2"):
        run_grid("test/pool", power, [dict(base=-2, exponent=3), dict(base=7, exponent=2)], workers=2, progress=False)
    assert run_grid("test/pool", power, [dict(base=7, exponent=2)], progress=False) == [49]
    with pytest.raises(ValueError, match="workers must be a positive int"):
        run_grid("test/pool", power, configs, workers=0)


def slow_power(base, exponent, log, seconds=0.4):
    """:func:`power` that takes ``seconds``, so a sweep can be killed while cells are in flight."""
    time.sleep(seconds)
    return power(base, exponent, log)


def suicidal_power(base, exponent, log, flag):
    """:func:`power` whose worker is SIGKILLed the first time it runs for ``base == 0`` (``flag`` marks it)."""
    if base == 0 and not Path(flag).exists():
        Path(flag).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return power(base, exponent, log)


@pytest.fixture()
def importable_tests(monkeypatch):
    """Worker processes import the cell functions of this module by name: put the tests folder on their path."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))


def calls(log: Path) -> list:
    return [tuple(json.loads(line)) for line in log.read_text().splitlines()] if log.exists() else []


def test_a_sweep_killed_midway_resumes_without_losing_or_repeating_cells(results, importable_tests):
    log, cache = results / "calls.txt", results / "cache" / "test" / "slow"
    configs = [dict(base=b, exponent=2, log=str(log)) for b in range(10)]
    script = ("import sys; from test_sweeps import slow_power; from stablegrad.sweeps import run_grid; "
              f"run_grid('test/slow', slow_power, {configs!r}, workers=2, progress=False)")
    sweep = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(cache.glob("*.pt"))) < 4:
        assert sweep.poll() is None and time.monotonic() < deadline, "the sweep ended before it could be killed"
        time.sleep(0.05)
    os.killpg(sweep.pid, signal.SIGKILL)  # the sweep and both of its workers, mid-cell
    sweep.wait()
    finished = sorted(cache.glob("*.pt"))
    assert 4 <= len(finished) < len(configs)
    truncated = finished[0]  # a crash of the disk or the file system: a result that no longer loads
    truncated.write_bytes(truncated.read_bytes()[:20])
    (cache / ".stray.pt.x.partial").write_bytes(b"half a result")  # what a kill during a write leaves
    done = {}
    for path in finished[1:]:
        config = torch.load(path, weights_only=False)["config"]
        done[config["base"]] = config
    assert run_grid("test/slow", slow_power, configs, workers=2, progress=False) == [b * b for b in range(10)]
    counts = {b: calls(log).count((b, 2)) for b in range(10)}
    assert all(counts[b] == 1 for b in done), counts  # finished cells were loaded, not run again
    assert all(counts[b] >= 1 for b in range(10))
    assert sum(counts.values()) <= len(configs) + 1 + 2  # + the truncated cell + at most 2 cells in flight


def test_a_killed_worker_is_reported_and_the_grid_resumes(results, importable_tests):
    log, flag = results / "calls.txt", results / "killed"
    configs = [dict(base=b, exponent=3, log=str(log), flag=str(flag)) for b in (1, 0, 2)]
    with pytest.raises(RuntimeError, match=r"(?s)cells failed.*'base': 0.*worker process died"):
        run_grid("test/suicide", suicidal_power, configs, workers=2, progress=False)
    assert run_grid("test/suicide", suicidal_power, configs, workers=2, progress=False) == [1, 0, 8]
    assert calls(log).count((0, 3)) == 1


def test_a_dask_local_cluster_gives_the_serial_results(results, importable_tests, monkeypatch):
    distributed = pytest.importorskip("distributed")
    log = results / "calls.txt"
    configs = [dict(base=b, exponent=2, log=str(log)) for b in range(5)] + [dict(base=-3, exponent=2, log=str(log))]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        # the workers started with the old STABLEGRAD_RESULTS; the cells must write where this process now reads
        monkeypatch.setenv("STABLEGRAD_RESULTS", str(results / "elsewhere"))
        with pytest.raises(RuntimeError, match=r"(?s)1 of 6 cells failed.*'base': -3.*negative base -3"):
            run_grid("test/dask", power, configs, executor=client.get_executor(pure=False), progress=False)
        assert len(list((results / "elsewhere" / "cache" / "test" / "dask").glob("*.pt"))) == 5
        assert run_grid("test/dask", power, configs[:5], executor=client.get_executor(pure=False), progress=False) == \
            [b * b for b in range(5)]
    assert len(calls(log)) == 6  # five cells and the failing one, each once


def test_a_job_executor_runs_cells_as_submitit_jobs(results, importable_tests):
    submitit = pytest.importorskip("submitit")
    slurm_like = submitit.LocalExecutor(folder=results / "jobs")  # the same interface as AutoExecutor on SLURM
    slurm_like.update_parameters(timeout_min=5)
    log = results / "calls.txt"
    configs = [dict(base=b, exponent=3, log=str(log)) for b in (2, 3, -1)]
    with JobExecutor(slurm_like.submit) as executor:
        with pytest.raises(RuntimeError, match=r"(?s)1 of 3 cells failed.*'base': -1.*negative base -1"):
            run_grid("test/jobs", power, configs, executor=executor, progress=False)
        assert run_grid("test/jobs", power, configs[:2], executor=executor, progress=False) == [8, 27]
    assert len(calls(log)) == 3


def test_a_job_executor_waits_with_the_given_function(results):
    handles = []

    def submit(fn, *args, **kwargs):  # a job system whose handles are tickets, redeemed by `wait`
        handles.append((fn, args, kwargs))
        return len(handles) - 1

    def wait(ticket):
        fn, args, kwargs = handles[ticket]
        return fn(*args, **kwargs)

    with JobExecutor(submit, wait=wait, max_jobs=2) as executor:
        assert run_grid("test/tickets", power, [dict(base=b, exponent=2) for b in range(4)], executor=executor,
                        progress=False) == [0, 1, 4, 9]
    assert len(handles) == 4


def test_bad_executor_arguments_are_named(results):
    with pytest.raises(TypeError, match="executor must be a concurrent.futures.Executor"):
        run_grid("test/x", power, [dict(base=1, exponent=1)], executor=object())
    with futures.ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="workers .* or executor, not both"):
        run_grid("test/x", power, [dict(base=1, exponent=1)], workers=2, executor=pool)
    with pytest.raises(ValueError, match="max_jobs must be a positive int"):
        JobExecutor(print, max_jobs=0)
    with pytest.raises(TypeError, match="submit and wait must be callables"):
        JobExecutor("sbatch")


def test_leaving_a_job_executor_submits_no_further_jobs():
    submitted = []

    def submit(fn, *args):
        submitted.append(args)
        time.sleep(0.3)
        return args

    executor = JobExecutor(submit, wait=lambda handle: handle, max_jobs=1)
    calls = [executor.submit(print, i) for i in range(5)]
    executor.shutdown()  # as a `with` block left by Ctrl-C does
    assert submitted == [(0,)] and calls[0].result() == (0,)
    assert all(call.cancelled() for call in calls[1:])
