"""RELU, RELU6, LEAKY_RELU and ABS on int16 (the converter's 16x8 mode), as LiteRT's reference
kernels compute them: each value (ABS: its magnitude) rescaled from the input's scale to the
output's (gemmlowp's double rounding; LEAKY_RELU's negative values by alpha's multiplier), then
clamped. 65,536 inputs are too
many for a table, so the kernel rescales value by value (firmware/kernels/rescale_s16.c).
LiteRT's Prepare holds both zero points at 0; its RELU_N1_TO_1 and RELU_0_TO_1 take no int16."""

from __future__ import annotations

from simtiny.lower import KernelCall
from simtiny.lower.activations import RELU_RANGES, f32, leaky_relu_multipliers, relu_bounds
from simtiny.lower.quant import quantize_multiplier
from simtiny.lower.sixteen import INT16_MAX, INT16_MIN, int16_unary_reason
from simtiny.model import Graph, Operator

MAX_LEFT_SHIFT = 15  # an int16 value shifted further would leave int32 (undefined in LiteRT)


def _scales(op: Operator, graph: Graph) -> tuple[float, float]:
    return graph.tensor(op.inputs[0]).scale(), graph.tensor(op.outputs[0]).scale()


class Rescale16:
    """The shared kernel call and checks: (positive, negative) multipliers and the clamp."""

    opcodes: tuple[str, ...] = ()

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Element k is written after it is read."""
        return True

    def multipliers(self, op: Operator, graph: Graph) -> tuple[tuple[int, int], tuple[int, int]]:
        raise NotImplementedError

    def bounds(self, op: Operator, graph: Graph) -> tuple[int, int]:
        return INT16_MIN, INT16_MAX

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = int16_unary_reason(op, graph)
        if reason:
            return reason
        if any(shift > MAX_LEFT_SHIFT for _, shift in self.multipliers(op, graph)):
            return "input/output scale ratio beyond 2^15 (int32 overflow in LiteRT)"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        (pm, ps), (nm, ns) = self.multipliers(op, graph)
        low, high = self.bounds(op, graph)
        p = ctx.ident(f"op{op.index}_{op.opcode.lower()}16")
        size = graph.tensor(op.inputs[0]).size
        magnitude = 1 if op.opcode == "ABS" else 0
        fields = f"{size}, {pm}, {ps}, {nm}, {ns}, {low}, {high}, {magnitude}"
        decl = f"static const st_rescale_s16_params {p} = {{{fields}}};"
        call = f"st_rescale_s16(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("rescale_s16",), (decl,))


class Relu16(Rescale16):
    """RELU and RELU6 int16: ReluPrepare's multiplier of the ratio of scales divided in float, the
    clamp of QuantizedReluX."""

    def check(self, op: Operator, graph: Graph) -> str | None:
        if op.opcode not in ("RELU", "RELU6"):
            return f"int16 {op.opcode} (LiteRT's takes float32, uint8 and int8 only)"
        reason = super().check(op, graph)
        if reason:
            return reason
        _, out_scale = _scales(op, graph)
        bound = RELU_RANGES[op.opcode][1]
        if bound and abs(float(f32(bound) / f32(out_scale))) >= 2.0**30:
            return f"output scale {out_scale:g} too small for the clamp (int32 overflow in LiteRT)"
        return None

    def multipliers(self, op: Operator, graph: Graph) -> tuple[tuple[int, int], tuple[int, int]]:
        in_scale, out_scale = _scales(op, graph)
        both = quantize_multiplier(float(f32(in_scale) / f32(out_scale)))
        return both, both

    def bounds(self, op: Operator, graph: Graph) -> tuple[int, int]:
        _, out_scale = _scales(op, graph)
        return relu_bounds(*RELU_RANGES[op.opcode], out_scale, 0, INT16_MIN, INT16_MAX)


class LeakyRelu16(Rescale16):
    """LEAKY_RELU int16: reference_ops::QuantizeLeakyRelu, identity multiplier at and above 0,
    alpha's below."""

    def multipliers(self, op: Operator, graph: Graph) -> tuple[tuple[int, int], tuple[int, int]]:
        in_scale, out_scale = _scales(op, graph)
        alpha, identity = leaky_relu_multipliers(in_scale, out_scale, float(op.options.get("alpha", 0.0)))
        return identity, alpha


class Abs16(Rescale16):
    """ABS int16: AbsEvalQuantized<int16_t>, the magnitude as it is where the two scales are equal
    (as floats), else rescaled by their ratio divided in float."""

    def multipliers(self, op: Operator, graph: Graph) -> tuple[tuple[int, int], tuple[int, int]]:
        in_scale, out_scale = _scales(op, graph)
        if f32(in_scale) == f32(out_scale):
            identity = (1 << 30, 1)  # x * 2 * 2^30 / 2^31: exactly x
            return identity, identity
        ratio = quantize_multiplier(float(f32(f32(in_scale) / f32(out_scale))))
        return ratio, ratio


RELU_16 = Relu16()
ABS_16 = Abs16()
LEAKY_RELU_16 = LeakyRelu16()
