"""Paper-vs-ours claims: each figure notebook records what the paper says, what we measured, at
which scale, and a verdict; the scorecard page of the book is generated from these records.

Run ``python -m stablegrad.claims --scale book`` to print the scorecard page as Markdown.
"""
import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from ._validation import SCALES, check_scale
from .store import atomic_write_text, results_dir

__all__ = ["Claim", "Scorecard", "VERDICTS", "load", "scorecard_page", "verdict"]

# "not testable": the claim needs data or hardware this run did not have (e.g. a stand-in data set).
VERDICTS = ("reproduced", "partly", "not reproduced", "not testable")
PAPERS = {
    "gradient_flossing": "Gradient flossing (Engelken 2023)",
    "surrogate_flossing": "Surrogate gradient flossing (Engelken & Abbott 2024)",
    "surrogate_design": "Surrogate gradient design (Herranz-Celotti & Rouat)",
    "exodus": "EXODUS (Bauer et al.)",
    "fading_memory": "Fading memory in WCRNNs (Dubinin & Effenberger)",
}


@dataclass(frozen=True)
class Claim:
    """One checked statement of a paper."""

    notebook: str  # "<paper>/<notebook name>", e.g. "gradient_flossing/fig01_control_lyapunov"
    panel: str
    claim: str
    paper: str
    ours: str
    verdict: str
    scale: str
    note: str = ""


def verdict(reproduced: bool, partly: bool = False) -> str:
    """The verdict of a claim from its two pre-registered criteria: the full one and the weaker one."""
    return "reproduced" if reproduced else ("partly" if partly else "not reproduced")


def _claims_file(notebook: str, scale: str, results: Optional[Path]) -> Path:
    return Path(results or results_dir()) / "claims" / scale / f"{notebook}.json"


def _table(claims) -> str:
    rows = ["| Panel | Claim | Paper | Ours | Scale | Verdict |", "|---|---|---|---|---|---|"]
    for c in claims:
        cells = [c.panel, c.claim + (f" ({c.note})" if c.note else ""), c.paper, c.ours, c.scale, f"**{c.verdict}**"]
        rows.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    return "\n".join(rows)


class Scorecard:
    """The claims of one notebook at one scale; displays as a Markdown table in Jupyter.

    >>> card = Scorecard("gradient_flossing/fig01_control_lyapunov", scale="smoke")
    >>> card.record("1B", "lambda_1 reaches its target", paper="< 100 epochs", ours="...", verdict="reproduced")
    """

    def __init__(self, notebook: str, scale: str, results: Optional[Path] = None):
        paper = notebook.split("/")[0]
        if paper not in PAPERS or notebook.count("/") != 1:
            raise ValueError(f"Scorecard: notebook must be '<paper>/<name>' with paper in {sorted(PAPERS)}, got {notebook!r}")
        check_scale("Scorecard", scale)
        self.notebook, self.scale = notebook, scale
        self.path = _claims_file(notebook, scale, results)
        self.claims: list[Claim] = []
        self.path.unlink(missing_ok=True)  # a notebook run records its claims afresh

    def record(self, panel: str, claim: str, *, paper: str, ours: str, verdict: str, note: str = "") -> Claim:
        """Add a claim and write this notebook's claims file atomically."""
        if verdict not in VERDICTS:
            raise ValueError(f"Scorecard.record: verdict must be one of {VERDICTS}, got {verdict!r}")
        entry = Claim(self.notebook, panel, claim, paper, ours, verdict, self.scale, note)
        self.claims.append(entry)
        atomic_write_text(self.path, json.dumps([asdict(c) for c in self.claims], indent=1))
        return entry

    def _repr_markdown_(self) -> str:
        return f"Claims recorded at scale **{self.scale}**:\n\n" + _table(self.claims)


def load(scale: str, results: Optional[Path] = None) -> list[Claim]:
    """Every recorded claim at ``scale``, ordered by notebook."""
    root = Path(results or results_dir()) / "claims" / scale
    claims = []
    for path in sorted(root.glob("*/*.json")):
        claims.extend(Claim(**entry) for entry in json.loads(path.read_text()))
    return claims


def scorecard_page(scale: str, results: Optional[Path] = None) -> str:
    """The book's scorecard page (MyST Markdown) for ``scale``."""
    claims = load(scale, results)
    lines = [
        "# Scorecard",
        "",
        f"Every claim checked by a figure notebook, as recorded when the book was executed at scale "
        f"**{scale}**. A verdict compares our number with the paper's at that scale; the notebook "
        "explains how the number was measured and why a verdict is partial or negative.",
        "",
    ]
    counts = {v: sum(c.verdict == v for c in claims) for v in VERDICTS}
    lines.append("Totals: " + ", ".join(f"{n} {v}" for v, n in counts.items()) + ".")
    for paper, title in PAPERS.items():
        mine = [c for c in claims if c.notebook.startswith(paper + "/")]
        lines += ["", f"## {title}", ""]
        if not mine:
            lines.append("No figure of this paper has been reproduced yet.")
            continue
        for notebook in dict.fromkeys(c.notebook for c in mine):
            name = notebook.split("/")[1]
            lines += ["", f"### {{doc}}`{name} <../notebooks/{notebook}>`", ""]
            lines.append(_table([c for c in mine if c.notebook == notebook]))
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Print the scorecard page for one scale as Markdown.")
    parser.add_argument("--scale", choices=SCALES, default="book")
    parser.add_argument("--results", type=Path, default=None, help="results folder (default $STABLEGRAD_RESULTS or ./results)")
    args = parser.parse_args(argv)
    print(scorecard_page(args.scale, args.results), end="")


if __name__ == "__main__":
    main()
