"""The stages strung together: model -> plan -> codegen -> build -> sim -> golden -> verify.

The CLI, the Robot Framework library and the pytest plugin are thin fronts over this module.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simtiny import ops
from simtiny.build import FIRMWARE_DIR, Firmware, FirmwareSpec, build, find_toolchain
from simtiny.cache import cache_dir
from simtiny.codegen import GeneratedModel, generate
from simtiny.contract import RAM_KINDS, STACK_SECTIONS
from simtiny.elfinfo import ElfImage, load_elf
from simtiny.engines import get_engine
from simtiny.engines.result import DEFAULT_MAX_INSTRUCTIONS, MemoryRead, RunRequest, RunResult
from simtiny.errors import EXIT_FAULT, InputError, SimtinyError
from simtiny.model import NUMPY_DTYPES, Graph, load_model
from simtiny.normalize import normalize
from simtiny.plan import MemoryPlan, plan_memory
from simtiny.platform import Platform
from simtiny.size import SizeReport, analyze

KERNELS_DIR = FIRMWARE_DIR / "kernels"
RUNTIME_DIR = FIRMWARE_DIR / "runtime"
EDGE_OPS = ("QUANTIZE", "DEQUANTIZE")


class UnsupportedModel(SimtinyError):
    """The model uses operators or types simtiny cannot compile."""


class FirmwareFault(SimtinyError):
    """The model firmware faulted or never finished."""

    exit_code = EXIT_FAULT


def load_and_check(path: str | Path) -> Graph:
    """Load, normalise and check that every operator can be compiled (one-line errors)."""
    graph = normalize(load_model(path))
    name = Path(path).name
    compute = [op for op in graph.operators if op.opcode not in EDGE_OPS and op.outputs]
    float_ops = [op for op in compute if graph.tensor(op.outputs[0]).dtype == "float32"]
    if compute and len(float_ops) == len(compute):
        raise UnsupportedModel(
            f"{name}: float32 model: simtiny runs fully int8-quantized models "
            "(convert with full-integer quantization: TFLiteConverter with a representative dataset "
            "and supported_ops TFLITE_BUILTINS_INT8)"
        )
    dynamic = [t.index for t in graph.tensors if any(d < 0 for d in t.shape)]
    if dynamic:
        raise UnsupportedModel(f"{name}: dynamic shapes (tensors {dynamic[:5]}): simtiny needs static shapes")
    missing = ops.unsupported(graph)
    if missing:
        raise UnsupportedModel(f"{name}: unsupported: {', '.join(missing)}")
    if not graph.operators:
        raise UnsupportedModel(f"{name}: the model has no operators")
    return graph


def describe_ops(graph: Graph) -> str:
    counts = Counter(op.opcode for op in graph.operators)
    return ", ".join(f"{name} x{n}" for name, n in counts.most_common())


@dataclass
class CompiledModel:
    """A model built into firmware for a platform."""

    graph: Graph
    plan: MemoryPlan
    generated: GeneratedModel
    firmware: Firmware
    image: ElfImage
    platform: Platform  # the platform the firmware was linked and is simulated for (maybe lifted)
    board: Platform  # the real board, whose budgets the verdict uses
    size: SizeReport
    build_seconds: float

    @property
    def arena_address(self) -> int:
        return self.image.symbol("st_arena")

    @property
    def flash_bytes(self) -> int:
        return self.size.flash.used

    @property
    def static_ram(self) -> int:
        """RAM the image reserves in every RAM region (.data, .bss, the arena), not the stack."""
        return static_ram(self.image, self.platform)

    def peak_sram(self, stack_bytes: int = 0) -> int:
        """Static RAM plus the stack high-water of a run (no heap: simtiny firmware has none)."""
        return self.static_ram + stack_bytes

    def flash_breakdown(self) -> dict[str, int]:
        """Flash bytes by role: model constants, kernel code, generated code, runtime."""
        return flash_breakdown(self.size, self.generated.kernels)

    def fits(self, stack_bytes: int = 0) -> bool:
        return not self.fit_problems(stack_bytes)

    def fit_problems(self, stack_bytes: int = 0) -> list[str]:
        """One line per budget exceeded: what is needed against what the board has."""
        out = []
        for label, usage, budget in (
            ("flash", self.flash_bytes, self.board.flash_budget),
            ("SRAM", self.peak_sram(stack_bytes), self.board.sram_budget),
        ):
            if usage > budget:
                out.append(
                    f"{label}: needs {_kib(usage)}, the {self.board.name} budget is {_kib(budget)} "
                    f"({_kib(usage - budget)} over)"
                )
        return out


def static_ram(image: ElfImage, platform: Platform) -> int:
    ram = [r for r in platform.regions if r.kind in RAM_KINDS]
    total = 0
    for sec in image.sections:
        if not sec.alloc or not sec.size or sec.name in STACK_SECTIONS:
            continue
        if any(r.contains(sec.address) for r in ram):
            total += sec.size
    return total


def flash_breakdown(size: SizeReport, kernels: list[str]) -> dict[str, int]:
    """From the linker map: model constants and code (model.o), kernels, everything else."""
    parts = {"constants": 0, "model code": 0, "kernels": 0, "runtime": 0}
    kernel_objects = {f"{k}.o" for k in kernels}
    for obj in size.objects:
        name = obj.object.rsplit("/", 1)[-1]
        flash = obj.code + obj.rodata + obj.data
        if name == "model.o":
            parts["constants"] += obj.rodata + obj.data
            parts["model code"] += obj.code
        elif name in kernel_objects:
            parts["kernels"] += flash
        elif not obj.object.startswith("*fill*"):
            parts["runtime"] += flash
    return parts


def _kib(n: int) -> str:
    return f"{n / 1024:,.1f} KB"


def compile_model(
    graph: Graph, board: Platform, toolchain: str | None = None, reuse: bool = True
) -> CompiledModel:
    """Plan, generate and build firmware (cached by content). Linked with lifted limits, so a
    model too big for the board is still measured; `fits()` gives the verdict."""
    start = time.perf_counter()
    plan = plan_memory(graph, reuse=reuse)
    generated = generate(graph, plan)
    platform = board.lifted()
    tc = find_toolchain(toolchain)
    digest = hashlib.sha256(generated.source.encode()).hexdigest()[:20]
    folder = cache_dir() / "generated" / digest
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "model.c"
    if not source.is_file() or source.read_text() != generated.source:
        source.write_text(generated.source)
    spec = FirmwareSpec(
        name="model",
        sources=(source, *[KERNELS_DIR / f"{k}.c" for k in generated.kernels], RUNTIME_DIR / "st_main.c"),
        include_dirs=(KERNELS_DIR, RUNTIME_DIR),
    )
    firmware = build(spec, platform, tc)
    image = load_elf(firmware.elf)
    size = analyze(image, platform, firmware.map)  # lifted map: nothing clipped; budgets stay real
    return CompiledModel(
        graph, plan, generated, firmware, image, platform, board, size, time.perf_counter() - start
    )


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

    @property
    def op_ideal_cycles(self) -> list[int]:
        if not self.op_memory_cycles:
            return list(self.op_cycles)
        return [c - m for c, m in zip(self.op_cycles, self.op_memory_cycles, strict=True)]


def simulate(
    compiled: CompiledModel,
    inputs: list[np.ndarray],
    max_instructions: int = DEFAULT_MAX_INSTRUCTIONS,
    tensors: list[int] | None = None,
    memory_model: bool = True,
    paint_ram: bool = False,
) -> ModelRun:
    """Write inputs into the arena, run from reset, read outputs (and `tensors`) and op cycles.

    memory_model=False prices zero-wait memory (about five times faster to simulate); the
    outputs are the same either way."""
    graph, gen = compiled.graph, compiled.generated
    base = compiled.arena_address
    writes = {}
    for io, value in zip(gen.inputs, inputs, strict=True):
        data = np.ascontiguousarray(value).tobytes()
        if len(data) != io.size:
            raise InputError(f"input {io.symbol}: {len(data)} bytes, the model takes {io.size}")
        writes[base + io.offset] = data
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
    request = RunRequest(
        compiled.firmware.elf,
        compiled.platform,
        max_instructions,
        writes,
        reads,
        memory_model=memory_model,
        paint_ram=paint_ram,
    )
    result = get_engine("unicorn").run(request)
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

    stamps = struct.unpack(f"<{n_ops + 1}I", result.memory["stamps"])
    cycles = [(b - a) & 0xFFFFFFFF for a, b in itertools.pairwise(stamps)]  # CYCCNT wraps
    inference = struct.unpack("<I", result.memory["inference"])[0]
    outputs = [value(io.tensor) for io in gen.outputs]
    extra = {t: value(t) for t in tensors or []}
    op_memory, inference_memory = _memory_shares(result.cyccnt_reads, n_ops)
    return ModelRun(outputs, cycles, result, extra, inference, op_memory, inference_memory)


def _memory_shares(reads: list[tuple[int, int]], n_ops: int) -> tuple[list[int], int]:
    """Memory-model cycles of each operator and of the whole inference, from the simulator's
    record of the firmware's CYCCNT reads: one before st_model_run, one before the first
    operator and one after each, one after st_model_run (firmware/runtime/st_main.c and the
    generated st_model_run)."""
    if len(reads) != n_ops + 3:
        return [], 0
    per_op = [reads[2 + i][1] - reads[1 + i][1] for i in range(n_ops)]
    return per_op, reads[-1][1] - reads[0][1]


def random_inputs(graph: Graph, seed: int) -> list[np.ndarray]:
    """Seeded random inputs covering each input's whole quantized range."""
    rng = np.random.default_rng(seed)
    out = []
    consumers = graph.consumers()
    for t in graph.inputs:
        tensor = graph.tensor(t)
        dtype = np.dtype(NUMPY_DTYPES[tensor.dtype])
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            out.append(rng.integers(info.min, info.max, size=tensor.shape, endpoint=True, dtype=dtype))
            continue
        low, high = -1.0, 1.0
        for i in consumers.get(t, []):
            op = graph.operators[i]
            q = graph.tensor(op.outputs[0])
            if op.opcode == "QUANTIZE" and q.quant is not None:
                info = np.iinfo(np.dtype(NUMPY_DTYPES[q.dtype]))
                low = q.scale() * (info.min - q.zero_point())
                high = q.scale() * (info.max - q.zero_point())
        out.append(rng.uniform(low, high, size=tensor.shape).astype(dtype))
    return out
