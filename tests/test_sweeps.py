"""A grid of cached runs: same results as direct calls, nothing recomputed, failures named."""
import json
import os
from pathlib import Path

import pytest

from stablegrad.sweeps import run_grid


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


def test_a_process_pool_gives_the_serial_results(results, monkeypatch):
    # spawned workers import this module by name: make the tests folder importable for them
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    configs = [dict(base=b, exponent=3) for b in range(6)]
    assert run_grid("test/pool", power, configs, workers=2, progress=False) == [b ** 3 for b in range(6)]
    with pytest.raises(RuntimeError, match=r"(?s)1 of 2 cells failed.*'base': -2.*negative base -2"):
        run_grid("test/pool", power, [dict(base=-2, exponent=3), dict(base=7, exponent=2)], workers=2, progress=False)
    assert run_grid("test/pool", power, [dict(base=7, exponent=2)], progress=False) == [49]
    with pytest.raises(ValueError, match="workers must be a positive int"):
        run_grid("test/pool", power, configs, workers=0)
