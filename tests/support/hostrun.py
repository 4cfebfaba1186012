"""Run generated model code natively on the host: the kernels' fast path for tests and debugging.

The same C (generated model + firmware/kernels) that goes into the firmware is compiled for the
host; inputs are written into its arena, st_model_run() is called through ctypes. Each kernel is
compiled once into an object (cached by the content of its source and every header) and linked
into every model's library, so a test case compiles only its own small model.c.
"""

from __future__ import annotations

import ctypes
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from simtiny.cache import cache_dir
from simtiny.flow.codegen import GeneratedModel
from simtiny.hostcc import compile_object, compile_shared
from simtiny.model import NUMPY_DTYPES, Graph
from simtiny.resources import KERNELS_DIR, RUNTIME_DIR

WARNINGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", "-fno-math-errno"]


def kernel_sources(names: list[str]) -> list[Path]:
    return [KERNELS_DIR / f"{name}.c" for name in names]


@dataclass
class HostModel:
    """A generated model loaded into this process."""

    library: ctypes.CDLL
    generated: GeneratedModel
    graph: Graph

    def run(self, inputs: list[np.ndarray], tensors: list[int] | None = None) -> list[np.ndarray]:
        """Outputs for one set of inputs; with `tensors`, those tensors' values instead."""
        arena = (ctypes.c_uint8 * self.generated.arena_size).in_dll(self.library, "st_arena")
        base = ctypes.addressof(arena)
        for io, value in zip(self.generated.inputs, inputs, strict=True):
            data = np.ascontiguousarray(value).tobytes()
            if len(data) != io.size:
                raise ValueError(f"input {io.symbol}: {len(data)} bytes given, {io.size} expected")
            ctypes.memmove(base + io.offset, data, len(data))
        status = self.library.st_model_run()
        if status != 0:
            raise RuntimeError(f"st_model_run returned {status}")
        wanted = tensors if tensors is not None else [io.tensor for io in self.generated.outputs]
        return [self._read(base, t) for t in wanted]

    def _read(self, base: int, index: int) -> np.ndarray:
        t = self.graph.tensor(index)
        if t.is_constant:
            return t.data.copy()
        raw = ctypes.string_at(base + self.generated.tensor_offsets[index], t.nbytes)
        return np.frombuffer(raw, dtype=NUMPY_DTYPES[t.dtype]).reshape(t.shape).copy()


FLAGS = [*WARNINGS, f"-I{KERNELS_DIR}", f"-I{RUNTIME_DIR}"]


@cache
def _headers_digest() -> bytes:
    h = hashlib.sha256("\0".join(FLAGS).encode())
    # headers, and the kernel sources the *_shifts.c twins include
    for header in sorted(KERNELS_DIR.glob("*.[ch]")) + sorted(RUNTIME_DIR.glob("*.h")):
        h.update(header.name.encode() + b"\0" + header.read_bytes())
    return h.digest()


@cache
def kernel_object(source: Path) -> Path:
    """`source` compiled for the host, once (cached by its content, the headers and the flags)."""
    h = hashlib.sha256(_headers_digest())
    h.update(source.read_bytes())
    target = cache_dir() / "host" / "objects" / f"{source.stem}-{h.hexdigest()[:20]}.o"
    if not target.is_file():
        compile_object(source, target, FLAGS, what=f"host object of {source.name}")
    return target


def load_host_model(generated: GeneratedModel, graph: Graph) -> HostModel:
    """Compile (cached by content) and load the generated model for the host."""
    objects = [kernel_object(s) for s in (*kernel_sources(generated.kernels), RUNTIME_DIR / "st_host.c")]
    h = hashlib.sha256(generated.source.encode())
    for obj in objects:
        h.update(obj.name.encode())  # the object names carry their content's hash
    folder = cache_dir() / "host" / h.hexdigest()[:20]
    library = folder / "model.so"
    if not library.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "model.c").write_text(generated.source)
        compile_shared([folder / "model.c", *objects], library, FLAGS, what="host model")
    lib = ctypes.CDLL(str(library))
    lib.st_model_run.restype = ctypes.c_int
    return HostModel(lib, generated, graph)
