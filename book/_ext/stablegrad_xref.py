"""Sphinx helper for the stablegrad book: resolve short Python references to stablegrad objects.

Docstrings often name a class by its short name (``:class:`LyapunovSpectrum``` inside
``stablegrad.flossing``) although the API page documents it at its public path
(``stablegrad.tangent.LyapunovSpectrum``). Nitpicky builds (``-n``) would warn about such references.
This handler resolves a Python reference that Sphinx could not find when exactly one documented
``stablegrad`` object has that name (or dotted suffix); anything else still warns.
"""
from __future__ import annotations

from sphinx.util.nodes import make_refnode


def _candidates(objects, name):
    suffix = "." + name
    found = {}
    for fullname, entry in objects.items():
        if not fullname.startswith("stablegrad.") or getattr(entry, "aliased", False):
            continue
        if fullname.endswith(suffix):
            found[(entry.docname, entry.node_id)] = fullname
    return found


def resolve_short_reference(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip("~.")
    if not target:
        return None
    objects = env.get_domain("py").objects
    parts = target.split(".")
    # "stablegrad.tangent.lyapunov.X" (implementation path) or "X" / "tangent.X" (short forms)
    for start in range(len(parts)):
        found = _candidates(objects, ".".join(parts[start:]))
        if len(found) == 1:
            (docname, node_id), fullname = next(iter(found.items()))
            return make_refnode(app.builder, node["refdoc"], docname, node_id, contnode, fullname)
        if len(found) > 1 or not target.startswith("stablegrad."):
            return None
    return None


def setup(app):
    app.connect("missing-reference", resolve_short_reference)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
