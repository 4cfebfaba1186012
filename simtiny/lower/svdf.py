"""SVDF with int8 input and output, int16 time weights and state (svdf.cc, EvalIntegerSVDF): the
state is the operator's variable tensor, which the planner keeps between invocations
(simtiny.model.variables gives it its zeros, as LiteRT resets variable tensors). Prepare's two
scales are products and quotients of float scales, computed in float as its C++ writes them."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, dtype_reason
from simtiny.lower.quant import quantize_multiplier
from simtiny.model import Graph, Operator

DTYPES = {
    "input": ("int8",),
    "input1": ("int8",),
    "input2": ("int16",),
    "input3": ("int32",),
    "input4": ("int16",),
    "output": ("int8",),
}


def scales(op: Operator, graph: Graph) -> tuple[float, float]:
    """input * feature / state and state * time / output, each in float (svdf.cc Prepare)."""
    x, wf, wt, state = (graph.tensor(op.inputs[k]) for k in (0, 1, 2, 4))
    y = graph.tensor(op.outputs[0])
    f = np.float32
    first = f(f(f(x.scale()) * f(wf.scale())) / f(state.scale()))
    second = f(f(f(state.scale()) * f(wt.scale())) / f(y.scale()))
    return float(first), float(second)


class Svdf:
    opcodes = ("SVDF",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 5 or len(op.outputs) != 1 or min(op.inputs[:3]) < 0 or op.inputs[4] < 0:
            return "needs input, feature and time weights, optional bias, state, and one output"
        reason = dtype_reason(graph, op, DTYPES)
        if reason:
            return reason
        x, wf, wt, state = (graph.tensor(op.inputs[k]) for k in (0, 1, 2, 4))
        y = graph.tensor(op.outputs[0])
        if any(t.quant is None or t.quant.per_channel for t in (x, wf, wt, state, y)):
            return "not quantized per tensor"
        if not (wf.is_constant and wt.is_constant) or not state.variable:
            return "weights must be constant and the state a variable tensor"
        rank = int(op.options.get("rank", 0))
        if len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2 or rank < 1:
            return "2-D input and weights, and a rank of at least 1"
        batches, inputs = x.shape
        filters, memory = wt.shape
        if wf.shape != (filters, inputs) or filters % rank:
            return f"feature weights {list(wf.shape)} for input {list(x.shape)}, {filters} filters of rank {rank}"
        if state.shape != (batches, filters * memory) or y.shape != (batches, filters // rank):
            return f"state {list(state.shape)} and output {list(y.shape)} do not match the weights"
        if op.inputs[3] >= 0 and graph.tensor(op.inputs[3]).size != filters // rank:
            return "bias of another length than the units"
        if op.options.get("fused_activation_function", "NONE") != "RELU":
            return "activation other than RELU (LiteRT's integer SVDF refuses it, and applies none)"
        if state.zero_point() != 0:
            return "state zero point not 0 (LiteRT's integer SVDF assumes it)"
        if any(quantize_multiplier(s)[1] > 30 for s in scales(op, graph)):
            return "a rescaling by 2^30 or more"
        return None

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool) -> int:
        """One int32 per filter: the time products before the rank sums."""
        return 0 if self.check(op, graph) else 4 * graph.tensor(op.inputs[2]).shape[0]

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, wt = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[2])
        y = graph.tensor(op.outputs[0])
        (m1, s1), (m2, s2) = (quantize_multiplier(s) for s in scales(op, graph))
        bias = ctx.tensor(op.inputs[3]) if op.inputs[3] >= 0 else "0"
        p = ctx.ident(f"op{op.index}_svdf")
        decl = (
            f"static const st_svdf_params {p} = {{{x.shape[0]}, {x.shape[1]}, {wt.shape[0]}, "
            f"{int(op.options['rank'])}, {wt.shape[1]}, {x.zero_point()}, {y.zero_point()}, {m1}, {s1}, {m2}, {s2}, "
            f"{ctx.tensor(op.inputs[1])}, {ctx.tensor(op.inputs[2])}, {bias}}};"
        )
        call = (
            f"st_svdf_s8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[4])}, {ctx.tensor(op.outputs[0])}, "
            f"(int32_t *){ctx.scratch});"
        )
        return KernelCall(call, ("svdf_s8",), (decl,))


LOWERINGS = [Svdf()]
