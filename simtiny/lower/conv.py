"""CONV_2D and DEPTHWISE_CONV_2D int8: LiteRT's reference ConvPerChannel / DepthwiseConvPerChannel.

LiteRT runs every int8 convolution through the per-channel kernels: a per-tensor filter scale is
broadcast to all output channels, and each channel's multiplier is
QuantizeMultiplier(double(input_scale) * double(filter_scale) / double(output_scale)).
Padding and output size follow ComputePaddingHeightWidth (tflite/kernels/padding.h). Unlike
FULLY_CONNECTED, the wheel's convolutions requantise with gemmlowp's double rounding (measured;
see st_requantize_double in firmware/kernels/st_quant.h).

Pointwise convolutions (1x1 filter, stride 1, one group) run a dedicated kernel (conv1x1_s8)
with the input offset folded into the bias, in blocks of pixels widened to int16; other
convolutions with one group gather each output pixel's window as int8 taps and run the same
block kernel over them (st_conv2d_s8_columns), padding taps at the zero point. Where
simtiny.lower.bounds proves it exact, both requantise with st_requantize_fast, else through
conv1x1_s8's _general build. Pointwise convolutions can run in place, the output over input
0's buffer, pixel by pixel; depthwise convolutions with depth multiplier 1 too, channel plane
by channel plane; the other convolutions write their output over the part of input 0 they
have read (overlap_gap). Bias, multipliers and shifts are stored compactly
(simtiny.lower.channels).

Where the accumulators are bounded, depthwise layers take faster kernels: a zero-padded int16
plane and SMLAD (the common 3x3, 5x5 and 7x7 filters) or, on planes small beside the filter, a
copy of the image over in-image taps only (an estimate of both kernels' cycles picks one). The
faster kernels need more scratch than the generic ones, so the planner keeps them only where
the arena's peak does not grow (MemoryPlan.lean).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simtiny.lower import KernelCall, dtype_reason, fast_and_lean, int16_variant
from simtiny.lower.activations import mul_by_quantized_multiplier_double
from simtiny.lower.bounds import fast_channel, requant_bounded, requant_fast
from simtiny.lower.channels import BUILD_SUFFIX, bias_values, emit_channels, has_bias
from simtiny.lower.geometry import out_size_and_padding
from simtiny.lower.quant import INT8_MIN, activation_range, quantize_multiplier, round_half_away
from simtiny.model import Graph, Operator, Tensor
from simtiny.model.macs import graph_macs

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
DTYPES = {"input": ("int8",), "input1": ("int8",), "input2": ("int32",), "output": ("int8",)}


@dataclass(frozen=True)
class Geometry:
    """Spatial parameters shared by both operators, as LiteRT's Prepare derives them."""

    out_h: int
    out_w: int
    pad_h: int
    pad_w: int
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int


def geometry(op: Operator, x: Tensor, w: Tensor) -> Geometry:
    o = op.options
    sh, sw = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
    dh, dw = int(o.get("dilation_h_factor", 1)), int(o.get("dilation_w_factor", 1))
    padding = o.get("padding", "SAME")
    if padding == "EXPLICIT":  # a PAD fused into the convolution (simtiny.lower.fusion)
        out_h, _ = out_size_and_padding("VALID", x.shape[1] + o["pad_top"] + o["pad_bottom"], w.shape[1], sh, dh)
        out_w, _ = out_size_and_padding("VALID", x.shape[2] + o["pad_left"] + o["pad_right"], w.shape[2], sw, dw)
        return Geometry(out_h, out_w, int(o["pad_top"]), int(o["pad_left"]), sh, sw, dh, dw)
    out_h, pad_h = out_size_and_padding(padding, x.shape[1], w.shape[1], sh, dh)
    out_w, pad_w = out_size_and_padding(padding, x.shape[2], w.shape[2], sw, dw)
    return Geometry(out_h, out_w, pad_h, pad_w, sh, sw, dh, dw)


STEP_OPTIONS = ("stride_h", "stride_w", "dilation_h_factor", "dilation_w_factor")
INT16_MAX = 32767  # the kernels' parameter structs hold sizes, strides and offsets as int16
INT8_MAX = 127  # and the depthwise kernels' filter sizes, strides, dilations and padding as int8


def common_reason(
    op: Operator, graph: Graph, channel_dim: int, dtypes: dict[str, tuple[str, ...]] = DTYPES
) -> str | None:
    """Checks both operators share (and CONV_2D's 16x8 variant: its `dtypes`); channel_dim is
    the filter axis holding the output channels."""
    reason = dtype_reason(graph, op, dtypes)
    if reason:
        return reason
    if len(op.inputs) < 2 or len(op.outputs) != 1:
        return "needs input, filter and one output"
    x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
    if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4:
        return "input, filter and output must be 4-D"
    if min(*x.shape, *w.shape) <= 0:
        return "empty input or filter"
    if not w.is_constant:
        return "non-constant weights"
    for t, role in ((x, "input"), (w, "filter"), (y, "output")):
        if t.quant is None or not t.quant.scale:
            return f"unquantized {role}"
        # Filter scales only enter the multiplier: LiteRT takes zero (a dead channel) and negative
        # ones (MCUNet has some; the channel's output is negated) without complaint.
        if any(not math.isfinite(s) or (s <= 0 and role != "filter") for s in t.quant.scale):
            return f"invalid {role} scale"
    o = op.options
    sizes = (*x.shape, *w.shape, *y.shape, *(int(o.get(k, 1)) for k in STEP_OPTIONS))
    if max(sizes) > INT16_MAX:
        return f"dimension, stride or dilation {max(sizes)} over {INT16_MAX} (the kernels' int16 parameters)"
    if o.get("padding", "SAME") not in ("SAME", "VALID", "EXPLICIT"):  # EXPLICIT: a fused PAD's
        return f"padding {o.get('padding')}"
    if min(int(o.get(k, 1)) for k in STEP_OPTIONS) < 1:
        return "stride or dilation < 1"
    activation = o.get("fused_activation_function", "NONE")
    if activation not in ACTIVATIONS:
        return f"fused {activation}"
    channels = w.shape[channel_dim]
    assert w.quant is not None
    n_scales = len(w.quant.scale)
    axis_ok = 0 <= w.quant.axis < 4 and w.shape[w.quant.axis] == channels
    if n_scales not in (1, channels) or (n_scales > 1 and not axis_ok):
        return f"{n_scales} filter scales for {channels} output channels"
    if has_bias(op):
        b = graph.tensor(op.inputs[2])
        if b.size != channels:
            return f"bias of {b.size} values for {channels} output channels"
        if b.quant is not None and any(b.quant.zero_point):
            return "non-zero bias zero point"
    if max(multiplier_shift(r) for r in effective_scales(op, graph)) > 30:
        # the double-rounding path would shift left by 31 or more: undefined in LiteRT's C++
        return "requantisation scale input*filter/output >= 2^30"
    g = geometry(op, x, w)
    want = (x.shape[0], g.out_h, g.out_w, channels)
    if g.out_h < 1 or g.out_w < 1:
        return "filter larger than the padded input"
    if tuple(y.shape) != want:
        return f"output shape {list(y.shape)}, expected {list(want)}"
    return None


