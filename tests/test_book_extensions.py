"""The book's Sphinx helpers: the re-run box names the page's source and the scale it ran at; duplicate
script tags (sphinx-thebe's second configuration script, a JavaScript error on every page) are dropped."""
import importlib.util
import json
from pathlib import Path

from docutils import nodes

EXT = Path(__file__).resolve().parents[1] / "book" / "_ext" / "stablegrad_pages.py"
spec = importlib.util.spec_from_file_location("stablegrad_pages", EXT)
pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pages)


def test_the_rerun_box_gives_the_pages_source_and_executed_scale(tmp_path):
    executed = tmp_path / "fig02.ipynb"
    executed.write_text(json.dumps({"metadata": {"papermill": {"parameters": {"scale": "smoke", "device": "cuda"}}}}))
    parameters = pages._executed_parameters(executed)
    box = pages._rerun_box("notebooks/fading_memory/fig02_critical_dynamics", parameters)
    commands = [line for line in box.next_node(nodes.literal_block).astext().splitlines() if line.startswith("make")]
    assert commands[0] == "make notebook NB=notebooks/fading_memory/fig02_critical_dynamics.py SCALE=smoke DEVICE=cuda FORCE=1"
    assert "SCALE=paper DEVICE=cuda" in commands[1]
    assert "scale 'smoke' on device 'cuda'" in box.next_node(nodes.paragraph).astext()
    assert pages._executed_parameters(tmp_path / "missing.ipynb") == {}  # unexecuted: the box says "book", "cpu"


class Script:
    """As Sphinx's ``_JavaScript``: a file name (None or '' for an inline body) and tag attributes."""

    def __init__(self, filename, **attributes):
        self.filename, self.attributes = filename, attributes


def test_duplicate_scripts_are_dropped_and_the_order_kept():
    body = 'const THEBE_JS_URL = "x"'
    scripts = [Script("a.js"), Script(None, body=body), Script("b.js", **{"async": "async"}), Script("", body=body),
               Script("b.js"), Script("", body="let other = 1")]
    expected = [scripts[i] for i in (0, 1, 2, 4, 5)]
    context = {"script_files": scripts}
    pages.unique_scripts(None, "intro", "page.html", context, None)
    assert context["script_files"] is scripts and scripts == expected  # in place: Sphinx renders from this list
