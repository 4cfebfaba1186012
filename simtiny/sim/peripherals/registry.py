"""Peripheral kinds by name: a board's `[[peripheral]] kind = "..."` selects a model class here.

A model module registers its classes with `@register("kind")`; `model_class` imports the model
modules of this package on first use, so adding a kind is adding a module (no list to edit).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import Any

Clock = Callable[[], int]  # current cycle count of the core

_KINDS: dict[str, type] = {}


def register(kind: str) -> Callable[[type], type]:
    def add(cls: type) -> type:
        if kind in _KINDS and _KINDS[kind] is not cls:
            raise RuntimeError(f"two peripheral models for kind '{kind}'")
        _KINDS[kind] = cls
        return cls

    return add


@cache
def _load_models() -> None:
    package = importlib.import_module("simtiny.sim.peripherals")
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"simtiny.sim.peripherals.{info.name}")


def known_kinds() -> set[str]:
    _load_models()
    return set(_KINDS)


def model_class(kind: str) -> Any:
    _load_models()
    if kind not in _KINDS:
        raise ValueError(f"unknown peripheral kind '{kind}' (known: {', '.join(sorted(_KINDS))})")
    return _KINDS[kind]
