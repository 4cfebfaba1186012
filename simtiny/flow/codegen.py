"""C sources for a model: weights as const arrays, the arena, one kernel call per operator.

Identifiers are made by simtiny; text from the model (names, description) only ever appears
inside comments, and only after `c_comment` has reduced it to a safe character set.

Identical constants are emitted once: a constant array with the C type and bytes of one already
emitted (a lookup table, a bias or requantisation array, a weight blob) takes that one's name,
and so does a parameter struct (`static const T name = {...};`) whose type and initializer repeat
an earlier one's. A model of ten thousand table operators has then a table per distinct table.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simtiny import __version__, lower
from simtiny.cache import cache_dir, keep_file
from simtiny.errors import SimtinyError
from simtiny.flow.plan import MemoryPlan
from simtiny.lower.channels import kernel_header
from simtiny.model import Graph, Operator

CTYPES = {
    "int8": "int8_t",
    "uint8": "uint8_t",
    "int16": "int16_t",
    "uint16": "uint16_t",
    "int32": "int32_t",
    "uint32": "uint32_t",
    "int64": "int64_t",
    "float32": "float",
    "bool": "uint8_t",
}
BLOB_THRESHOLD = 1024  # bytes; larger constants are emitted as .incbin blobs
CHUNK_OPS = 256  # operators per function of st_model_run's, in models that have more
SAFE_COMMENT = re.compile(r"[^A-Za-z0-9 _.,:;()\[\]#+=-]")
# A parameter struct as the lowerings declare it: type, name, initializer.
STRUCT_DECL = re.compile(r"static const (\w+) (\w+) = (\{[^;]*\});")
IDENTIFIER = re.compile(r"\b[A-Za-z_]\w*")


def blob_path(data: bytes) -> Path:
    """Content-addressed file holding a constant's bytes (shared by all generated models);
    rewritten when it no longer holds them."""
    path = keep_file(cache_dir() / "blobs" / f"{hashlib.sha256(data).hexdigest()[:32]}.bin", data, "the weight blob")
    if any(ch in str(path) for ch in '"\\\n'):
        raise SimtinyError(f"the cache folder {path.parent} has a quote or backslash in its name")
    return path


def c_comment(text: str, limit: int = 60) -> str:
    """Model text made safe for a C comment: no '*/', no newlines, no trigraphs, no escapes."""
    return SAFE_COMMENT.sub("_", text)[:limit]


@dataclass(frozen=True)
class IoBuffer:
    """A model input or output in the arena, exported as a symbol the host finds in the ELF."""

    symbol: str
    tensor: int
    offset: int
    size: int


@dataclass
class GeneratedModel:
    source: str
    kernels: list[str]
    arena_size: int
    inputs: list[IoBuffer]
    outputs: list[IoBuffer]
    tensor_offsets: dict[int, int]
    op_labels: list[str]
    const_bytes: int
    notes: list[str] = field(default_factory=list)
    # what a streaming model keeps between invocations (Graph.state), flag first: the host
    # carries it from one simulated invocation to the next, as the chip's RAM keeps it
    state: list[IoBuffer] = field(default_factory=list)


STATE_READY = 0x53544154  # the state flag's value once the variables are set ("STAT")


class _Context:
    """Implements simtiny.lower.Context while one model is generated."""

    def __init__(self, graph: Graph, plan: MemoryPlan) -> None:
        self.graph = graph
        self.plan = plan
        self.scratch = "0"
        self.in_place = False
        self.lean = False  # run the kernel with the least scratch (MemoryPlan.lean)
        self.level = 0  # run the kernel at this level, 0 the fastest (MemoryPlan.levels)
        self.decls: list[str] = []
        self.kernels: list[str] = []  # firmware/kernels/<name>.c the statements call
        self.const_names: dict[int, str] = {}
        self.used: set[str] = set()
        self.const_bytes = 0
        self.emitted: dict[tuple[str, bytes, bool], str] = {}  # (C type, bytes, aligned) -> the constant's name
        self.structs: dict[tuple[str, str], str] = {}  # (C type, initializer) -> the struct's name

    def emit(self, op: Operator, key: int | None = None) -> str:
        """The C statement of one operator: one of the graph's (`key` its position, the plan's
        key for its scratch, in-place form and kernel level) or one an IF or WHILE runs (`key`
        None: its scratch under its own number, never in place, the fastest kernel)."""
        saved = (self.scratch, self.in_place, self.lean, self.level)
        k = op.index if key is None else key
        self.scratch = f"(st_arena + {self.plan.scratch[k]})" if k in self.plan.scratch else "0"
        self.in_place = key is not None and key in self.plan.in_place
        self.lean = key is not None and key in self.plan.lean
        self.level = self.plan.levels.get(key, 0) if key is not None else 0
        lowering = lower.lowering_for(op, self.graph)
        assert lowering is not None, f"operator {op.index} ({op.opcode}) has no lowering: validation lets none through"
        call = lowering.lower(op, self.graph, self)
        statement = self.declare(call.declarations, call.statement)
        for name in call.kernels:
            if name not in self.kernels:
                self.kernels.append(name)
        self.scratch, self.in_place, self.lean, self.level = saved
        return statement

    def ident(self, hint: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", hint)
        if not base or base[0].isdigit():
            base = "st_" + base
        name, n = base, 2
        while name in self.used:
            name, n = f"{base}_{n}", n + 1
        self.used.add(name)
        return name

    def const(self, hint: str, values: np.ndarray, aligned: bool = True) -> str:
        """Emit `values` as a const array, or return the name of an identical one emitted before.
        Arrays are word-aligned for the kernels' word loads, unless `aligned` is False (read
        byte by byte or by unaligned loads), which lets the linker pack them without padding."""
        values = np.ascontiguousarray(values)
        ctype = CTYPES[str(values.dtype) if values.dtype != np.bool_ else "bool"]
        key = (ctype, values.astype(values.dtype.newbyteorder("<"), copy=False).tobytes(), aligned)
        if key in self.emitted:
            return self.emitted[key]
        name = self.emitted[key] = self.ident(hint)
        if values.nbytes >= BLOB_THRESHOLD and values.dtype != np.float32:
            return self._blob(name, ctype, key[1], values.size)
        flat = values.reshape(-1)
        if values.dtype == np.float32:
            items = [f"{float(v)!r}f" if np.isfinite(v) else _nonfinite(v) for v in flat]
        else:
            items = [str(int(v)) for v in flat]
        body = ",\n".join(", ".join(items[i : i + 24]) for i in range(0, len(items), 24))
        alignment = f" __attribute__((aligned({4 if aligned else 1})))"  # 1: not raised to 4 by GCC either
        self.decls.append(
            f"static const {ctype} {name}[{max(len(items), 1)}]{alignment} = {{\n{body if items else '0'}\n}};"
        )
        self.const_bytes += values.nbytes
        return name

    def _blob(self, name: str, ctype: str, data: bytes, count: int) -> str:
        """Large constants as raw bytes (little-endian) pulled in by the assembler (.incbin):
        compiling a megabyte of C literals takes seconds, the bytes take none."""
        path = blob_path(data)
        self.decls.append(
            f"extern const {ctype} {name}[{count}];\n"
            f'__asm__(".section .rodata.{name},\\"a\\"\\n\\t.balign 16\\n\\t.globl {name}\\n\\t'
            f'.type {name}, %object\\n{name}:\\n\\t.incbin \\"{path}\\"\\n\\t'
            f'.size {name}, {len(data)}\\n\\t.previous");'
        )
        self.const_bytes += len(data)
        return name

    def declare(self, declarations: tuple[str, ...], statement: str) -> str:
        """Add an operator's declarations; a parameter struct identical to one declared before is
        dropped, and `statement` (returned) names the earlier one instead."""
        renamed: dict[str, str] = {}
        for decl in declarations:
            decl = _rename(decl, renamed)
            match = STRUCT_DECL.fullmatch(decl)
            if match is None:
                self.decls.append(decl)
                continue
            ctype, name, initializer = match.groups()
            first = self.structs.setdefault((ctype, initializer), name)
            if first == name:
                self.decls.append(decl)
            else:
                renamed[name] = first
        return _rename(statement, renamed)

    def tensor(self, index: int) -> str:
        t = self.graph.tensor(index)
        ctype = CTYPES.get(t.dtype)
        if ctype is None:
            raise ValueError(f"tensor {index} has type {t.dtype}, which has no C type")
        if t.is_constant:
            if index not in self.const_names:
                data = t.data if t.dtype != "bool" else t.data.astype(np.uint8)
                self.const_names[index] = self.const(f"st_t{index}", data)
            return self.const_names[index]
        return f"(({ctype} *)(st_arena + {self.plan.offsets[index]}))"


def generate(graph: Graph, plan: MemoryPlan) -> GeneratedModel:
    """Emit model.c for `graph` laid out by `plan`."""
    ctx = _Context(graph, plan)
    calls: list[str] = []
    kernels = ctx.kernels
    labels: list[str] = []
    for i, op in enumerate(graph.operators):
        statement = ctx.emit(op, i)
        out_name = c_comment(graph.tensor(op.outputs[0]).name) if op.outputs else ""
        labels.append(f"{op.opcode}")
        calls.append(f"    /* {i}: {op.opcode} -> {out_name} */\n    {statement}\n    st_stamp();\n")
    if not any("st_arena" in c for c in calls):
        # Every operator is a view (RESHAPE...): no code reads the arena, and the linker would drop
        # it, though the host writes the inputs and reads the outputs there.
        calls.insert(0, '    __asm__ volatile("" : : "r"(st_arena) : "memory"); /* keep the arena */\n')
    inputs = [_io(f"st_input_{k}", t, graph, plan) for k, t in enumerate(graph.inputs)]
    outputs = [_io(f"st_output_{k}", t, graph, plan) for k, t in enumerate(graph.outputs)]
    n_ops = len(graph.operators)
    arena = max(plan.arena_size, 16)
    exports = "".join(
        f'__asm__(".globl {b.symbol}\\n\\t.type {b.symbol}, %object\\n\\t'
        f'.set {b.symbol}, st_arena + {b.offset}\\n\\t.size {b.symbol}, {b.size}");\n'
        for b in (*inputs, *outputs)
    )
    state = [_io(f"st_state_{k}", t, graph, plan) for k, t in enumerate(graph.state)]
    state_code = _state_code(graph, state, ctx)  # before the declarations are joined: it adds some
    name = c_comment(graph.path.name if graph.path else "model")
    source = (
        f"/* Generated by simtiny {__version__} from {name}: do not edit. */\n"
        "#include <stdint.h>\n\n"
        '#include "st_runtime.h"\n'
        + "".join(f'#include "{h}.h"\n' for h in dict.fromkeys(kernel_header(k) for k in kernels))
        + f"\n#define ST_ARENA_SIZE {arena}\n"
        "/* Activations and scratch. Not cleared at reset: the host writes inputs here first. */\n"
        "ST_NOINIT uint8_t st_arena[ST_ARENA_SIZE] __attribute__((aligned(16)));\n"
        "/* Cycle counter before the first operator and after each: the host takes differences\n"
        "   (one counter read per operator, where a start and stop pair would take two). One call\n"
        "   a stamp, each to the next place, keeps st_model_run's code small. */\n"
        f"uint32_t st_op_stamps[{n_ops + 1}];\n"
        "static uint32_t *st_next_stamp;\n"
        "static __attribute__((noinline)) void st_stamp(void) { *st_next_stamp++ = st_cycles(); }\n"
        f"const uint32_t st_op_count = {n_ops};\n"
        f"const uint32_t st_arena_size = ST_ARENA_SIZE;\n\n"
        + exports
        + "\n"
        + "\n\n".join(ctx.decls)
        + "\n\n"
        + state_code
        + _model_run(calls, bool(state))
    )
    return GeneratedModel(
        source, kernels, arena, inputs, outputs, dict(plan.offsets), labels, ctx.const_bytes, state=state
    )


def _state_code(graph: Graph, state: list[IoBuffer], ctx: _Context) -> str:
    """st_model_reset, and for a model with state st_state_init: on the first invocation after a
    reset (the flag not yet STATE_READY) each variable takes its initial value, as CALL_ONCE's
    init subgraph gives it."""
    if not state:
        return "void st_model_reset(void) {}\n\n"
    flag, *variables = state
    lines = []
    for v in variables:
        value = graph.initial[v.tensor]
        if not value.any():
            lines.append(f"    __builtin_memset(st_arena + {v.offset}, 0, {v.size});")
        else:
            source = ctx.const(f"st_initial_{v.tensor}", value)
            lines.append(f"    __builtin_memcpy(st_arena + {v.offset}, {source}, {v.size});")
    ready = f"*(volatile uint32_t *)(st_arena + {flag.offset})"
    return (
        "/* Forget the state this streaming model keeps between invocations: the next st_model_run\n"
        "   starts from the variables' initial values. Call it once at boot: the arena is not\n"
        "   cleared at reset. */\n"
        f"void st_model_reset(void) {{ {ready} = 0; }}\n\n"
        "static void st_state_init(void) {\n"
        f"    if ({ready} == 0x{STATE_READY:08X}u) return;\n"
        + "\n".join(lines)
        + f"\n    {ready} = 0x{STATE_READY:08X}u;\n}}\n\n"
    )


def _model_run(calls: list[str], state: bool = False) -> str:
    """st_model_run: the state set on a first invocation, then the operators' calls in order.
    Past CHUNK_OPS operators they go in functions of CHUNK_OPS calls each, which st_model_run
    calls in turn: gcc's instruction scheduler takes time quadratic in a function's straight-line
    length (36 s for 10,000 operators in one)."""
    head = (
        "int st_model_run(void) {\n"
        + ("    st_state_init();\n" if state else "")
        + "    st_next_stamp = st_op_stamps;\n    st_stamp();\n"
    )
    if len(calls) <= CHUNK_OPS:
        return head + "".join(calls) + "    return 0;\n}\n"
    chunks = [calls[k : k + CHUNK_OPS] for k in range(0, len(calls), CHUNK_OPS)]
    parts = "".join(
        f"static __attribute__((noinline)) void st_model_part_{n}(void) {{\n" + "".join(chunk) + "}\n\n"
        for n, chunk in enumerate(chunks)
    )
    return parts + head + "".join(f"    st_model_part_{n}();\n" for n in range(len(chunks))) + "    return 0;\n}\n"


def _rename(text: str, names: dict[str, str]) -> str:
    """`text` with every identifier in `names` replaced by its value."""
    if not names:
        return text
    return IDENTIFIER.sub(lambda m: names.get(m.group(0), m.group(0)), text)


def _io(symbol: str, tensor: int, graph: Graph, plan: MemoryPlan) -> IoBuffer:
    t = graph.tensor(tensor)
    return IoBuffer(symbol, tensor, plan.offsets[tensor], t.nbytes)


def _nonfinite(value: np.float32) -> str:
    """An infinity or a NaN as a C constant expression with exactly its bits (sign, quiet bit and
    payload): gcc's and clang's __builtin_inff/nanf/nansf, which C99 lacks a literal for."""
    bits = int(np.float32(value).view(np.uint32))
    sign = "-" if bits >> 31 else ""
    mantissa = bits & 0x7FFFFF
    if mantissa == 0:
        return f"{sign}__builtin_inff()"
    builtin = "__builtin_nanf" if mantissa & 0x400000 else "__builtin_nansf"
    return f'{sign}{builtin}("{mantissa & 0x3FFFFF:#x}")'
