"""TFLite_Detection_PostProcess, the custom operator that ends SSD detectors: box encodings and
class scores (float32, or uint8 as LiteRT also takes them) decoded against constant anchors, then
fast or regular non-maximum suppression, as LiteRT's detection_postprocess.cc computes it
(firmware/kernels/detection_postprocess.c). The options come from the operator's flexbuffer map;
a missing one reads as 0 (false), as LiteRT's flexbuffer reader gives it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simtiny.lower import KernelCall
from simtiny.lower.quantize_ops import c_float, per_tensor_reason
from simtiny.model import Graph, Operator, Tensor

OPCODE = "CUSTOM:TFLite_Detection_PostProcess"
DETECTIONS_PER_CLASS = 100  # LiteRT's default when the map has no detections_per_class


def _options(op: Operator) -> dict[str, Any]:
    """The options LiteRT's Init reads, with its defaults."""
    o = op.options

    def number(key: str, kind: type, default: Any = 0) -> Any:
        value = o.get(key)
        if not isinstance(value, int | float):
            return default
        return int(value) if kind is int else float(np.float32(value))  # AsInt32, AsFloat

    return {
        "max_detections": number("max_detections", int),
        "max_classes_per_detection": number("max_classes_per_detection", int),
        "detections_per_class": number("detections_per_class", int, DETECTIONS_PER_CLASS),
        "regular": bool(o.get("use_regular_nms", False)),
        "score_threshold": number("nms_score_threshold", float, 0.0),
        "iou_threshold": number("nms_iou_threshold", float, 0.0),
        "num_classes": number("num_classes", int),
        "scales": tuple(number(f"{a}_scale", float, 0.0) for a in "yxhw"),
    }


def _slots(o: dict[str, Any]) -> int:
    return o["max_detections"] * o["max_classes_per_detection"]


def output_shapes(op: Operator) -> tuple[tuple[int, ...], ...]:
    """detection_postprocess.cc Prepare: boxes [1, D M, 4], classes and scores [1, D M], the count
    [1], whatever the file declares (the converter declares [] in an SSD export)."""
    slots = _slots(_options(op))
    return (1, slots, 4), (1, slots), (1, slots), (1,)


def _values(t: Tensor) -> np.ndarray:
    """A constant's values as LiteRT reads them: uint8 dequantised in float32."""
    if t.dtype == "uint8":
        return (t.data.astype(np.float32) - np.float32(t.zero_point())) * np.float32(t.scale())
    return t.data.astype(np.float32)


