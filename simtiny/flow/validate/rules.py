"""What every rule of the validate stage shares: the error it raises and how it names the
operator or tensor at fault (index and name, the name made printable: it comes from the file)."""

from __future__ import annotations

from simtiny.errors import SimtinyError, printable
from simtiny.model import Operator, Tensor


class InvalidModel(SimtinyError):
    """The model breaks a rule LiteRT (or any TFLite runtime) relies on: it cannot be verified."""


class UnsupportedModel(SimtinyError):
    """The model is valid, but uses operators or types simtiny cannot compile."""


def tensor_ref(t: Tensor) -> str:
    return f"tensor {t.index} ('{printable(t.name)}')"


def operator_ref(op: Operator) -> str:
    return f"operator {op.index} ({printable(op.opcode)})"
