import json

import pytest
import torch

from stablegrad import claims, store


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("STABLEGRAD_RESULTS", str(tmp_path))
    return tmp_path


def test_cached_computes_once_and_keys_by_configuration(results):
    calls = []

    def compute(value):
        calls.append(value)
        return {"x": torch.tensor([value])}

    assert store.cached("demo", {"a": 1}, lambda: compute(1))["x"].item() == 1
    assert store.cached("demo", {"a": 1}, lambda: compute(99))["x"].item() == 1  # loaded, not recomputed
    assert store.cached("demo", {"a": 2}, lambda: compute(2))["x"].item() == 2
    assert calls == [1, 2]


def test_cached_recomputes_a_corrupted_file(results):
    store.cached("demo", {"a": 1}, lambda: 1)
    (path,) = (results / "cache" / "demo").glob("*.pt")
    path.write_bytes(path.read_bytes()[:10])  # a crash mid-write would look like this without atomic writes
    assert store.cached("demo", {"a": 1}, lambda: 2) == 2
    assert store.cached("demo", {"a": 1}, lambda: 3) == 2


def test_failed_computation_leaves_no_file(results):
    def boom():
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        store.cached("demo", {"a": 1}, boom)
    assert not list(results.rglob("*.pt")) and not list(results.rglob("*.partial"))


def test_scorecard_records_and_renders(results):
    card = claims.Scorecard("gradient_flossing/fig99_demo", "smoke")
    card.record("9A", "a | b", paper="1", ours="2", verdict="partly")
    card.record("9B", "c", paper="3", ours="3", verdict="reproduced")
    stored = json.loads((results / "claims" / "smoke" / "gradient_flossing" / "fig99_demo.json").read_text())
    assert [c["panel"] for c in stored] == ["9A", "9B"]
    page = claims.scorecard_page("smoke")
    assert "Totals: 1 reproduced, 1 partly, 0 not reproduced, 0 not testable." in page
    assert "a \\| b" in page  # table cells escape pipes
    assert "{doc}`fig99_demo <../notebooks/gradient_flossing/fig99_demo>`" in page
    assert claims.load("book") == []


def test_rerunning_a_notebook_replaces_its_claims(results):
    claims.Scorecard("exodus/fig01_x", "book").record("1", "old", paper="", ours="", verdict="partly")
    claims.Scorecard("exodus/fig01_x", "book").record("1", "new", paper="", ours="", verdict="reproduced")
    assert [c.claim for c in claims.load("book")] == ["new"]


@pytest.mark.parametrize("kwargs, match", [
    ({"notebook": "nopaper/fig", "scale": "book"}, "notebook must be"),
    ({"notebook": "exodus/fig", "scale": "huge"}, "scale must be"),
])
def test_scorecard_rejects_bad_arguments(results, kwargs, match):
    with pytest.raises(ValueError, match=match):
        claims.Scorecard(**kwargs)


def test_record_rejects_unknown_verdict(results):
    with pytest.raises(ValueError, match="verdict must be one of"):
        claims.Scorecard("exodus/fig", "book").record("1", "c", paper="", ours="", verdict="yes")


@pytest.mark.parametrize("reproduced, partly, expected", [
    (True, False, "reproduced"), (True, True, "reproduced"), (False, True, "partly"), (False, False, "not reproduced"),
])
def test_verdict_from_the_two_criteria(reproduced, partly, expected):
    assert claims.verdict(reproduced, partly=partly) == expected
