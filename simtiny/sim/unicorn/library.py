"""Which Unicorn library the engine loads: simtiny's patched build (patched.py) when one is
installed for the Unicorn version in this environment, else the stock one from its wheel.

Unicorn's Python binding loads its library once, at import, from $LIBUNICORN_PATH if set; so
this module must run before anything imports `unicorn` (the package __init__ calls `load`).
If Unicorn is already imported, or the user set LIBUNICORN_PATH, or SIMTINY_UNICORN=stock,
nothing changes. The patched build holds only the Arm target.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

LIBRARY_NAME = {"linux": "libunicorn.so.2", "darwin": "libunicorn.2.dylib"}.get(sys.platform, "")
LOCAL_LABEL = "simtiny.4"  # bumped whenever the patch changes, so that old builds are not used


def installed_version() -> str | None:
    """The installed Unicorn's version, from its dist-info folder beside the package when it is
    there (importlib.metadata costs a tenth of `simtiny sim`'s start-up), else from metadata."""
    spec = importlib.util.find_spec("unicorn")
    if spec is None or not spec.submodule_search_locations:
        return None
    beside = sorted(Path(next(iter(spec.submodule_search_locations))).parent.glob("unicorn-*.dist-info"))
    if len(beside) == 1:
        return beside[0].name[len("unicorn-") : -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version("unicorn")
    except metadata.PackageNotFoundError:
        return None


def patched_folder(version: str) -> Path | None:
    """Where the patched build for Unicorn `version` lives (None: no patched build here)."""
    if not LIBRARY_NAME:
        return None
    return Path(sys.prefix) / "lib" / "simtiny" / f"unicorn-{version}+{LOCAL_LABEL}"


def load() -> None:
    """Import Unicorn, from the patched build when there is one for this version."""
    if "unicorn" in sys.modules or os.environ.get("LIBUNICORN_PATH"):
        return
    if os.environ.get("SIMTINY_UNICORN", "").lower() == "stock":
        return
    version = installed_version()
    folder = patched_folder(version) if version else None
    if folder is None or not (folder / LIBRARY_NAME).is_file():
        return
    os.environ["LIBUNICORN_PATH"] = str(folder)
    try:
        import unicorn  # noqa: F401  (the binding loads its library now)
    finally:
        del os.environ["LIBUNICORN_PATH"]  # not inherited by tools simtiny starts
