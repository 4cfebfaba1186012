"""The simulate stage: a compiled model's inputs written into its arena, the firmware run from
reset on an engine, outputs (and any tensor asked for) and the per-operator cycle stamps read back."""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field

import numpy as np

from simtiny.errors import EXIT_FAULT, InputError, SimtinyError
from simtiny.flow.build import CompiledModel
from simtiny.flow.codegen import IoBuffer
from simtiny.model import NUMPY_DTYPES
from simtiny.sim import DEFAULT_ENGINE, DEFAULT_MAX_INSTRUCTIONS, MemoryRead, RunRequest, RunResult, get_engine


class FirmwareFault(SimtinyError):
    """The model firmware faulted or never finished."""

    exit_code = EXIT_FAULT


@dataclass
class ModelRun:
    """One inference in the simulator."""

    outputs: list[np.ndarray]
    op_cycles: list[int]
    result: RunResult
    tensors: dict[int, np.ndarray] = field(default_factory=dict)
    inference_cycles: int = 0  # CYCCNT around st_model_run(), as the firmware measured it
    op_memory_cycles: list[int] = field(default_factory=list)  # per operator, memory model share
    inference_memory_cycles: int = 0
    state: bytes = b""  # a streaming model's state after this invocation (GeneratedModel.state, in order)

    @property
    def op_ideal_cycles(self) -> list[int]:
        """Per operator, the cycles with zero-wait memory (the memory system's share taken off)."""
        if not self.op_memory_cycles:
            return list(self.op_cycles)
        return [c - m for c, m in zip(self.op_cycles, self.op_memory_cycles, strict=True)]


def instruction_budget(macs: int) -> int:
    """Default budget: generous for the slowest kernels (about 64 instructions per MAC)."""
    return max(DEFAULT_MAX_INSTRUCTIONS, 64 * macs + 200_000_000)


def simulate(
    compiled: CompiledModel,
    inputs: list[np.ndarray],
    max_instructions: int = DEFAULT_MAX_INSTRUCTIONS,
    tensors: list[int] | None = None,
    memory_model: bool = True,
    paint_ram: bool = False,
    engine: str = DEFAULT_ENGINE,
    state: bytes | None = None,
) -> ModelRun:
    """Write inputs into the arena, run from reset, read outputs (and `tensors`) and op cycles.

    memory_model=False prices zero-wait memory (about five times faster to simulate); the
    outputs are the same either way. A streaming model's `state` (ModelRun.state of the
    previous invocation; None: the first, whose flag is clear) is written before the run and
    read back after it, as the chip's RAM would keep it between two invocations."""
    graph, gen = compiled.graph, compiled.generated
    base = compiled.arena_address
    writes = {}
    for io, value in zip(gen.inputs, inputs, strict=True):
        data = np.ascontiguousarray(value).tobytes()
        if len(data) != io.size:
            raise InputError(f"input {io.symbol}: {len(data)} bytes, the model takes {io.size}")
        writes[base + io.offset] = data
    writes.update(_state_writes(gen.state, base, state))
    n_ops = len(graph.operators)
    reads = [
        MemoryRead("stamps", compiled.image.symbol("st_op_stamps"), 4 * (n_ops + 1)),
        MemoryRead("inference", compiled.image.symbol("st_inference_cycles"), 4),
    ]
    wanted = [io.tensor for io in gen.outputs] + list(tensors or [])
    for t in wanted:
        tensor = graph.tensor(t)
        if not tensor.is_constant:
            reads.append(MemoryRead(f"t{t}", base + gen.tensor_offsets[t], tensor.nbytes))
    reads.extend(MemoryRead(b.symbol, base + b.offset, b.size) for b in gen.state)
    request = RunRequest(
        compiled.firmware.elf,
        compiled.platform,
        max_instructions,
        writes,
        reads,
        memory_model=memory_model,
        paint_ram=paint_ram,
    )
    result = get_engine(engine).run(request)
    if result.status != "exit" or result.exit_code != 0:
        what = result.fault.describe() if result.fault else result.status
        if result.status == "budget":
            what = f"did not finish within {max_instructions:,} instructions (at {result.stop_symbol})"
        raise FirmwareFault(f"the model firmware failed: {what}")

    def value(t: int) -> np.ndarray:
        tensor = graph.tensor(t)
        if tensor.is_constant:
            return tensor.data.copy()
        raw = result.memory[f"t{t}"]
        return np.frombuffer(raw, dtype=NUMPY_DTYPES[tensor.dtype]).reshape(tensor.shape).copy()

    cycles: list[int] = []
    inference = 0
    if result.cycles is not None:  # an engine with no cycle model (qemu): no stamps to believe
        stamps = struct.unpack(f"<{n_ops + 1}I", result.memory["stamps"])
        cycles = [(b - a) & 0xFFFFFFFF for a, b in itertools.pairwise(stamps)]  # CYCCNT wraps
        inference = struct.unpack("<I", result.memory["inference"])[0]
    outputs = [value(io.tensor) for io in gen.outputs]
    extra = {t: value(t) for t in tensors or []}
    reads_seen = result.timing.counter_reads if result.timing else []
    op_memory, inference_memory = _memory_shares(reads_seen, n_ops)
    after = b"".join(result.memory[b.symbol] for b in gen.state)
    return ModelRun(outputs, cycles, result, extra, inference, op_memory, inference_memory, after)


def _state_writes(buffers: list[IoBuffer], base: int, state: bytes | None) -> dict[int, bytes]:
    """The arena writes that put a streaming model's state in place: `state` as ModelRun.state
    gave it, or for a first invocation only a clear flag (the firmware then sets the variables)."""
    if not buffers:
        return {}
    if state is None:
        return {base + buffers[0].offset: bytes(buffers[0].size)}
    if len(state) != sum(b.size for b in buffers):
        raise InputError(f"state: {len(state)} bytes, the model keeps {sum(b.size for b in buffers)}")
    writes, at = {}, 0
    for b in buffers:
        writes[base + b.offset] = state[at : at + b.size]
        at += b.size
    return writes


def _memory_shares(reads: list[tuple[int, int]], n_ops: int) -> tuple[list[int], int]:
    """Memory-model cycles of each operator and of the whole inference, from the simulator's
    record of the firmware's CYCCNT reads: one before st_model_run, one before the first
    operator and one after each, one after st_model_run (firmware/runtime/st_main.c and the
    generated st_model_run)."""
    if len(reads) != n_ops + 3:
        return [], 0
    per_op = [reads[2 + i][1] - reads[1 + i][1] for i in range(n_ops)]
    return per_op, reads[-1][1] - reads[0][1]