class DetectionPostProcess:
    opcodes = (OPCODE,)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 3 or len(op.outputs) != 4 or min(op.inputs) < 0:
            return "needs box encodings, class scores, anchors and four outputs"
        boxes, scores, anchors = (graph.tensor(i) for i in op.inputs)
        for t, role in ((boxes, "box encodings"), (scores, "class scores"), (anchors, "anchors")):
            if t.dtype not in ("float32", "uint8"):
                return f"{t.dtype} {role} (LiteRT takes float32 or uint8)"
            if t.dtype == "uint8" and (reason := per_tensor_reason(t, role)):
                return reason
        if anchors.dtype != ("uint8" if boxes.dtype == "uint8" else "float32"):
            return f"{anchors.dtype} anchors with {boxes.dtype} box encodings (LiteRT reads anchors as the boxes' type)"
        if not anchors.is_constant:
            return "anchors computed at run time"
        if len(boxes.shape) != 3 or boxes.shape[0] != 1 or boxes.shape[2] < 4:
            return f"box encodings {list(boxes.shape)}, not [1, anchors, 4 or more]"
        n = boxes.shape[1]
        if len(scores.shape) != 3 or scores.shape[:2] != (1, n):
            return f"class scores {list(scores.shape)} for {n} anchors"
        if anchors.shape != (n, 4):
            return f"anchors {list(anchors.shape)}, not [{n}, 4]"
        o = _options(op)
        k, c = scores.shape[2], o["num_classes"]
        if not (c >= 1 and k - c in (0, 1)):
            return f"num_classes {c} with {k} scores an anchor (LiteRT wants the same or one more)"
        if o["max_detections"] < 1 or o["max_classes_per_detection"] < 1:
            return "max_detections and max_classes_per_detection must be at least 1"
        if o["regular"] and o["detections_per_class"] < 1:
            return "detections_per_class must be at least 1 for regular NMS"
        if not 0.0 < o["iou_threshold"] <= 1.0:
            return f"nms_iou_threshold {o['iou_threshold']} not in (0, 1] (LiteRT fails at run time)"
        if not all(math.isfinite(v) for v in (o["score_threshold"], *o["scales"])):
            return "a threshold or scale that is not finite"
        sizes = _values(anchors)[:, 2:]
        if (sizes < 0).any():
            return "an anchor of negative height or width (LiteRT refuses its boxes at run time)"
        for index, shape in zip(op.outputs, output_shapes(op), strict=True):
            t = graph.tensor(index)
            if t.dtype != "float32" or t.shape != shape:
                return f"output {t.dtype} {list(t.shape)}, LiteRT makes float32 {list(shape)}"
        return None

    def reference_writes(self, op: Operator, graph: Graph, values: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
        """Which elements LiteRT writes, given its outputs: fast NMS leaves the slots past its
        detections (and past an anchor's classes) as its memory held them; simtiny writes 0
        there. Without num_detections among the outputs, all elements count."""
        o = _options(op)
        count = values.get(op.outputs[3])
        if o["regular"] or count is None or count.size != 1 or not np.isfinite(count).all():
            return {}
        per_anchor = o["max_classes_per_detection"]
        slot = np.arange(_slots(o))
        found, categories = int(count.reshape(-1)[0]), min(per_anchor, o["num_classes"])
        mask = (slot // per_anchor < found) & (slot % per_anchor < categories)
        return {op.outputs[0]: np.repeat(mask, 4), op.outputs[1]: mask, op.outputs[2]: mask}

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool) -> int:
        """Words as detection_postprocess.h lays them out, then one flag byte an anchor."""
        if self.check(op, graph):
            return 0
        boxes, scores = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        o = _options(op)
        n, c, d = boxes.shape[1], o["num_classes"], o["max_detections"]
        words = 4 * n + 5 * n
        if o["regular"]:
            words += n + 4 * d
        else:
            words += n + n * min(o["max_classes_per_detection"], c) + c * (2 if scores.dtype == "uint8" else 1)
        return 4 * words + n

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        boxes, scores, anchors = (graph.tensor(i) for i in op.inputs)
        o = _options(op)

        def kind(t: Tensor) -> str:
            if t.dtype == "uint8":
                return f"{{1, {t.zero_point()}, {c_float(t.scale())}}}"
            return "{0, 0, 0.0f}"

        scales = ", ".join(c_float(v) for v in o["scales"])
        p = ctx.ident(f"op{op.index}_detection")
        decl = (
            f"static const st_detection_postprocess_params {p} = {{{boxes.shape[1]}, {boxes.shape[2]}, "
            f"{scores.shape[2]}, {o['num_classes']}, {o['max_detections']}, {o['max_classes_per_detection']}, "
            f"{o['detections_per_class']}, {int(o['regular'])}, {c_float(o['score_threshold'])}, "
            f"{c_float(o['iou_threshold'])}, {scales}, {kind(boxes)}, {kind(scores)}, {kind(anchors)}}};"
        )
        ins = ", ".join(f"(const void *){ctx.tensor(i)}" for i in op.inputs)
        outs = ", ".join(ctx.tensor(i) for i in op.outputs)
        call = f"st_detection_postprocess(&{p}, {ins}, {outs}, (void *){ctx.scratch});"
        return KernelCall(call, ("detection_postprocess",), (decl,))


LOWERINGS = [DetectionPostProcess()]
