"""AVERAGE_POOL_2D and MAX_POOL_2D int8 and int16: LiteRT's reference_integer_ops AveragePool /
MaxPool.

Both work on the raw int8 values: LiteRT only DCHECKs that input and output share scale and
zero point, so a model whose quantization differs gets the raw average or maximum, re-read
with the output's parameters, and so does simtiny. Output size and padding follow
ComputePaddingHeightWidth with dilation 1 (tflite/kernels/padding.h).
"""

from __future__ import annotations

from dataclasses import dataclass

from simtiny.lower import KernelCall, dtype_reason
from simtiny.lower.geometry import out_size_and_padding
from simtiny.lower.quant import activation_range, float_activation_range
from simtiny.lower.quantize_ops import c_float
from simtiny.model import Graph, Operator

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


@dataclass(frozen=True)
class PoolGeometry:
    batches: int
    input_h: int
    input_w: int
    depth: int
    output_h: int
    output_w: int
    stride_h: int
    stride_w: int
    filter_h: int
    filter_w: int
    pad_h: int
    pad_w: int


def geometry(op: Operator, shape: tuple[int, ...]) -> PoolGeometry:
    o = op.options
    sh, sw = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
    fh, fw = int(o.get("filter_height", 1)), int(o.get("filter_width", 1))
    padding = o.get("padding", "SAME")
    oh, ph = out_size_and_padding(padding, shape[1], fh, sh)
    ow, pw = out_size_and_padding(padding, shape[2], fw, sw)
    return PoolGeometry(shape[0], shape[1], shape[2], shape[3], oh, ow, sh, sw, fh, fw, ph, pw)


def window_init(g: PoolGeometry, act_min: int, act_max: int) -> str:
    """The C initialiser of an st_pool_params: the geometry, then the activation's bounds."""
    fields = (g.batches, g.input_h, g.input_w, g.depth, g.output_h, g.output_w, g.stride_h, g.stride_w)
    fields += (g.filter_h, g.filter_w, g.pad_h, g.pad_w, act_min, act_max)
    return "{" + ", ".join(str(int(v)) for v in fields) + "}"


def empty_window(g: PoolGeometry) -> bool:
    """True if some output's window misses the image (AveragePool then fails in LiteRT)."""

    def misses(out: int, stride: int, pad: int, filt: int, size: int) -> bool:
        for o in range(out):
            origin = o * stride - pad
            if min(filt, size - origin) <= max(0, -origin):
                return True
        return False

    return misses(g.output_h, g.stride_h, g.pad_h, g.filter_h, g.input_h) or misses(
        g.output_w, g.stride_w, g.pad_w, g.filter_w, g.input_w
    )


class Pool:
    """Shared check and lowering; `kernel` names the C function and file."""

    def __init__(self, opcode: str, kernel: str) -> None:
        self.opcodes = (opcode,)
        self.kernel = kernel

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = dtype_reason(graph, op, {"input": ("int8", "int16"), "output": ("int8", "int16")})
        if reason:
            return reason
        if graph.tensor(op.inputs[0]).dtype != graph.tensor(op.outputs[0]).dtype:
            return f"{graph.tensor(op.inputs[0]).dtype} input, {graph.tensor(op.outputs[0]).dtype} output"
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.quant is None or y.quant is None:
            return "not quantized"
        return self.window_reason(op, graph)

    def window_reason(self, op: Operator, graph: Graph) -> str | None:
        """The checks on the window geometry, whatever the type."""
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if len(x.shape) != 4:
            return f"{len(x.shape)}-D input (needs 4-D NHWC)"
        o = op.options
        if o.get("padding", "SAME") not in ("SAME", "VALID"):
            return f"padding {o.get('padding')}"
        if min(int(o.get(k, 1)) for k in ("stride_h", "stride_w", "filter_height", "filter_width")) < 1:
            return "stride or filter size below 1"
        if o.get("fused_activation_function", "NONE") not in ACTIVATIONS:
            return f"fused activation {o.get('fused_activation_function')}"
        g = geometry(op, x.shape)
        if g.output_h < 1 or g.output_w < 1 or x.size == 0:
            return "empty output"
        if tuple(y.shape) != (g.batches, g.output_h, g.output_w, g.depth):
            return f"output shape {list(y.shape)}, LiteRT computes {[g.batches, g.output_h, g.output_w, g.depth]}"
        if empty_window(g):
            return "a pooling window lies outside the input"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        g = geometry(op, x.shape)
        bounds = (-32768, 32767) if y.dtype == "int16" else (-128, 127)
        act_min, act_max = activation_range(
            op.options.get("fused_activation_function", "NONE"), y.scale(), y.zero_point(), *bounds
        )
        p = ctx.ident(f"op{op.index}_pool")
        decl = f"static const st_pool_params {p} = {window_init(g, act_min, act_max)};"
        # one window, from row -pad_h and column -pad_w on, covers the image: a kernel of its own
        whole = (g.output_h, g.output_w) == (1, 1) and (
            g.filter_h - g.pad_h >= g.input_h and g.filter_w - g.pad_w >= g.input_w
        )
        if y.dtype == "int16":  # the converter's 16x8 mode: one portable kernel file for both pools
            args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])}"
            call = f"st_{self.kernel.replace('_s8', '_s16')}(&{p}, {args});"
            return KernelCall(call, ("pool_s16",), (decl,))
        kernel = f"st_{self.kernel}{'_global' if whole and self.opcodes == ('AVERAGE_POOL_2D',) else ''}"
        call = f"{kernel}(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, (self.kernel,), (decl,))


class L2Pool(Pool):
    """L2_POOL_2D float32 (LiteRT's reference L2Pool): the pools' window geometry and checks, the
    square root of each window's mean square in float, the activation's float range."""

    def __init__(self) -> None:
        super().__init__("L2_POOL_2D", "l2_pool_f32")

    def check(self, op: Operator, graph: Graph) -> str | None:
        if not op.inputs or op.inputs[0] < 0 or len(op.outputs) != 1:
            return "needs an input and one output"
        reason = dtype_reason(graph, op, {"input": ("float32",), "output": ("float32",)})
        return reason + " (float32 is compiled)" if reason else self.window_reason(op, graph)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x = graph.tensor(op.inputs[0])
        g = geometry(op, x.shape)
        low, high = (c_float(v) for v in float_activation_range(op.options.get("fused_activation_function", "NONE")))
        p = ctx.ident(f"op{op.index}_l2_pool")
        decl = f"static const st_l2_pool_params {p} = {{{window_init(g, 0, 0)}, {low}, {high}}};"
        call = f"st_l2_pool_f32(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("l2_pool_f32",), (decl,))


LOWERINGS = [Pool("AVERAGE_POOL_2D", "avg_pool_s8"), Pool("MAX_POOL_2D", "max_pool_s8"), L2Pool()]
