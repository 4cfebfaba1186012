"""TFLite_Detection_PostProcess against LiteRT, bit for bit: float32 and uint8 inputs, fast and
regular non-maximum suppression, with and without a background class, scores drawn on a coarse
grid so that ties (which LiteRT breaks by its sorts' visiting order) are common."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, random_input, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.model import parse_model

OPCODE = "CUSTOM:TFLite_Detection_PostProcess"


def anchors(rng: np.random.Generator, n: int, dtype: str, degenerate: bool = True) -> tuple[np.ndarray, dict]:
    centre = rng.uniform(0.0, 1.0, (n, 2))
    size = rng.uniform(0.02, 0.6, (n, 2))
    if degenerate:  # an anchor of no height or width: its boxes have no area (TF-Lite Micro refuses them)
        size[rng.random((n, 2)) < 0.05] = 0.0
    values = np.concatenate([centre, size], axis=1).astype(np.float32)
    if dtype == "float32":
        return values, {}
    scale = float(np.float32(1 / 200))
    return np.clip(np.round(values / scale), 0, 255).astype(np.uint8), {"scale": [scale], "zero_point": [0]}


def detection_case(
    rng: np.random.Generator, box_type: str, score_type: str, regular: bool, degenerate: bool = True
) -> Case:
    n = int(rng.integers(1, 40))
    classes = int(rng.integers(1, 6))
    background = int(rng.integers(0, 2))
    detections = int(rng.integers(1, 9))
    per_detection = 1 if regular else int(rng.integers(1, 5))
    stride = int(rng.choice([4, 4, 6]))
    slots = detections * per_detection
    data, quant = anchors(rng, n, box_type, degenerate)
    box_q = {"scale": [float(np.float32(rng.uniform(0.01, 0.05)))], "zero_point": [int(rng.integers(100, 156))]}
    score_q = {"scale": [float(np.float32(1 / 256))], "zero_point": [0]}
    tensors = [
        TensorSpec("boxes", (1, n, stride), box_type, **(box_q if box_type == "uint8" else {})),
        TensorSpec("scores", (1, n, classes + background), score_type, **(score_q if score_type == "uint8" else {})),
        TensorSpec("anchors", (n, 4), box_type, data=data, **quant),
        TensorSpec("detection_boxes", (1, slots, 4), "float32"),
        TensorSpec("detection_classes", (1, slots), "float32"),
        TensorSpec("detection_scores", (1, slots), "float32"),
        TensorSpec("num_detections", (1,), "float32"),
    ]
    options = {
        "max_detections": detections,
        "max_classes_per_detection": per_detection,
        "detections_per_class": int(rng.integers(1, 6)),
        "use_regular_nms": regular,
        "nms_score_threshold": float(rng.choice([-1.0, 0.0, 0.3, 0.6])),
        "nms_iou_threshold": float(rng.uniform(0.05, 1.0)),
        "num_classes": classes,
        "y_scale": 10.0,
        "x_scale": 10.0,
        "h_scale": float(rng.choice([5.0, 2.5])),
        "w_scale": 5.0,
    }
    label = f"{box_type}/{score_type} {'regular' if regular else 'fast'} {n} anchors {classes}+{background} classes"
    return Case(label, tensors, OpSpec(OPCODE, [0, 1, 2], [3, 4, 5, 6], options), inputs=[0, 1])


def draw(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    """Box encodings about N(0, 2); scores on a grid of sixteenths (uint8: of 256ths), many tied."""
    if spec.dtype == "uint8" and spec.name == "scores":
        return (rng.integers(0, 17, spec.shape) * 16 - (rng.random(spec.shape) < 0.5)).clip(0, 255).astype(np.uint8)
    if spec.dtype == "uint8":
        return random_input(rng, spec)
    if spec.name == "scores":
        return (rng.integers(0, 17, spec.shape) / 16).astype(np.float32)
    return rng.normal(0.0, 2.0, spec.shape).astype(np.float32)


TYPES = [("float32", "float32"), ("uint8", "uint8"), ("uint8", "float32"), ("float32", "uint8")]


@pytest.mark.parametrize("regular", [False, True], ids=["fast", "regular"])
@pytest.mark.parametrize("types", TYPES, ids=["/".join(t) for t in TYPES])
def test_detection_postprocess(types: tuple[str, str], regular: bool) -> None:
    rng = np.random.default_rng(TYPES.index(types) * 2 + regular)
    cases = [detection_case(rng, *types, regular) for _ in range(6)]
    assert run_packed(cases, 1, 8, draw=draw) > 0


def ssd_head(rng: np.random.Generator, regular: bool) -> bytes:
    """An SSD detector's end: int8 features through two FULLY_CONNECTED layers to box encodings
    and class scores, reshaped, dequantised and post-processed (float32 outputs), as converters
    leave a quantized detector."""
    case = detection_case(rng, "float32", "float32", regular, degenerate=False)
    n, stride, k = case.tensors[0].shape[1], case.tensors[0].shape[2], case.tensors[1].shape[2]

    def weights(name: str, rows: int) -> TensorSpec:
        return TensorSpec(
            name,
            (rows, 8),
            "int8",
            scale=[0.02],
            zero_point=[0],
            data=rng.integers(-127, 128, (rows, 8), dtype=np.int8),
        )

    tensors = [
        TensorSpec("features", (1, 8), "int8", scale=[0.05], zero_point=[0]),
        weights("box_weights", n * stride),
        weights("score_weights", n * k),
        TensorSpec("box_flat", (1, n * stride), "int8", scale=[0.05], zero_point=[0]),
        TensorSpec("score_flat", (1, n * k), "int8", scale=[1 / 256], zero_point=[-128]),
        TensorSpec("box_q", (1, n, stride), "int8", scale=[0.05], zero_point=[0]),
        TensorSpec("score_q", (1, n, k), "int8", scale=[1 / 256], zero_point=[-128]),
        TensorSpec("box_shape", (3,), "int32", data=np.array([1, n, stride], np.int32)),
        TensorSpec("score_shape", (3,), "int32", data=np.array([1, n, k], np.int32)),
        *case.tensors,  # 9 boxes, 10 scores, 11 anchors, 12-15 outputs
    ]
    ops = [
        OpSpec("FULLY_CONNECTED", [0, 1, -1], [3]),
        OpSpec("FULLY_CONNECTED", [0, 2, -1], [4]),
        OpSpec("RESHAPE", [3, 7], [5]),
        OpSpec("RESHAPE", [4, 8], [6]),
        OpSpec("DEQUANTIZE", [5], [9]),
        OpSpec("DEQUANTIZE", [6], [10]),
        OpSpec(OPCODE, [9, 10, 11], [12, 13, 14, 15], case.op.options),
    ]
    return build_model(tensors, ops, [0], [12, 13, 14, 15])


@pytest.mark.parametrize("regular", [False, True], ids=["fast", "regular"])
def test_a_large_uint8_detector_without_a_score_buffer(regular: bool) -> None:
    """400 anchors of 21 classes with uint8 scores: bit-exact, and the scratch holds no
    dequantised copy of the scores (LiteRT's N K floats; an SSD's 1917 x 91 would not fit the
    board), only what the suppression needs: under 64 bytes an anchor."""
    rng = np.random.default_rng(40 + regular)
    n, k = 400, 21
    case = detection_case(rng, "uint8", "uint8", regular)
    data, quant = anchors(rng, n, "uint8")
    case.tensors[0] = TensorSpec("boxes", (1, n, 4), "uint8", scale=[0.03], zero_point=[128])
    case.tensors[1] = TensorSpec("scores", (1, n, k), "uint8", scale=[1 / 256], zero_point=[0])
    case.tensors[2] = TensorSpec("anchors", (n, 4), "uint8", data=data, **quant)
    case.op.options.update(num_classes=k - 1, max_detections=10, nms_score_threshold=0.5)
    slots = 10 * case.op.options["max_classes_per_detection"]
    case.tensors[3:7] = [
        TensorSpec("detection_boxes", (1, slots, 4), "float32"),
        TensorSpec("detection_classes", (1, slots), "float32"),
        TensorSpec("detection_scores", (1, slots), "float32"),
        TensorSpec("num_detections", (1,), "float32"),
    ]
    graph = parse_model(build_model(case.tensors, [case.op], [0, 1], [3, 4, 5, 6]))
    (op,) = graph.operators
    assert lower.scratch_bytes(op, graph) < 64 * n < 4 * n * k
    assert run_packed([case], 2, 3, draw=draw) > 0
