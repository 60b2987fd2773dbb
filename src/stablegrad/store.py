"""Results on disk: atomic writes and a cache of finished runs keyed by their configuration.

Every experiment result is written to a temporary file and renamed into place, so an
interrupted run never leaves a half-written result, and a re-run loads what is finished.
"""
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional

import torch

__all__ = ["atomic_write_text", "cached", "config_key", "results_dir"]


def results_dir() -> Path:
    """Root of results: ``$STABLEGRAD_RESULTS`` if set, else ``./results``."""
    return Path(os.environ.get("STABLEGRAD_RESULTS", "results")).resolve()


def _atomic_write(path: Path, write: Callable[[Any], None], mode: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, mode) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never a part."""
    _atomic_write(Path(path), lambda handle: handle.write(text), "w")


def config_key(config: dict) -> str:
    """Stable short hash of a JSON-serialisable configuration."""
    blob = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def cached(name: str, config: dict, compute: Callable[[], Any], root: Optional[Path] = None) -> Any:
    """Return the stored result of ``compute()`` for ``(name, config)``, computing it if absent.

    Results live in ``<root>/cache/<name>/<hash>.pt`` (``root`` defaults to :func:`results_dir`) together
    with their configuration; a file that cannot be read back (for example, truncated by a crash) is
    recomputed, and a crash while writing leaves only a ``.partial`` file, which is never read.
    """
    path = Path(root or results_dir()) / "cache" / name / f"{config_key(config)}.pt"
    if path.exists():
        try:
            stored = torch.load(path, weights_only=False)
            if stored["config"] == json.loads(json.dumps(config, default=str)):
                return stored["result"]
        except Exception:  # unreadable or foreign file: recompute below
            pass
    result = compute()
    payload = {"config": json.loads(json.dumps(config, default=str)), "result": result}
    _atomic_write(path, lambda handle: torch.save(payload, handle), "wb")
    return result