def effective_scales(op: Operator, graph: Graph) -> list[float]:
    """PopulateConvolutionQuantizationParams: each float scale widened to double, then multiplied."""
    x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
    assert w.quant is not None
    return [float(x.scale()) * float(s) / float(y.scale()) for s in w.quant.scale]


def multiplier_shift(real: float) -> int:
    """The shift QuantizeMultiplier gives `real`, before any clamping."""
    if real == 0.0:
        return 0
    q, shift = math.frexp(real)
    return shift + 1 if round_half_away(q * (1 << 31)) == 1 << 31 else shift


def channels_decl(op: Operator, graph: Graph, ctx, prefix: str, bias: np.ndarray | None) -> tuple[str, str]:
    """The st_channel_params initializer with LiteRT's multiplier/shift per channel (one pair
    when the filter is per-tensor), and the suffix of the kernel twin that reads it."""
    return emit_channels(ctx, prefix, bias, [quantize_multiplier(r) for r in effective_scales(op, graph)])


def act_bounds(op: Operator, graph: Graph) -> tuple[int, int]:
    y = graph.tensor(op.outputs[0])
    return activation_range(op.options.get("fused_activation_function", "NONE"), y.scale(), y.zero_point())


def window_fields(op: Operator, graph: Graph, g: Geometry) -> str:
    """The designated-initializer lines CONV_2D's and DEPTHWISE_CONV_2D's structs share:
    strides, dilations, padding, zero points and the activation's bounds."""
    x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    act_min, act_max = act_bounds(op, graph)
    return (
        f"    .stride_h = {g.stride_h}, .stride_w = {g.stride_w}, .dilation_h = {g.dilation_h}, "
        f".dilation_w = {g.dilation_w}, .pad_h = {g.pad_h}, .pad_w = {g.pad_w},\n"
        f"    .input_offset = {-x.zero_point()}, .output_offset = {y.zero_point()}, "
        f".act_min = {act_min}, .act_max = {act_max},\n"
    )


def folded_bias(op: Operator, graph: Graph) -> np.ndarray:
    """bias + input_offset * (sum of each output channel's filter), wrapped to int32 like the
    kernel's accumulator: the pointwise kernel then sums filter * input alone."""
    x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
    assert w.data is not None
    filters = w.data.reshape(w.shape[0], -1).astype(np.int64)
    total = filters.sum(axis=1) * -x.zero_point()
    bias = bias_values(op, graph)
    if bias is not None:
        total = total + bias.astype(np.int64)
    return (total & 0xFFFFFFFF).astype(np.uint32).view(np.int32)


