"""Where simtiny keeps build products between runs (content-addressed, safe to delete)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """$SIMTINY_CACHE, else $XDG_CACHE_HOME/simtiny, else ~/.cache/simtiny."""
    explicit = os.environ.get("SIMTINY_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "simtiny"
