"""Sphinx helper for the stablegrad book: what every figure page carries besides its notebook.

- A "Re-run this page" box under the title of each notebook page, with the exact commands and the scale
  and device the page was executed at (read from the parameters papermill recorded in the notebook).
- Each script tag once: sphinx-thebe registers its configuration script again on a rebuild, and the second
  ``const THEBE_JS_URL`` is a JavaScript error on every page.
"""
from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes


def _executed_parameters(source: Path) -> dict:
    try:
        return json.loads(source.read_text())["metadata"]["papermill"]["parameters"]
    except (OSError, ValueError, KeyError):
        return {}


def _rerun_box(docname: str, parameters: dict) -> nodes.admonition:
    source = f"{docname}.py"
    scale, device = parameters.get("scale", "book"), parameters.get("device", "cpu")
    box = nodes.admonition(classes=["tip", "rerun-box"])
    box += nodes.title(text="Re-run this page")
    box += nodes.paragraph(text=f"This page was executed at scale '{scale}' on device '{device}'. From the "
                                 "repository root (the first call sets up .venv; finished runs are cached in "
                                 "results/ and reused):")
    commands = (f"# this page again\nmake notebook NB={source} SCALE={scale} DEVICE={device} FORCE=1\n"
                f"# at the paper's sizes, on a GPU\nmake notebook NB={source} SCALE=paper DEVICE=cuda FORCE=1")
    box += nodes.literal_block(commands, commands, language="bash")
    return box


def add_rerun_box(app, doctree) -> None:
    docname = app.env.docname
    if not docname.startswith("notebooks/"):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    parameters = _executed_parameters(Path(app.env.doc2path(docname)))
    section.insert(1, _rerun_box(docname, parameters))


def unique_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        seen, unique = set(), []
        for script in scripts:
            # the second registration differs only in filename: '' where the first has None
            key = (getattr(script, "filename", script) or "", tuple(sorted(getattr(script, "attributes", {}).items())))
            if key not in seen:
                seen.add(key)
                unique.append(script)
        scripts[:] = unique  # in place: the builder renders from this very list


def setup(app):
    app.connect("doctree-read", add_rerun_box)
    app.connect("html-page-context", unique_scripts, priority=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
