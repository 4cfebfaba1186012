"""BATCH_MATMUL int8 and int16 (attention's Q.K^T and weights.V), as LiteRT's batch_matmul.cc computes it:
the leading dimensions broadcast like numpy's matmul (ranks 2 to 5), adj_x and adj_y read an
operand transposed, and one multiplier, lhs scale * rhs scale (a float product) / output scale in
double (GetQuantizedConvolutionMultipler). The batch loops are st_broadcast's, each step one
matrix."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, dtype_reason
from simtiny.lower.elementwise import broadcast_loops, broadcast_shape
from simtiny.lower.quant import quantize_multiplier
from simtiny.lower.sixteen import MAX_SHIFT, zero_point_reason
from simtiny.model import Graph, Operator


def _dims(op: Operator, graph: Graph) -> tuple[tuple[int, ...], tuple[int, ...], int, int, int, int]:
    """(lhs batch shape, rhs batch shape, rows, depth, rhs depth, cols) with the adjoints applied."""
    lhs, rhs = graph.tensor(op.inputs[0]).shape, graph.tensor(op.inputs[1]).shape
    rows, depth = (lhs[-1], lhs[-2]) if op.options.get("adj_x") else (lhs[-2], lhs[-1])
    rdepth, cols = (rhs[-1], rhs[-2]) if op.options.get("adj_y") else (rhs[-2], rhs[-1])
    return lhs[:-2], rhs[:-2], rows, depth, rdepth, cols


class BatchMatMul:
    opcodes = ("BATCH_MATMUL",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
            return "needs two inputs and one output"
        dtype = graph.tensor(op.inputs[0]).dtype
        if dtype not in ("int8", "int16"):
            return f"{dtype} input (int8 and int16 are compiled)"
        reason = dtype_reason(graph, op, {"input1": (dtype,), "output": (dtype,)})
        if reason:
            return reason
        tensors = [graph.tensor(t) for t in (*op.inputs, op.outputs[0])]
        if any(t.quant is None or t.quant.per_channel for t in tensors):
            return "not quantized per tensor"
        if dtype == "int16":
            reason = zero_point_reason(*tensors)
            if reason:
                return reason
            if not -31 <= quantize_multiplier(self.real(op, graph))[1] <= MAX_SHIFT:
                return "requantisation scale outside 2^-31 .. 2^7"
        lhs, rhs = tensors[0].shape, tensors[1].shape
        if not (2 <= len(lhs) <= 5 and 2 <= len(rhs) <= 5):
            return f"ranks {len(lhs)} and {len(rhs)} (2 to 5)"
        lb, rb, rows, depth, rdepth, cols = _dims(op, graph)
        if depth != rdepth:
            return f"inner dimensions {depth} and {rdepth} differ"
        batch = broadcast_shape(lb, rb)
        if batch is None:
            return f"batch dimensions {list(lb)} and {list(rb)} do not broadcast"
        if tensors[2].shape != (*batch, rows, cols):
            return f"output shape {list(tensors[2].shape)}, expected {[*batch, rows, cols]}"
        if quantize_multiplier(self.real(op, graph))[1] > 30:
            return "a rescaling by 2^30 or more"
        return None

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool) -> int:
        """The DSP path's widened lhs row and, without adj_y, the rhs transposed (one matrix); the
        int16 kernel takes none."""
        if self.check(op, graph) or graph.tensor(op.inputs[0]).dtype == "int16":
            return 0
        _, _, _, depth, _, cols = _dims(op, graph)
        return depth // 4 * 8 + (0 if op.options.get("adj_y") else (cols * depth + 3) // 4 * 4)

    @staticmethod
    def real(op: Operator, graph: Graph) -> float:
        f = np.float32
        lhs, rhs, out = (graph.tensor(t) for t in (*op.inputs, op.outputs[0]))
        return float(f(f(lhs.scale()) * f(rhs.scale()))) / float(f(out.scale()))

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        lhs, rhs, out = (graph.tensor(t) for t in (*op.inputs, op.outputs[0]))
        lb, rb, rows, depth, _, cols = _dims(op, graph)
        batch = broadcast_shape(lb, rb) or ()
        extents, ls, rs = broadcast_loops(lb, rb, batch)
        loops = np.array([extents, [s * rows * depth for s in ls], [s * depth * cols for s in rs]], dtype=np.int32)
        p = ctx.ident(f"op{op.index}_batch_matmul")
        table = ctx.const(f"{p}_loops", loops.T.reshape(-1))
        multiplier, shift = quantize_multiplier(self.real(op, graph))
        decl = (
            f"static const st_batch_matmul_params {p} = {{.batches = {{.loops = {table}, .ndim = {len(extents)}}},\n"
            f"    .rows = {rows}, .cols = {cols}, .depth = {depth}, .adj_x = {int(bool(op.options.get('adj_x')))}, "
            f".adj_y = {int(bool(op.options.get('adj_y')))},\n"
            f"    .lhs_offset = {-lhs.zero_point()}, .rhs_offset = {-rhs.zero_point()}, "
            f".output_offset = {out.zero_point()}, .multiplier = {multiplier}, .shift = {shift}}};"
        )
        args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])}"
        if lhs.dtype == "int16":
            return KernelCall(f"st_batch_matmul_s16(&{p}, {args});", ("batch_matmul_s16",), (decl,))
        scratch = "0" if ctx.scratch == "0" else f"(uint32_t *){ctx.scratch}"
        call = f"st_batch_matmul_s8(&{p}, {args}, {scratch});"
        return KernelCall(call, ("batch_matmul_s8",), (decl,))


LOWERINGS = [BatchMatMul()]
