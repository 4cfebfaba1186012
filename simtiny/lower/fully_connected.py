"""FULLY_CONNECTED int8 (also on inputs of rank > 2): TFLite reference FullyConnected."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, dtype_reason, int16_variant
from simtiny.lower.channels import bias_values, emit_channels
from simtiny.lower.quant import activation_range, quantize_multiplier
from simtiny.model import Graph, Operator, Tensor


def interleaved_rows(w: Tensor) -> np.ndarray:
    """The weights as fully_connected_s8 reads them where accum_depth is a multiple of 4
    (fc_weight): the rows in fours, each four interleaved four weights at a time
    ([rows / 4][depth / 4][4 rows][4]), so that one pass of four outputs reads one run; the last
    output_depth % 4 rows after them as they are."""
    assert w.data is not None
    rows = w.data.reshape(w.shape[0], -1)
    quads = rows.shape[0] // 4 * 4
    head = rows[:quads].reshape(quads // 4, 4, rows.shape[1] // 4, 4).transpose(0, 2, 1, 3)
    return np.concatenate([head.reshape(-1), rows[quads:].reshape(-1)])


def shape_reason(op: Operator, graph: Graph) -> str | None:
    """fully_connected.cc Prepare: a 2-D filter [units, depth], an input of whole rows of `depth`,
    a bias per unit, and the output LiteRT resizes to (keep_num_dims keeps the input's rank)."""
    x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
    if len(w.shape) != 2:
        return f"{len(w.shape)}-D filter (needs [units, depth])"
    units, depth = w.shape
    if x.size % depth:
        return f"input of {x.size} values is not whole rows of the filter's depth {depth}"
    if len(op.inputs) > 2 and op.inputs[2] >= 0 and graph.tensor(op.inputs[2]).size != units:
        return f"bias of {graph.tensor(op.inputs[2]).size} values for {units} units"
    if w.quant is not None and w.quant.per_channel and len(w.quant.scale) != units:
        return f"{len(w.quant.scale)} filter scales for {units} units"
    batches = x.size // depth
    want = (*x.shape[:-1], units) if op.options.get("keep_num_dims") else (batches, units)
    if tuple(y.shape) != tuple(want):
        return f"output shape {list(y.shape)}, LiteRT computes {list(want)}"
    return None


WIDENED_PASSES = 3  # four-row passes from which widening the input once pays (measured: 1 pass loses)


class FullyConnected:
    opcodes = ("FULLY_CONNECTED",)

    def variant(self, op: Operator, graph: Graph):
        """For int16 input, the 16x8 kernel's lowering (simtiny.lower.sixteen); else this one."""
        return int16_variant(op, graph, self, "FULLY_CONNECTED_16X8")

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = dtype_reason(
            graph, op, {"input": ("int8",), "input1": ("int8",), "input2": ("int32",), "output": ("int8",)}
        )
        if reason:
            return reason
        if not graph.tensor(op.inputs[1]).is_constant:
            return "non-constant weights"
        if op.options.get("weights_format", 0) != 0:
            return "shuffled weights"
        return shape_reason(op, graph)

    has_lean = True  # the kernel runs without its scratch too

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool, lean: bool = False) -> int:
        """The input's row widened once for all passes (2 bytes an input feature), where the
        four-row DSP pass runs (no filter zero point, accum_depth a multiple of 4) at least
        WIDENED_PASSES times: widening costs about what two passes save; lean, none."""
        if lean or self.check(op, graph):
            return 0
        w = graph.tensor(op.inputs[1])
        if w.zero_point() != 0 or w.shape[-1] % 4 or w.shape[0] < 4 * WIDENED_PASSES:
            return 0
        return 2 * w.shape[-1]

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        out = graph.tensor(op.outputs[0])
        output_depth, accum_depth = w.shape[0], w.shape[-1]
        batches = x.size // accum_depth
        in_scale, out_scale = x.scale(), out.scale()
        # PopulateConvolutionQuantizationParams (per channel) and GetQuantizedConvolutionMultipler
        # (per tensor) alike: double(input) * double(filter) / double(output). Measured: with
        # scales 0.05, 0.02 and 0.05, a product taken in float rounds up to a multiplier above 0.02,
        # and an accumulator of -1325 would come out -27, not LiteRT's -26.
        scales = w.quant.scale if w.quant is not None and w.quant.per_channel else (w.scale(),)
        reals = [float(in_scale) * float(s) / float(out_scale) for s in scales]
        pairs = [quantize_multiplier(r) for r in reals]
        act_min, act_max = activation_range(
            op.options.get("fused_activation_function", "NONE"), out_scale, out.zero_point()
        )
        p = ctx.ident(f"op{op.index}_fc")
        channels, twin = emit_channels(ctx, p, bias_values(op, graph), pairs)
        decl = (
            f"static const st_fully_connected_params {p} = {{{batches}, {accum_depth}, {output_depth}, "
            f"{-x.zero_point()}, {-w.zero_point()}, {out.zero_point()}, {act_min}, {act_max},\n"
            f"    {channels}}};"
        )
        filt = ctx.const(f"{p}_filter", interleaved_rows(w)) if accum_depth % 4 == 0 else ctx.tensor(op.inputs[1])
        widened = "" if ctx.scratch == "0" else f", (void *){ctx.scratch}"  # st_fully_connected_s8_widened
        call = (
            f"st_fully_connected_s8{'_widened' if widened else ''}{twin}(&{p}, {ctx.tensor(op.inputs[0])}, {filt}, "
            f"{ctx.tensor(op.outputs[0])}{widened});"
        )
        return KernelCall(call, (f"fully_connected_s8{twin}",), (decl,))


LOWERINGS = [FullyConnected()]
