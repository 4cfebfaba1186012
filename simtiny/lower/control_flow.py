"""IF and WHILE: the operators that run other subgraphs (LiteRT's if.cc and while.cc), compiled
into the model's own C as an if/else or a loop around the subgraphs' operators.

Values cross into and out of a subgraph by copies, as LiteRT's interpreter copies them: IF copies
its inputs (after the condition) to the branch's inputs, runs the branch and copies its outputs
out; WHILE keeps its loop variables in its own outputs, copies them to the condition's inputs,
runs it, stops when it gives false, else copies them to the body's inputs, runs the body and
copies its outputs back. Every tensor of the subgraphs stays live while the IF or WHILE runs
(simtiny.flow.plan), so no copy can overwrite what a later one reads."""

from __future__ import annotations

from dataclasses import replace

from simtiny.lower import KernelCall, unsupported
from simtiny.model import Graph, Operator
from simtiny.model.graph import Subgraph

STATE_OPS = ("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE")


def _same_bytes(graph: Graph, ours: tuple[int, ...], theirs: tuple[int, ...], what: str) -> str | None:
    """The subgraph's tensors take the operator's values byte for byte: as many, each of the same
    type and shape."""
    if len(ours) != len(theirs):
        return f"{len(theirs)} {what} for the operator's {len(ours)}"
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        x, y = graph.tensor(a), graph.tensor(b)
        if (x.dtype, x.shape) != (y.dtype, y.shape):
            return f"{what} {k} is {y.dtype} {list(y.shape)}, the operator's {x.dtype} {list(x.shape)}"
    return None


def _subgraph_reason(graph: Graph, sg: Subgraph) -> str | None:
    """Why the operators of a subgraph cannot be compiled, if they cannot."""
    state = sorted({op.opcode for op in sg.operators if op.opcode in STATE_OPS})
    if state:
        return f"{', '.join(state)} inside it (resource variables are compiled in the main graph only)"
    if any(graph.tensor(t).variable for t in sg.tensors):
        return "variable tensors inside it (state is kept for the main graph's operators only)"
    missing = unsupported(replace(graph, operators=list(sg.operators)))
    return f"unsupported {', '.join(missing)}" if missing else None


def _one_bool(graph: Graph, t: int, what: str) -> str | None:
    x = graph.tensor(t)
    return None if x.dtype == "bool" and x.size == 1 else f"{what} {x.dtype} {list(x.shape)}, not one bool"


def _copies(graph: Graph, ctx, targets: tuple[int, ...], sources: tuple[int, ...], indent: str) -> list[str]:
    """A copy of each source's bytes to its target (none where both are one tensor)."""
    return [
        f"{indent}__builtin_memcpy({ctx.tensor(t)}, {ctx.tensor(s)}, {graph.tensor(t).nbytes});"
        for t, s in zip(targets, sources, strict=True)
        if t != s and graph.tensor(t).nbytes
    ]


def _body(graph: Graph, ctx, sg: Subgraph, indent: str) -> list[str]:
    return [indent + ctx.emit(inner).replace("\n", "\n" + indent) for inner in sg.operators]


class If:
    opcodes = ("IF",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if not op.inputs or min(op.inputs) < 0:
            return "needs a condition"
        reason = _one_bool(graph, op.inputs[0], "condition")
        if reason:
            return reason
        for sg in graph.branches(op):
            reason = _same_bytes(graph, op.inputs[1:], sg.inputs, "inputs") or _same_bytes(
                graph, op.outputs, sg.outputs, "outputs"
            )
            reason = reason or _subgraph_reason(graph, sg)
            if reason:
                return f"subgraph {sg.index} ({sg.name}): {reason}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        then, other = graph.branches(op)
        lines = [f"if (*{ctx.tensor(op.inputs[0])}) {{"]
        for k, sg in enumerate((then, other)):
            if k:
                lines.append("} else {")
            lines += _copies(graph, ctx, sg.inputs, op.inputs[1:], "    ")
            lines += _body(graph, ctx, sg, "    ")
            lines += _copies(graph, ctx, op.outputs, sg.outputs, "    ")
        lines.append("}")
        return KernelCall("\n    ".join(lines))


class While:
    opcodes = ("WHILE",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if min(op.inputs, default=0) < 0:
            return "an omitted loop variable"
        reason = _same_bytes(graph, op.inputs, op.outputs, "outputs")
        if reason:
            return f"loop variables: {reason}"
        cond, body = graph.branches(op)
        reasons = [
            (cond, _same_bytes(graph, op.inputs, cond.inputs, "inputs")),
            (cond, None if len(cond.outputs) == 1 else f"{len(cond.outputs)} outputs, not one bool"),
            (cond, cond.outputs and _one_bool(graph, cond.outputs[0], "output")),
            (body, _same_bytes(graph, op.inputs, body.inputs, "inputs")),
            (body, _same_bytes(graph, op.outputs, body.outputs, "outputs")),
            (cond, _subgraph_reason(graph, cond)),
            (body, _subgraph_reason(graph, body)),
        ]
        for sg, reason in reasons:
            if reason:
                return f"subgraph {sg.index} ({sg.name}): {reason}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        cond, body = graph.branches(op)
        lines = _copies(graph, ctx, op.outputs, op.inputs, "")  # the loop variables live in the outputs
        lines.append("for (;;) {")
        lines += _copies(graph, ctx, cond.inputs, op.outputs, "    ")
        lines += _body(graph, ctx, cond, "    ")
        lines.append(f"    if (!*{ctx.tensor(cond.outputs[0])}) break;")
        lines += _copies(graph, ctx, body.inputs, op.outputs, "    ")
        lines += _body(graph, ctx, body, "    ")
        lines += _copies(graph, ctx, op.outputs, body.outputs, "    ")
        lines.append("}")
        return KernelCall("\n    ".join(lines))


LOWERINGS = [If(), While()]
