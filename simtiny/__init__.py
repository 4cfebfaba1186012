"""simtiny: simulate and verify int8 neural networks on Cortex-M7 microcontrollers.

The Python API (simtiny.api) is available here: `simtiny.run_model`, `simtiny.compile_model`,
`simtiny.simulate`, `simtiny.run_firmware`, `simtiny.build_firmware`, `simtiny.load_platform`,
`simtiny.load_model`, `simtiny.validate`. It is imported on first use, so that `import simtiny` (done by the pytest
plugin in every test session) costs nothing.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

API = (
    "build_firmware",
    "compile_model",
    "load_model",
    "load_platform",
    "run_firmware",
    "run_model",
    "simulate",
    "validate",
    "RunOptions",
    "ModelReport",
    "FirmwareReport",
)

__all__ = ["__version__", *API]


def __getattr__(name: str) -> Any:
    if name in API:
        from simtiny import api

        return getattr(api, name)
    raise AttributeError(f"module 'simtiny' has no attribute '{name}'")