def paired_filter(w: Tensor) -> np.ndarray:
    """A 1x1 filter [Cout, Cin] as conv1x1_s8 reads it: output channels in pairs (a zero row
    completes an odd last pair), each pair's rows zero-padded to a multiple of 4 input channels
    and interleaved four channels at a time ([Cin4 / 4][2][4] per pair)."""
    assert w.data is not None
    cout, cin = w.shape[0], w.size // w.shape[0]
    rows = np.zeros((cout + cout % 2, (cin + 3) // 4 * 4), dtype=np.int8)
    rows[:cout, :cin] = w.data.reshape(cout, cin)
    return rows.reshape(-1, 2, rows.shape[1] // 4, 4).transpose(0, 2, 1, 3).reshape(-1)


# st_depthwise_conv2d_s8_inplace_2x2 and _4x4: cycles a channel (measured on mbv2-w0.3's layers)
PLANE_COSTS = {2: 62, 4: 298}
SMALL4_SHARE = 0.0025  # small4_linked: the share of the model's MACs small4 must save, in cycles
PAIRS_SHARE = 0.0025  # pairs_linked: the share of the blocks' MACs in blocks of one or two pixels
POINTWISE_BLOCK = 256  # conv1x1_s8's most pixels per block: its scratch holds one block widened
POINTWISE_BLOCK_BYTES = 8192  # and at most this much of it
POINTWISE_LEAN_BLOCK = 2


def pointwise_blocks(pixels: int, channels: int) -> list[int]:
    """Pixels per block of conv1x1_s8 over `channels` (input channels or taps), by level (the
    planner's, simtiny.flow.plan), largest first: each output channel's bias and requantisation
    are decoded once per block, so larger blocks are faster, up to POINTWISE_BLOCK and a widened
    block of POINTWISE_BLOCK_BYTES, but at least four (a multiple of four: the kernel takes
    pixels four at a time, and a block's last one to three cost a whole four); then, where that
    scratch would raise the arena's peak, each of 128, 64, 32, 16, 8 and 4 below it, and last
    two (lean)."""
    fits = POINTWISE_BLOCK_BYTES // (2 * ((channels + 3) // 4 * 4))
    fast = min(pixels, POINTWISE_BLOCK, max(4, fits & ~3))
    lean = min(pixels, POINTWISE_LEAN_BLOCK)
    return [fast, *(b for b in (128, 64, 32, 16, 8, 4) if lean < b < fast), *([lean] if lean < fast else [])]


def pointwise_block(pixels: int, channels: int, lean: bool, level: int = 0) -> int:
    """The block at this level of pointwise_blocks, or the last (two pixels) when lean."""
    blocks = pointwise_blocks(pixels, channels)
    return blocks[-1] if lean else blocks[min(level, len(blocks) - 1)]


# st_conv2d_s8_columns: taps per output pixel (its smallest block, four pixels, takes 8 B a tap);
# more run the generic kernel
COLUMNS_MAX_TAPS = 2048
COLUMNS_STACK_TAPS = 40  # with a block of two pixels, its scratch fits ST_CONV_COLUMNS_STACK_BYTES


def pointwise_scratch(channels: int, block: int) -> int:
    """conv1x1_s8's scratch: a block of pixels of `channels` widened to int16."""
    return 4 * ((channels + 3) // 4 * 4) * ((block + 1) // 2)


def accumulators_bounded(op: Operator, graph: Graph, taps: np.ndarray) -> bool:
    """Whether the layer may requantise with st_requantize_bounded; taps: one row per output
    channel (simtiny.lower.bounds)."""
    x = graph.tensor(op.inputs[0])
    shifts = [quantize_multiplier(r)[1] for r in effective_scales(op, graph)]
    return requant_bounded(taps, bias_values(op, graph), -x.zero_point(), shifts)


def aligned_scratch(size: int) -> int:
    """Scratch bytes as the planner places them (simtiny.flow.plan.ALIGN; imported here, as the
    planner imports the lowerings)."""
    from simtiny.flow.plan import ALIGN

    return (size + ALIGN - 1) // ALIGN * ALIGN


def requant_is_mixed(op: Operator, graph: Graph, taps: np.ndarray, pairs: list[tuple[int, int]]) -> bool:
    """Whether a per-channel layer that is not fast may take conv1x1_s8's fast shifts-apart twin,
    its channels that are not fast (simtiny.lower.bounds.fast_channel) the general way: some
    channels are fast, their accumulators bounded, and the activation spans all of int8; pairs:
    the layer's (multiplier, shift) per channel."""
    fast = [i for i, (m, s) in enumerate(pairs) if fast_channel(m, s)]
    if len(pairs) < 2 or not fast or act_bounds(op, graph) != (INT8_MIN, INT8_MAX):
        return False
    x, bias = graph.tensor(op.inputs[0]), bias_values(op, graph)
    rows = taps.reshape(taps.shape[0], -1)[fast]
    return requant_bounded(rows, None if bias is None else bias[fast], -x.zero_point(), [pairs[i][1] for i in fast])


def constant_outputs(op: Operator, graph: Graph, taps: np.ndarray, pairs: list[tuple[int, int]]) -> dict[int, int]:
    """The output channels whose output is the same for every int8 input, with that output:
    those with a multiplier of 0, and those (multiplier > 0) whose requantised output, clamped,
    is the same at both ends of the accumulator's range, bias plus each tap's extreme
    w * (x + input_offset) over int8 x (a padding tap adds 0, inside that range). The
    requantisation is monotonic in the accumulator where the left shift cannot wrap, so the
    ends decide. Trained models have many such dead channels (tiny scales, a bias that
    dominates: 971 of MLPerf Tiny VWW's 1,496 pointwise channels); taps: one row per channel."""
    x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    offset, act_min, act_max = -x.zero_point(), *act_bounds(op, graph)
    rows = taps.reshape(taps.shape[0], -1).astype(np.int64)
    bias = bias_values(op, graph)
    base = np.zeros(rows.shape[0], np.int64) if bias is None else bias.astype(np.int64)
    low, high = INT8_MIN + offset, INT8_MAX + offset
    ends = (base + np.where(rows > 0, rows * low, rows * high).sum(axis=1),
            base + np.where(rows > 0, rows * high, rows * low).sum(axis=1))  # fmt: skip
    found: dict[int, int] = {}
    for i, (m, shift) in enumerate(pairs):
        if m < 0:
            continue
        left = max(shift, 0)
        lo, hi = int(ends[0][i]), int(ends[1][i])
        if m and (lo * (1 << left) < -(1 << 31) or hi * (1 << left) >= 1 << 31):
            continue
        out = {min(max(mul_by_quantized_multiplier_double(a, m, shift) + y.zero_point(), act_min), act_max)
               for a in (lo, hi)}  # fmt: skip
        if len(out) == 1:
            found[i] = out.pop()
    return found


def requant_is_fast(op: Operator, graph: Graph, taps: np.ndarray) -> bool:
    """Whether the layer may requantise with st_requantize_fast (simtiny.lower.bounds); taps: one
    row per output channel."""
    multipliers, shifts = zip(*(quantize_multiplier(r) for r in effective_scales(op, graph)), strict=True)
    return requant_fast(accumulators_bounded(op, graph, taps), list(multipliers), list(shifts), *act_bounds(op, graph))


def in_place_refused(ctx, op: Operator) -> None:
    if getattr(ctx, "in_place", False):
        raise ValueError(f"operator {op.index} ({op.opcode}) planned in place, which its kernel cannot do")


def scratch_of(ctx, op: Operator) -> str:
    """The operator's scratch buffer, as int8_t *."""
    if ctx.scratch == "0":
        raise ValueError(f"operator {op.index} ({op.opcode}) planned without its scratch buffer")
    return f"(int8_t *){ctx.scratch}"


class Conv2D:
    opcodes = ("CONV_2D",)

    def variant(self, op: Operator, graph: Graph):
        """For int16 input, the 16x8 kernel's lowering (simtiny.lower.sixteen); else this one."""
        return int16_variant(op, graph, self, "CONV_16X8")

    @staticmethod
    def pointwise(op: Operator, graph: Graph) -> bool:
        """1x1 filter, stride 1, one group: output pixel p depends on input pixel p alone
        (padding and dilation change nothing for a 1x1 filter)."""
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        o = op.options
        return (
            tuple(w.shape[1:3]) == (1, 1)
            and int(o.get("stride_h", 1)) == 1
            and int(o.get("stride_w", 1)) == 1
            and w.shape[3] == x.shape[3]
        )

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Pointwise convolutions write each pixel's outputs after copying its inputs."""
        return self.check(op, graph) is None and self.pointwise(op, graph)

    @staticmethod
    def columns_taps(op: Operator, graph: Graph) -> int | None:
        """Taps per output pixel (filter_h * filter_w * filter_c) of a non-pointwise layer with
        one group that st_conv2d_s8_columns runs (at most COLUMNS_MAX_TAPS); None: the generic
        kernel."""
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        if Conv2D.pointwise(op, graph) or x.shape[3] != w.shape[3]:
            return None
        taps = w.size // w.shape[0]
        return taps if taps <= COLUMNS_MAX_TAPS else None

    @staticmethod
    def columns_block(op: Operator, graph: Graph, lean: bool, level: int = 0) -> int | None:
        """Output pixels per block of st_conv2d_s8_columns, or None for the generic kernel: lean,
        two, on the stack, where the taps are few enough (else the generic kernel, which needs no
        scratch); otherwise as many as the pointwise kernel takes at this level."""
        taps = Conv2D.columns_taps(op, graph)
        if taps is None or (lean and taps > COLUMNS_STACK_TAPS):
            return None
        y = graph.tensor(op.outputs[0])
        return pointwise_block(y.size // y.shape[3], taps, lean, level)

    def overlap_gap(self, op: Operator, graph: Graph) -> int | None:
        """A convolution that is not pointwise (st_conv2d_s8_columns or st_conv2d_s8) writes its
        output pixels in order, each (or each block) after reading its windows, and the windows
        of pixel q and later start at input row oy(q) * stride - pad or below it: so the output
        may start `gap` bytes before the input, where gap is the most that the output up to and
        including pixel q runs ahead of the first input byte pixel q may read, over all q."""
        if self.check(op, graph) is not None or self.pointwise(op, graph):
            return None
        x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        g = geometry(op, x, w)
        pixels = np.arange(x.shape[0] * g.out_h * g.out_w, dtype=np.int64)
        batch, oy = pixels // (g.out_h * g.out_w), pixels // g.out_w % g.out_h
        row = np.maximum(oy * g.stride_h - g.pad_h, 0)
        first_read = batch * x.size // x.shape[0] + row * x.shape[2] * x.shape[3]
        return max(int(np.max((pixels + 1) * y.shape[3] - first_read)), 0)

    has_lean = True  # st_conv2d_s8 needs no scratch where st_conv2d_s8_columns needs some

    def scratch_levels(self, op: Operator, graph: Graph, in_place: bool) -> list[int]:
        """Pointwise: each block of pointwise_blocks widened; st_conv2d_s8_columns: the same over
        its taps, each block but the lean one, then none (lean: on the stack, or the generic
        kernel); else the fast kernel's and the lean one's."""
        if self.check(op, graph) is None and self.pointwise(op, graph):
            if in_place and not self.in_place(op, graph):
                return [0]
            x = graph.tensor(op.inputs[0])
            return [pointwise_scratch(x.shape[3], b) for b in pointwise_blocks(x.size // x.shape[3], x.shape[3])]
        taps = self.columns_taps(op, graph)
        if self.check(op, graph) is None and taps is not None:
            y = graph.tensor(op.outputs[0])
            blocks = pointwise_blocks(y.size // y.shape[3], taps)
            return [pointwise_scratch(taps, b) for b in (blocks[:-1] if len(blocks) > 1 else blocks)] + [0]
        return fast_and_lean(op, graph, in_place)

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool, lean: bool = False) -> int:
        """Pointwise: a block of pixels widened to int16 (lean: a block of two);
        st_conv2d_s8_columns: the same over the taps (lean: on the stack, or none, the generic
        kernel)."""
        if self.check(op, graph) is not None:
            return 0
        if self.pointwise(op, graph):
            if in_place and not self.in_place(op, graph):
                return 0
            return pointwise_scratch(graph.tensor(op.inputs[0]).shape[3], self.pointwise_block(op, graph, lean))
        block = self.columns_block(op, graph, lean)
        if block is None or lean:
            return 0
        return pointwise_scratch(self.columns_taps(op, graph) or 0, block)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = common_reason(op, graph, channel_dim=0)
        if reason:
            return reason
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        assert w.quant is not None
        if any(w.quant.zero_point):
            return "non-zero filter zero point"  # LiteRT's Prepare refuses it for int8
        if x.shape[3] % w.shape[3]:
            return f"{x.shape[3]} input channels not a multiple of {w.shape[3]} filter channels"
        groups = x.shape[3] // w.shape[3]
        if w.shape[0] % groups:
            return f"{w.shape[0]} output channels not a multiple of {groups} groups"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        if self.pointwise(op, graph):
            return self.lower_pointwise(op, graph, ctx)
        in_place_refused(ctx, op)
        block = self.columns_block(op, graph, getattr(ctx, "lean", False), getattr(ctx, "level", 0))
        if block is not None:
            return self.lower_columns(op, graph, ctx, block)
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        g = geometry(op, x, w)
        p = ctx.ident(f"op{op.index}_conv")
        channels, twin = channels_decl(op, graph, ctx, p, bias_values(op, graph))
        decl = (
            f"static const st_conv2d_params {p} = {{\n"
            f"    .batches = {x.shape[0]}, .input_h = {x.shape[1]}, .input_w = {x.shape[2]}, "
            f".input_c = {x.shape[3]},\n"
            f"    .filter_h = {w.shape[1]}, .filter_w = {w.shape[2]}, .filter_c = {w.shape[3]},\n"
            f"    .output_h = {g.out_h}, .output_w = {g.out_w}, .output_c = {w.shape[0]}, "
            f".groups = {x.shape[3] // w.shape[3]},\n"
            f"{window_fields(op, graph, g)}    .channels = {channels}}};"
        )
        call = (
            f"st_conv2d_s8{twin}(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, "
            f"{ctx.tensor(op.outputs[0])});"
        )
        return KernelCall(call, (f"conv2d_s8{twin}",), (decl,))

    @staticmethod
    def gemm_fields(op: Operator, graph: Graph, ctx, prefix: str, pixels: int, block: int) -> tuple[str, str, str]:
        """The st_conv1x1_params initializer of a layer run as a pointwise product over its taps
        (the input offset folded into the bias), the suffix of the conv1x1_s8 build for it
        ("_general" unless st_requantize_fast is exact) and the channel twin's suffix."""
        w, y = graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        assert w.data is not None
        taps = w.data.reshape(w.shape[0], -1)
        pairs = [quantize_multiplier(r) for r in effective_scales(op, graph)]
        fast = requant_is_fast(op, graph, taps)
        mixed = not fast and requant_is_mixed(op, graph, taps, pairs)  # the fast build reads such layers apart
        # in the fast build's shifts-apart twin a multiplier of 0 marks a constant channel, its
        # output in the shift byte (conv1x1_s8.c): there, every such channel is written so
        constants = constant_outputs(op, graph, taps, pairs) if (fast or mixed) and len(pairs) > 1 else {}
        pairs = [(0, constants[i]) if i in constants else pair for i, pair in enumerate(pairs)]
        channels, twin = emit_channels(ctx, prefix, folded_bias(op, graph), pairs, mixed or bool(constants))
        act_min, act_max = act_bounds(op, graph)
        fields = (
            f"{{.pixels = {pixels}, .input_c = {w.size // w.shape[0]}, .output_c = {w.shape[0]}, "
            f".output_offset = {y.zero_point()}, .act_min = {act_min}, .act_max = {act_max}, "
            f".block = {block}, .channels = {channels}}}"
        )
        return fields, "" if fast or mixed else BUILD_SUFFIX, twin

    def lower_columns(self, op: Operator, graph: Graph, ctx, block: int) -> KernelCall:
        x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        g = geometry(op, x, w)
        p = ctx.ident(f"op{op.index}_columns")
        gemm, build, twin = self.gemm_fields(op, graph, ctx, p, y.size // y.shape[3], block)
        filt = ctx.const(f"{p}_filter", paired_filter(w))
        decl = (
            f"static const st_conv2d_columns_params {p} = {{\n"
            f"    .gemm = {gemm},\n"
            f"    .input_h = {x.shape[1]}, .input_w = {x.shape[2]}, .input_c = {x.shape[3]}, "
            f".filter_h = {w.shape[1]}, .filter_w = {w.shape[2]}, .output_h = {g.out_h}, .output_w = {g.out_w},\n"
            f"    .stride_h = {g.stride_h}, .stride_w = {g.stride_w}, .dilation_h = {g.dilation_h}, "
            f".dilation_w = {g.dilation_w}, .pad_h = {g.pad_h}, .pad_w = {g.pad_w}, .pad_value = {x.zero_point()}}};"
        )
        scratch = "0" if getattr(ctx, "lean", False) else f"(void *){ctx.scratch}"
        call = (
            f"st_conv2d_s8_columns{self.columns_gather(x.shape[3], w.shape[1], w.shape[2])}{twin}"
            f"(&{p}, {ctx.tensor(op.inputs[0])}, {filt}, "
            f"{ctx.tensor(op.outputs[0])}, {scratch}, "
            f"st_conv1x1_widened{'_pairs' if self.pairs_linked(graph, ctx.plan) else ''}{build}{twin});"
        )
        return KernelCall(call, (f"conv2d_s8{twin}", f"conv1x1_s8{build}{twin}"), (decl,))

    @staticmethod
    def columns_gather(input_c: int, filter_h: int, filter_w: int) -> str:
        """The suffix of st_conv2d_s8_columns that gathers this layer's windows best: "_words"
        (input_c a multiple of 4), "_rows9" (three rows of nine taps: a 3x3 over RGB) or ""."""
        if input_c % 4 == 0:
            return "_words"
        return "_rows9" if filter_h == 3 and filter_w * input_c == 9 else ""

    @staticmethod
    def pointwise_block(op: Operator, graph: Graph, lean: bool = False, level: int = 0) -> int:
        """Pixels per block of conv1x1_s8 for this layer (pointwise_block)."""
        x = graph.tensor(op.inputs[0])
        return pointwise_block(x.size // x.shape[3], x.shape[3], lean, level)

    def pairs_linked(self, graph: Graph, plan) -> bool:
        """Whether the model's pointwise and column convolutions take the "_pairs" twins of
        conv1x1_s8 (st_conv1x1_widened_pairs: a block of one or two pixels two output channels a
        pass, where a quad would compute them two or four times over): where such blocks (a
        layer's last, one or two pixels past a multiple of its block, or every one, run lean)
        carry PAIRS_SHARE of the MACs of the layers through conv1x1_s8's blocks or more. Below
        that, pair_block's half kilobyte of flash would buy a tenth of a percent of their cycles
        at most; the model takes the plain twins and does not link that way."""
        small = total = 0
        for op in graph.operators:
            if op.opcode != "CONV_2D" or self.check(op, graph) is not None:
                continue
            lean, level = op.index in plan.lean, plan.levels.get(op.index, 0)
            if self.pointwise(op, graph):
                block = self.pointwise_block(op, graph, lean, level)
            else:
                block = self.columns_block(op, graph, lean, level)
                if block is None:
                    continue
            y = graph.tensor(op.outputs[0])
            pixels, per_pixel = y.size // y.shape[3], graph.tensor(op.inputs[1]).size
            last = pixels % block
            small += per_pixel * (pixels if block <= 2 else last if last in (1, 2) else 0)
            total += per_pixel * pixels
        return small > 0 and small >= PAIRS_SHARE * total

    def lower_pointwise(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        p = ctx.ident(f"op{op.index}_conv1x1")
        block = self.pointwise_block(op, graph, getattr(ctx, "lean", False), getattr(ctx, "level", 0))
        gemm, build, twin = self.gemm_fields(op, graph, ctx, p, x.size // x.shape[3], block)
        filt = ctx.const(f"{p}_filter", paired_filter(w))
        decl = f"static const st_conv1x1_params {p} = {gemm};"
        pairs = "_pairs" if self.pairs_linked(graph, ctx.plan) else ""
        if not build and 4 < x.shape[3] <= 8:  # two groups of input channels: the weights held in registers
            pairs = "_narrow"
        if getattr(ctx, "in_place", False):
            call = (
                f"st_conv1x1_s8_inplace{pairs}{build}{twin}(&{p}, {ctx.tensor(op.inputs[0])}, {filt}, "
                f"{scratch_of(ctx, op)});"
            )
        else:
            call = (
                f"st_conv1x1_s8{pairs}{build}{twin}(&{p}, {ctx.tensor(op.inputs[0])}, {filt}, "
                f"{ctx.tensor(op.outputs[0])}, {scratch_of(ctx, op)});"
            )
        return KernelCall(call, (f"conv1x1_s8{build}{twin}",), (decl,))


# The padded kernels' two-plane fill ("_padded2_", each input halfword read serving two
# channels) is offered on images over twice the Cortex-M7's 16 KB D-cache, where it saves most
# (each line fetched once per two channels), and then (the model links its layer loop anyway)
# on every layer with an even input_c; in a model without such an image the in-cache saving is
# not worth a second layer loop in flash.
DCACHE_BYTES = 16 * 1024
PADDED2_MIN_IMAGE = 2 * DCACHE_BYTES
# Cycles per channel of the padded kernels in hundredths, as the Cortex-M7 model prices them:
# fitted (least squares on the relative error) to every depthwise layer of mbv2-w0.3 r64 and
# proxyless-w0.3 r64 and r176 run with each kernel forced, memory model on; within 14% of each.
# Per padded element filled (one plane a channel, or two planes at once), per step of four
# outputs and filter row's tap pair (more at stride 2), per step (requantisation and stores),
# per output row (a call), per tap pair (the channel's taps) and per channel.
PADDED_FILL_COST = (130, 9)  # one plane, two planes
PADDED_PAIR_COST, PADDED_PAIR_S2_COST, PADDED_STEP_COST, PADDED_ROW_COST = 585, 263, 4052, 5178
PADDED_TAPS_COST, PADDED_CHANNEL_COST = 2244, 17646
# the transposed kernels' two copies of the image, per pixel and channel (measured on KWS's
# 25x5x64 layers: 0.82 cycles a pass)
PADDED_TRANSPOSE_COST = 164
# st_depthwise_conv2d_s8_inplace_quads_3x3's cycles per channel in hundredths, as the Cortex-M7
# model prices them: per output, per output row, per padded pixel filled and per channel (fitted
# to mbv2-w0.3 r64's 3x3 layers on whole planes, 2x2 to 16x16, strides 1 and 2: within 2% of
# each), and per band of each pass (its calls; a guess, small beside the rest)
QUADS_OUTPUT_COST, QUADS_ROW_COST, QUADS_FILL_COST, QUADS_CHANNEL_COST = 1530, 1790, 124, 6300
QUADS_BAND_COST = 10000
# Planes a pass the two-plane kernels may take (p->quads pairs of them from 4 on), and the cycles
# a plane's pass over an image larger than the D-cache pays per padded element and line of
# channels (the H743's AXI SRAM line fill: platforms/stm32h7/family.toml), in hundredths.
PADDED_PLANES = (2, 4, 8)
PADDED_MISS_COST, DCACHE_LINE = 1000, 32
# (filter_h, filter_w, stride_w) of the st_depthwise_conv2d_s8_inplace_padded_* kernels
PADDED_FILTERS = ((3, 3, 1), (3, 3, 2), (5, 5, 1), (5, 5, 2), (7, 7, 1), (7, 7, 2))


@dataclass(frozen=True)
class PaddedLayer:
    """What the padded kernels' variants need of a layer beside its geometry: its channels, the
    bytes of a channel's bias and requantisation in scratch (ST_DW_SMALL_CHANNEL_BYTES: 16 in
    the fast build, 24 in the general one), whether its image outgrows the D-cache, and whether
    the model takes the two-plane kernels alone."""

    channels: int
    constants: int
    uncached: bool
    only_two: bool = False  # the model links no one-plane layer loop (padded_only_two)


@dataclass(frozen=True)
class InPlaceKernel:
    """An in-place depthwise kernel for one layer: its name's suffix ("" for the generic one),
    estimated cycles per channel, scratch bytes, output rows per band (padded and quads only)
    and quads of channels a pass (quads only)."""

    suffix: str
    cycles: int
    scratch: int
    band: int = 0
    quads: int = 0  # quads of channels a pass (the quads kernel; 0: all)


def _padded_layers(graph: Graph) -> list[tuple[int, int]]:
    """(input_c, image bytes) of each depthwise layer of the model with a padded filter."""
    layers = []
    for op in graph.operators:
        if op.opcode != "DEPTHWISE_CONV_2D" or len(op.inputs) < 2:
            continue
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        if len(x.shape) != 4 or len(w.shape) != 4 or w.shape[3] != x.shape[3]:
            continue
        if (w.shape[1], w.shape[2], op.options.get("stride_w", 1)) in PADDED_FILTERS:
            layers.append((x.shape[3], x.shape[1] * x.shape[2] * x.shape[3]))
    return layers


def padded2_linked(graph: Graph) -> bool:
    """Whether the model's layers with an even input_c may take the two-plane layer loop: where
    every padded layer's input_c is even (the model then links that loop alone, and no one-plane
    loop: padded_only_two), or else where one of them has an image over PADDED2_MIN_IMAGE (about
    1.2 cycles an element less to fill, PADDED_FILL_COST, worth a second layer loop in flash)."""
    layers = _padded_layers(graph)
    return padded_only_two(graph) or any(c % 2 == 0 and image > PADDED2_MIN_IMAGE for c, image in layers)


def padded_only_two(graph: Graph) -> bool:
    """Whether every padded layer of the model has an even input_c: they then take the two-plane
    kernels alone, and the model links no one-plane layer loop (where the arena has no room for a
    band of two planes, a layer takes the generic kernel). Not in a model that takes the quads
    kernel (quads_linked), where the padded kernels are only its fallback on narrow images, whose
    arena may have room for one plane's band alone (KWS's 25x5 layers)."""
    return not quads_linked(graph) and all(c % 2 == 0 for c, _ in _padded_layers(graph))


def quads_linked(graph: Graph) -> bool:
    """Whether every depthwise layer of the model has a 3x3 filter: its 3x3 layers with input_c a
    multiple of 4 and st_requantize_fast then take st_depthwise_conv2d_s8_inplace_quads_3x3 alone
    (faster than the padded and small kernels), and the model links neither; a model with other
    filters keeps those kernels for all its layers, as the quads kernel's code would come on top."""
    return all(
        tuple(graph.tensor(op.inputs[1]).shape[1:3]) == (3, 3)
        for op in graph.operators
        if op.opcode == "DEPTHWISE_CONV_2D" and len(op.inputs) >= 2 and len(graph.tensor(op.inputs[1]).shape) == 4
    )


def small4_linked(graph: Graph) -> bool:
    """In a model that takes the quads kernel (quads_linked), whether the layers where small4
    is the fastest kernel save, by the kernels' estimates, SMALL4_SHARE of the model's MACs in
    cycles or more over the next fastest: below that, small4's near kilobyte of flash buys about a
    tenth of a percent of the model's cycles at most, and those layers take the next fastest."""
    saved = 0
    for op in graph.operators:
        if op.opcode != "DEPTHWISE_CONV_2D" or DepthwiseConv2D().check(op, graph) is not None:
            continue
        variants = DepthwiseConv2D.layer_variants(op, graph)
        small = [k.cycles for k in variants if k.suffix == "_small4"]
        others = [k.cycles for k in variants if k.suffix != "_small4"]
        if small and others and min(small) < min(others):
            saved += (min(others) - min(small)) * graph.tensor(op.inputs[0]).shape[3]
    return saved > 0 and saved >= SMALL4_SHARE * sum(graph_macs(graph))


def _window_taps(outputs: int, stride: int, pad: int, size: int, limit: int) -> list[int]:
    """Of each window along one axis (dilation 1), the taps inside the image."""
    return [max(0, min(o * stride - pad + size, limit) - max(o * stride - pad, 0)) for o in range(outputs)]


def _taps_in_image(outputs: int, stride: int, pad: int, size: int, limit: int) -> int:
    """Of the windows along one axis (dilation 1), the taps inside the image, summed."""
    return sum(_window_taps(outputs, stride, pad, size, limit))


MULTIPLIER_GROUP = 4  # output channels st_depthwise_conv2d_s8_multiplier sums a pass (depth multiplier 4 and more)


class DepthwiseConv2D:
    opcodes = ("DEPTHWISE_CONV_2D",)

    def variant(self, op: Operator, graph: Graph):
        """For int16 input, the 16x8 kernel's lowering (simtiny.lower.sixteen); else this one."""
        return int16_variant(op, graph, self, "DEPTHWISE_16X8")

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Depth multiplier 1: output channel c reads input channel c alone, so each input
        plane is saved to scratch before its output plane overwrites it."""
        if self.check(op, graph) is not None:
            return False
        x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        return w.shape[3] == x.shape[3] and y.shape[1] * y.shape[2] <= x.shape[1] * x.shape[2]

    @staticmethod
    def taps(op: Operator, graph: Graph) -> np.ndarray:
        """The filter as one row of taps per channel."""
        w = graph.tensor(op.inputs[1])
        assert w.data is not None
        return w.data.reshape(w.shape[1] * w.shape[2], -1).T

    @staticmethod
    def fast(op: Operator, graph: Graph) -> bool:
        """Whether the padded and small kernels may requantise with st_requantize_fast (the
        builds without "_general")."""
        return requant_is_fast(op, graph, DepthwiseConv2D.taps(op, graph))

    @staticmethod
    def bounded_variants(op: Operator, graph: Graph) -> list[InPlaceKernel]:
        """DepthwiseConv2D.layer_variants, without small4 in a model that takes the quads kernel
        where small4 is not worth its flash there (small4_linked)."""
        variants = DepthwiseConv2D.layer_variants(op, graph)
        suffixes = {k.suffix for k in variants}
        if {"_small4", "_quads_3x3"} <= suffixes and not small4_linked(graph):
            variants = [k for k in variants if k.suffix != "_small4"]
        return variants

    @staticmethod
    def layer_variants(op: Operator, graph: Graph) -> list[InPlaceKernel]:
        """The in-place kernels beside the generic one that a layer with bounded accumulators
        (st_requantize_bounded) and dilation 1 may take (depthwise_conv2d_s8.h): "small" (a
        copy of the whole image) and, for PADDED_FILTERS, "padded" (zero-padded int16 rows):
        with every output row in one band (the whole plane), and with the largest band whose
        rows fit in the generic kernel's one plane of scratch, if any."""
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        g = geometry(op, x, w)
        fh, fw, sh = w.shape[1], w.shape[2], g.stride_h
        if (g.dilation_h, g.dilation_w) != (1, 1):
            return []
        if not accumulators_bounded(op, graph, DepthwiseConv2D.taps(op, graph)):
            return []
        outputs = g.out_h * g.out_w
        taps = _taps_in_image(g.out_h, sh, g.pad_h, fh, x.shape[1]) * _taps_in_image(
            g.out_w, g.stride_w, g.pad_w, fw, x.shape[2]
        )
        # Cycles per channel of each kernel, as the Cortex-M7 model prices them (fitted on the
        # depthwise layers of the Table 3 networks, each run with either kernel, fast builds):
        # the small kernels' per-output requantisation and in-image taps (four channels a step
        # where input_c is a multiple of 4, else one), against the padded kernels' (PADDED_*_COST).
        if x.shape[3] % 4 == 0:
            small = ("_small4", (131 * outputs + 25 * taps) // 10 + 39)
        else:
            small = ("_small", 30 * outputs + 9 * taps)
        # the image, then each channel's bias and requantisation (ST_DW_SMALL_CHANNEL_BYTES),
        # then a window's in-image taps (two words each, and one more pair read past the last)
        image = x.shape[1] * x.shape[2] * x.shape[3]
        table = (16 if DepthwiseConv2D.fast(op, graph) else 24) * x.shape[3]
        window = min(fh, x.shape[1]) * min(fw, x.shape[2])
        # the small kernels' assembly takes every window to hold a tap, as SAME and VALID make them
        empty = 0 in (
            _window_taps(g.out_h, sh, g.pad_h, fh, x.shape[1])
            + _window_taps(g.out_w, g.stride_w, g.pad_w, fw, x.shape[2])
        )
        variants = [] if empty else [InPlaceKernel(small[0], small[1], (image + 3) // 4 * 4 + table + 8 * window + 8)]
        if (fh, fw, sh, g.stride_w, g.pad_h, g.pad_w) == (3, 3, 1, 1, 1, 1) and x.shape[1] == x.shape[2] in (2, 4):
            # 2x2 and 4x4 planes: a channel at a time, its taps in pairs, no scratch
            variants.append(InPlaceKernel(f"_{x.shape[1]}x{x.shape[1]}", PLANE_COSTS[x.shape[1]], 0))
        if (fh, fw) == (3, 3) and x.shape[3] % 4 == 0 and quads_linked(graph) and DepthwiseConv2D.fast(op, graph):
            # the quads kernel beside the small ones (tiny planes, where most taps are padding): a
            # model that takes it links no padded kernel, unless the quads kernel's leanest level
            # needs more scratch than the generic kernel's plane (a narrow image, KWS's 25x5): where
            # the arena is that tight, the padded kernel's bands of rows still fit
            variants += DepthwiseConv2D.quads_variants(g, x.shape[3], g.out_w <= x.shape[2])
            if variants[-1].scratch <= x.shape[1] * x.shape[2]:
                return variants
        if (fh, fw, g.stride_w) not in PADDED_FILTERS:
            return variants
        two = x.shape[3] % 2 == 0 and padded2_linked(graph)  # (true where this layer's own image is large)
        # more planes a pass only where the padded kernels are not the quads kernel's fallback
        uncached = image > DCACHE_BYTES and not quads_linked(graph)
        layer = PaddedLayer(x.shape[3], 16 if DepthwiseConv2D.fast(op, graph) else 24, uncached,
                            two and padded_only_two(graph))
        if g.out_w <= x.shape[2] and g.pad_h < fh:
            variants += DepthwiseConv2D.padded_variants(fh, sh, g.stride_w, g.out_h, g.out_w, x.shape[1] * x.shape[2],
                                                        two, False, layer)  # fmt: skip
        # a narrow image (25x5, say) runs transposed, its columns as the plane's rows, where
        # the filter and strides are square: fewer whole steps of four wasted on the row ends
        if fh == fw and sh == g.stride_w and g.out_w < g.out_h and g.out_h <= x.shape[1] and g.pad_w < fw:
            variants += DepthwiseConv2D.padded_variants(fh, sh, sh, g.out_w, g.out_h, x.shape[1] * x.shape[2], two,
                                                        True, layer, (image + 3) // 4 * 4)  # fmt: skip
        return variants

    @staticmethod
    def quads_variants(g: Geometry, ch: int, banded: bool) -> list[InPlaceKernel]:
        """st_depthwise_conv2d_s8_inplace_quads_3x3 for a layer of this geometry (`ch` channels):
        with every output row in one band and all channels in one pass, then, where its outputs
        never overtake the rows a later band reads (banded), bands of half as many rows down to
        one, then passes of half as many quads of channels down to one; their estimated cycles a
        channel."""
        cols, quads = (g.out_w - 1) * g.stride_w + 3, ch // 4

        def scratch(band: int, group: int) -> int:  # a pass's planes of the band's rows, a quads_block a quad
            return group * (8 * ((band - 1) * g.stride_h + 3) * cols + 152)

        def cycles(band: int, group: int) -> int:  # bands after the first move the rows they share
            bands = (g.out_h + band - 1) // band
            rows = (g.out_h - 1) * g.stride_h + 3 + (bands - 1) * max(3 - g.stride_h, 0)
            outputs = QUADS_OUTPUT_COST * g.out_h * g.out_w + QUADS_ROW_COST * g.out_h
            passes = QUADS_BAND_COST * bands // (4 * group)
            return (outputs + QUADS_FILL_COST * rows * cols + passes + QUADS_CHANNEL_COST) // 100

        levels = [(g.out_h, quads)]  # the planner takes the first that fits
        while banded and g.pad_h < 3 and levels[-1][0] > 1:
            levels.append((levels[-1][0] // 2, quads))
        while levels[-1][1] > 1:  # a pass's outputs overwrite only its own channels' inputs
            levels.append((levels[-1][0], levels[-1][1] // 2))
        return [
            InPlaceKernel("_quads_3x3", cycles(band, group), scratch(band, group), band, 0 if group == quads else group)
            for band, group in levels
            if group <= INT8_MAX  # p->quads is an int8; all quads a pass is 0
        ]

    @staticmethod
    def padded_variants(fh: int, sh: int, sw: int, out_h: int, out_w: int, plane: int, two: bool,
                        transposed: bool, layer: PaddedLayer, image: int = 0) -> list[InPlaceKernel]:  # fmt: skip
        """The padded kernels for a layer whose output is out_h rows of out_w (transposed: the
        layer's columns as rows, the image's `image` bytes in scratch before the planes), one
        plane a pass or, with `two`, PADDED_PLANES of them, with every output row in one band and,
        not transposed, with the largest band whose rows fit in `plane` (the image's pixels: the
        generic kernel's scratch, and what a transposed kernel copies twice) or in a band of fewer
        planes; their estimated cycles a channel."""
        fw = fh  # the filters of PADDED_FILTERS are square
        pairs = fw // 2 + 1 if sw == 1 else (fw + 1) // 2
        w4 = (out_w + 3) // 4 * 4  # four outputs a step
        cols = w4 + 2 * (fw // 2) if sw == 1 else 2 * w4 + 2 * pairs - 2
        rows = (out_h - 1) * sh + fh
        steps, taps_pairs = out_h * (w4 // 4), fh * pairs
        pair_cost = PADDED_PAIR_COST + (PADDED_PAIR_S2_COST if sw == 2 else 0)
        cycles = steps * (taps_pairs * pair_cost + PADDED_STEP_COST) + out_h * PADDED_ROW_COST
        cycles += taps_pairs * PADDED_TAPS_COST + PADDED_CHANNEL_COST

        def scratch(band: int, planes: int) -> int:  # per plane the band's rows of int16, tap pairs (constants)
            constants = layer.constants if planes > 1 else 0  # (one plane keeps its channel's on the stack)
            return planes * (2 * ((band - 1) * sh + fh) * cols + 2 * fh * pairs * 4 + constants)

        # bands: as many rows as the generic kernel's plane holds once the planner has aligned
        # it, and (two planes) as many as one plane's band takes, so that where the arena has
        # room for no more, the two-plane kernel is still offered (a transposed layer runs whole
        # planes only: its outputs land across every input row)
        variants, limits = [], [aligned_scratch(plane)]
        # two: channels in pairs, each input word read serving both; more planes a pass (not
        # transposed) where the image outgrows the D-cache, each line fetched once a pass
        counts = [p for p in PADDED_PLANES if p <= layer.channels and (p == 2 or (layer.uncached and not transposed))]
        for planes in ([] if layer.only_two else [1]) + (counts if two else []):
            # one kernel per filter (and one plane or more): a model links those it runs
            name = f"_padded{2 if planes > 1 else ''}{'_t' if transposed else ''}_{fh}x{fw}s{sw}"
            estimate = (cycles + PADDED_FILL_COST[min(planes, 2) - 1] * rows * cols) // 100
            if planes > 2:  # the line fills the passes of two planes pay and these do not
                estimate -= PADDED_MISS_COST * rows * cols * min(layer.channels, DCACHE_LINE) // DCACHE_LINE * (
                    planes - 2) // (2 * planes * 100)
            estimate += PADDED_TRANSPOSE_COST * plane // 100 if transposed else 0
            pairs_a_pass = planes // 2 if planes > 2 else 0  # p->quads of the two-plane kernels
            variants.append(InPlaceKernel(name, estimate, image + scratch(out_h, planes), out_h, pairs_a_pass))
            for limit in [] if transposed else list(limits):  # (fewer planes' whole planes among them)
                band = max((b for b in range(1, out_h) if scratch(b, planes) <= limit), default=0)
                if band and all((v.band, v.quads) != (band, pairs_a_pass) for v in variants if v.suffix == name):
                    # each band after the first moves the rows it shares with the one before
                    moved = (out_h - 1) // band * max(fh - sh, 0) * cols
                    variants.append(InPlaceKernel(name, estimate + moved, scratch(band, planes), band, pairs_a_pass))
                    limits.append(aligned_scratch(scratch(band, planes)))
            limits.append(aligned_scratch(scratch(out_h, planes)))
        return variants

    def kernel_levels(self, op: Operator, graph: Graph) -> list[InPlaceKernel]:
        """The in-place kernels worth running, fastest first by the estimate, each needing less
        scratch (as the planner places it) than every faster one; the last needs the least
        (between equals, the fastest). The planner steps a layer down this list while its
        scratch raises the arena's peak."""
        x = graph.tensor(op.inputs[0])
        candidates = [*self.bounded_variants(op, graph), InPlaceKernel("", 1 << 62, x.shape[1] * x.shape[2])]
        levels: list[InPlaceKernel] = []
        for k in sorted(candidates, key=lambda k: (k.cycles, aligned_scratch(k.scratch))):
            if not levels or aligned_scratch(k.scratch) < aligned_scratch(levels[-1].scratch):
                levels.append(k)
        return levels

    def in_place_kernel(self, op: Operator, graph: Graph, lean: bool = False, level: int = 0) -> InPlaceKernel:
        """The in-place kernel at this level of kernel_levels (0: the fastest), or the last
        (the least scratch) when lean."""
        levels = self.kernel_levels(op, graph)
        return levels[-1] if lean else levels[min(level, len(levels) - 1)]

    has_lean = True  # the kernel with the least scratch may not be the fastest

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool, lean: bool = False) -> int:
        """In place: what the chosen kernel needs (in_place_kernel)."""
        if not (in_place and self.in_place(op, graph)):
            return 0
        return self.in_place_kernel(op, graph, lean).scratch

    def scratch_levels(self, op: Operator, graph: Graph, in_place: bool) -> list[int]:
        """Scratch bytes of each of kernel_levels (in place), fastest first."""
        if not (in_place and self.in_place(op, graph)):
            return [0]
        return [k.scratch for k in self.kernel_levels(op, graph)]

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = common_reason(op, graph, channel_dim=3)
        if reason:
            return reason
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        if w.shape[0] != 1:
            return f"filter shape {list(w.shape)} is not [1, H, W, C]"
        if w.shape[3] % x.shape[3]:
            return f"{w.shape[3]} filter channels not a multiple of {x.shape[3]} input channels"
        if has_bias(op) and len(graph.tensor(op.inputs[2]).shape) != 1:
            return "bias is not 1-D"
        g = geometry(op, x, w)
        small = (w.shape[1], w.shape[2], w.shape[3] // x.shape[3], g.stride_h, g.stride_w, g.dilation_h, g.dilation_w)
        if max(*small, g.pad_h, g.pad_w) > INT8_MAX:
            return f"filter size, depth multiplier, stride, dilation or padding over {INT8_MAX} (int8 in the kernels)"
        # A non-zero filter zero point is accepted: LiteRT's int8 path ignores it (weights_offset 0).
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        g = geometry(op, x, w)
        p = ctx.ident(f"op{op.index}_dwconv")
        channels, twin = channels_decl(op, graph, ctx, p, bias_values(op, graph))
        kernel = None
        if getattr(ctx, "in_place", False):
            if not self.in_place(op, graph):
                in_place_refused(ctx, op)
            kernel = self.in_place_kernel(op, graph, getattr(ctx, "lean", False), getattr(ctx, "level", 0))
        decl = (
            f"static const st_depthwise_conv2d_params {p} = {{\n"
            f"    .batches = {x.shape[0]}, .input_h = {x.shape[1]}, .input_w = {x.shape[2]}, "
            f".input_c = {x.shape[3]},\n"
            f"    .filter_h = {w.shape[1]}, .filter_w = {w.shape[2]}, "
            f".depth_multiplier = {w.shape[3] // x.shape[3]},\n"
            f"    .output_h = {g.out_h}, .output_w = {g.out_w},\n"
            f"{window_fields(op, graph, g)}    .band = {kernel.band if kernel else 0}, "
            f".quads = {kernel.quads if kernel else 0},\n"
            f"    .channels = {channels}}};"
        )
        # the padded and small kernels' build: "_general" where st_requantize_fast is not exact
        build = BUILD_SUFFIX if kernel and kernel.suffix and not self.fast(op, graph) else ""
        if kernel:
            if "_t_" in kernel.suffix:  # run transposed: the filter's rows and columns swapped too
                assert w.data is not None
                filt = ctx.const(f"{p}_filter_t", np.ascontiguousarray(np.transpose(w.data, (0, 2, 1, 3))))
            else:
                filt = ctx.tensor(op.inputs[1])
            call = (
                f"st_depthwise_conv2d_s8_inplace{kernel.suffix}{build}{twin}(&{p}, {ctx.tensor(op.inputs[0])}, "
                f"{filt}, {scratch_of(ctx, op) if kernel.scratch else '0'});"
            )
        else:
            # a depth multiplier of 4 or more: four output channels a pass over the taps
            kind = "_multiplier" if w.shape[3] // x.shape[3] >= MULTIPLIER_GROUP else ""
            call = (
                f"st_depthwise_conv2d_s8{kind}{twin}(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, "
                f"{ctx.tensor(op.outputs[0])});"
            )
        return KernelCall(call, (f"depthwise_conv2d_s8{build}{twin}",), (decl,))


LOWERINGS = [Conv2D(), DepthwiseConv2D()]
