"""Generate the four networks of the paper's Table 3 as full-int8 .tflite files with random weights.

"Tiny Machine Learning: Progress and Futures" (IEEE CAS Magazine, 2023) measures mcunet-in4 at
160x160, proxyless-w0.3 at 64x64 and 176x176 and mbv2-w0.3 at 64x64. Their architectures are
the JSON configs of mit-han-lab/tinyml (mcunet/assets/configs, MIT licence); latency and memory
do not depend on the weight values, so this script builds each network in Keras from its
config with random weights (fixed seed), converts it with the TFLite converter to full-integer
int8 and writes simtiny/bench/models/*.tflite plus simtiny/bench/models/README.md (provenance, MACs,
operator counts, quantization). It then loads every model in LiteRT's reference kernels, runs
a few random inputs and checks that the softmax output is sane.

The configs are copied (unchanged) from the shared folder beside the repository into
benchmarks/configs/ when that folder is there, and always read from benchmarks/configs/.

Needs the `models` extra (TensorFlow) and ai-edge-litert. Run:
    python benchmarks/make_models.py [--seed N] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import math
import os
import shutil
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
CONFIG_DIR = BENCH_DIR / "configs"
MODEL_DIR = REPO_DIR / "simtiny" / "bench" / "models"  # shipped with the package: simtiny bench runs them
SHARED_CONFIG_DIR = REPO_DIR.parent / "shared" / "configs"
CONFIG_SOURCE = "mit-han-lab/tinyml, mcunet/assets/configs/"

DEFAULT_SEED = 20230701
CALIBRATION_IMAGES = 16
CHECK_IMAGES = 4
LOGIT_STD = 2.0  # target spread of the float logits over the 1000 classes


@dataclass(frozen=True)
class ModelSpec:
    """One model to generate: which config, at which input resolution, and Table 3's MACs."""

    name: str
    config: str
    resolution: int
    table_macs: float  # millions, from the reference table (approximate where marked "about")
    table_note: str


MODELS = (
    ModelSpec("mcunet-in4-r160", "mcunet-512kb-2mb_imagenet.json", 160, 125.9, "125.9M at 160"),
    ModelSpec("proxyless-w0.3-r64", "proxyless-w0.3-r176_imagenet.json", 64, 5.1, "about 5.1M at 64"),
    ModelSpec("proxyless-w0.3-r176", "proxyless-w0.3-r176_imagenet.json", 176, 38.3, "38.3M at 176"),
    ModelSpec("mbv2-w0.3-r64", "mbv2-w0.3-r80_imagenet.json", 64, 4.7, "about 4.7M at 64"),
)


# ---------------------------------------------------------------------------------------------
# Architecture: the config parsed into plain layer descriptions (no TensorFlow needed)


@dataclass(frozen=True)
class Conv:
    """A convolution (groups == 1) or a depthwise convolution, 'same' padding, bias, optional ReLU6."""

    name: str
    kernel: int
    stride: int
    cin: int
    cout: int
    depthwise: bool
    relu6: bool

    def out_size(self, size: int) -> int:
        # PyTorch pads k//2 on each side: floor((h + 2*(k//2) - k)/s) + 1 == ceil(h/s) for odd k,
        # which is also what 'same' padding gives.
        return math.ceil(size / self.stride)

    def macs(self, size_in: int) -> int:
        size = self.out_size(size_in)
        per_output = self.kernel * self.kernel * (1 if self.depthwise else self.cin)
        return size * size * self.cout * per_output


@dataclass(frozen=True)
class Block:
    """MobileInvertedResidualBlock: [1x1 expand] -> kxk depthwise -> 1x1 project [+ input]."""

    convs: tuple[Conv, ...]
    residual: bool


@dataclass(frozen=True)
class Network:
    stem: Conv
    blocks: tuple[Block, ...]
    head: Conv | None  # feature_mix_layer
    features: int
    classes: int


def _conv_layer(cfg: dict[str, Any], name: str) -> Conv:
    if cfg["name"] != "ConvLayer" or cfg.get("groups", 1) != 1 or cfg.get("dilation", 1) != 1:
        raise ValueError(f"{name}: unsupported layer {cfg}")
    if cfg.get("act_func") not in ("relu6", None):
        raise ValueError(f"{name}: unsupported activation {cfg.get('act_func')}")
    return Conv(name, cfg["kernel_size"], cfg["stride"], cfg["in_channels"], cfg["out_channels"],
                depthwise=False, relu6=cfg.get("act_func") == "relu6")


def parse_network(cfg: dict[str, Any]) -> Network:
    """Read a ProxylessNASNets config (first_conv, blocks, feature_mix_layer, classifier)."""
    stem = _conv_layer(cfg["first_conv"], "stem")
    blocks = []
    channels = stem.cout
    for index, block in enumerate(cfg["blocks"]):
        conv, shortcut = block["mobile_inverted_conv"], block["shortcut"]
        where = f"block {index}"
        if conv["name"] == "ZeroLayer":
            # zero + identity shortcut is the identity: the block disappears
            if shortcut is None or shortcut["name"] != "IdentityLayer":
                raise ValueError(f"{where}: ZeroLayer without an identity shortcut outputs zeros")
            continue
        if conv["name"] != "MBInvertedConvLayer" or conv.get("use_se"):
            raise ValueError(f"{where}: unsupported {conv['name']} (use_se={conv.get('use_se')})")
        if conv.get("act_func", "relu6") != "relu6":
            raise ValueError(f"{where}: unsupported activation {conv['act_func']}")
        cin, cout, k, s = conv["in_channels"], conv["out_channels"], conv["kernel_size"], conv["stride"]
        if cin != channels:
            raise ValueError(f"{where}: in_channels {cin}, but the previous layer gives {channels}")
        mid = conv["mid_channels"] if conv["mid_channels"] is not None else round(cin * conv["expand_ratio"])
        layers = []
        if conv["expand_ratio"] != 1:
            layers.append(Conv(f"b{index}_expand", 1, 1, cin, mid, depthwise=False, relu6=True))
        else:
            mid = cin
        layers.append(Conv(f"b{index}_dw", k, s, mid, mid, depthwise=True, relu6=True))
        layers.append(Conv(f"b{index}_project", 1, 1, mid, cout, depthwise=False, relu6=False))
        residual = shortcut is not None
        if residual and (shortcut["name"] != "IdentityLayer" or s != 1 or cin != cout):
            raise ValueError(f"{where}: shortcut {shortcut['name']} on a stride-{s} {cin}->{cout} block")
        blocks.append(Block(tuple(layers), residual))
        channels = cout
    head = None
    if cfg.get("feature_mix_layer"):
        head = _conv_layer(cfg["feature_mix_layer"], "feature_mix")
        if head.cin != channels:
            raise ValueError(f"feature_mix_layer: in_channels {head.cin}, previous layer gives {channels}")
        channels = head.cout
    classifier = cfg["classifier"]
    if classifier["name"] != "LinearLayer" or classifier["in_features"] != channels:
        raise ValueError(f"classifier: {classifier['name']} with in_features {classifier['in_features']}, "
                         f"previous layer gives {channels}")
    return Network(stem, tuple(blocks), head, channels, classifier["out_features"])


def all_convs(net: Network) -> Iterator[Conv]:
    yield net.stem
    for block in net.blocks:
        yield from block.convs
    if net.head is not None:
        yield net.head


def count_params(net: Network) -> int:
    """Weights and biases (int8 weights, int32 biases once converted)."""
    total = net.features * net.classes + net.classes
    for conv in all_convs(net):
        total += conv.kernel * conv.kernel * (1 if conv.depthwise else conv.cin) * conv.cout + conv.cout
    return total


def count_macs(net: Network, resolution: int) -> tuple[int, int]:
    """MACs of the whole network from the layer shapes, and the final feature-map size."""
    size = resolution
    total = 0
    for conv in all_convs(net):
        total += conv.macs(size)
        size = conv.out_size(size)
    return total + net.features * net.classes, size


# ---------------------------------------------------------------------------------------------
# Configs


def install_configs(names: set[str], source: Path) -> None:
    """Copy the configs from the shared folder into benchmarks/configs/ (unchanged, when present)."""
    CONFIG_DIR.mkdir(exist_ok=True)
    for name in sorted(names):
        src, dst = source / name, CONFIG_DIR / name
        if src.is_file() and (not dst.is_file() or dst.read_bytes() != src.read_bytes()):
            shutil.copyfile(src, dst)
            print(f"copied {src} -> {dst.relative_to(REPO_DIR)}")
        if not dst.is_file():
            raise SystemExit(f"missing config {dst} (and no {src} to copy it from)")


def load_config(name: str) -> dict[str, Any]:
    return json.loads((CONFIG_DIR / name).read_text())


# ---------------------------------------------------------------------------------------------
# Keras model with random weights


def _conv_weights(rng: np.random.Generator, conv: Conv) -> list[np.ndarray]:
    fan_in = conv.kernel * conv.kernel * (1 if conv.depthwise else conv.cin)
    # He-normal before ReLU6; the linear projections get a smaller gain so that the residual
    # sums stay in a range similar to their inputs (there is no BatchNorm to rescale them).
    gain = 2.0 if conv.relu6 else 0.5
    shape = (conv.kernel, conv.kernel, conv.cin, 1) if conv.depthwise else (conv.kernel, conv.kernel,
                                                                            conv.cin, conv.cout)
    kernel = rng.normal(0.0, math.sqrt(gain / fan_in), size=shape).astype(np.float32)
    bias = rng.normal(0.0, 0.05, size=(conv.cout,)).astype(np.float32)
    return [kernel, bias]


def build_keras(net: Network, resolution: int, seed: int) -> tuple[Any, Any]:
    """The network with random weights; returns (model, feature_model up to the classifier)."""
    import keras

    rng = np.random.default_rng(seed)  # weights depend on the seed and the config only
    weights: list[tuple[Any, list[np.ndarray]]] = []

    def conv_layer(conv: Conv, x: Any) -> Any:
        activation = "relu6" if conv.relu6 else None
        if conv.depthwise:
            layer = keras.layers.DepthwiseConv2D(conv.kernel, conv.stride, padding="same",
                                                 activation=activation, name=conv.name)
        else:
            layer = keras.layers.Conv2D(conv.cout, conv.kernel, conv.stride, padding="same",
                                        activation=activation, name=conv.name)
        y = layer(x)
        weights.append((layer, _conv_weights(rng, conv)))
        return y

    inputs = keras.Input(shape=(resolution, resolution, 3), batch_size=1, name="image")
    x = conv_layer(net.stem, inputs)
    for index, block in enumerate(net.blocks):
        y = x
        for conv in block.convs:
            y = conv_layer(conv, y)
        x = keras.layers.Add(name=f"b{index}_add")([x, y]) if block.residual else y
    if net.head is not None:
        x = conv_layer(net.head, x)
    size = int(x.shape[1])
    x = keras.layers.AveragePooling2D(pool_size=size, name="global_pool")(x)
    features = keras.layers.Flatten(name="flatten")(x)
    dense = keras.layers.Dense(net.classes, name="classifier")
    logits = dense(features)
    outputs = keras.layers.Softmax(name="softmax")(logits)
    classifier_kernel = rng.normal(0.0, 1.0, size=(net.features, net.classes)).astype(np.float32)
    classifier_bias = rng.normal(0.0, 0.1, size=(net.classes,)).astype(np.float32)
    for layer, values in weights:
        layer.set_weights(values)
    dense.set_weights([classifier_kernel, classifier_bias])
    return keras.Model(inputs, outputs, name="net"), keras.Model(inputs, features, name="features")


def random_images(seed: int, resolution: int, count: int) -> np.ndarray:
    """Images in [-1, 1] (the range of a normalised photo), reproducible from the seed."""
    rng = np.random.default_rng([seed, resolution, count])
    return rng.uniform(-1.0, 1.0, size=(count, 1, resolution, resolution, 3)).astype(np.float32)


def scale_classifier(model: Any, feature_model: Any, images: np.ndarray) -> float:
    """Scale the classifier so that the float logits spread ~LOGIT_STD over the classes."""
    dense = model.get_layer("classifier")
    kernel, bias = dense.get_weights()
    features = np.concatenate([np.asarray(feature_model(image, training=False)) for image in images])
    spread = float(np.mean(np.std(features @ kernel, axis=1)))
    # two significant digits: float round-off in the TF forward pass (thread count, oneDNN) must
    # not change the weights, and so the output bytes
    scale = float(f"{LOGIT_STD / spread:.2g}")
    dense.set_weights([(kernel * scale).astype(np.float32), bias])
    return scale


def convert_int8(model: Any, images: np.ndarray) -> bytes:
    import tensorflow as tf

    def representative() -> Iterator[list[np.ndarray]]:
        for image in images:
            yield [image]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    # recent converters quantize FULLY_CONNECTED weights per output channel; keep them per tensor,
    # as the converters of the paper's time did and as every microcontroller runtime supports
    converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    # with Keras 3 the converter goes through a SavedModel export that prints every variable
    with contextlib.redirect_stdout(io.StringIO()):
        return bytes(converter.convert())


# ---------------------------------------------------------------------------------------------
# Checks in LiteRT (reference kernels)


@dataclass
class Report:
    spec: ModelSpec
    macs: int
    config_macs: int  # at the config's own resolution
    params: int
    tflite_macs: int
    final_size: int
    size_bytes: int
    sha256: str
    ops: Counter[str]
    input_desc: str
    output_desc: str
    max_prob: list[float]
    argmax: list[int]
    entropy: list[float]
    total: list[float]
    classes: list[int]


def _tflite_macs(interpreter: Any) -> int:
    """MACs from the converted graph's tensor shapes (an independent check of count_macs)."""
    tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
    total = 0
    for op in interpreter._get_ops_details():
        name = op["op_name"]
        if name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        weights = tensors[op["inputs"][1]]["shape"]
        out = tensors[op["outputs"][0]]["shape"]
        if name == "CONV_2D":  # weights [Cout, kh, kw, Cin]
            total += int(np.prod(out)) * int(np.prod(weights[1:]))
        elif name == "DEPTHWISE_CONV_2D":  # weights [1, kh, kw, C]
            total += int(np.prod(out)) * int(weights[1] * weights[2])
        else:  # weights [out, in]
            total += int(np.prod(weights))
    return total


def _quant(detail: dict[str, Any]) -> str:
    scale, zero = detail["quantization"]
    dtype = np.dtype(detail["dtype"]).name
    return f"{dtype} {[int(d) for d in detail['shape']]} scale {scale:.6g} zero_point {zero}"


def check_litert(spec: ModelSpec, path: Path, seed: int) -> dict[str, Any]:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    if np.dtype(inp["dtype"]) != np.int8 or np.dtype(out["dtype"]) != np.int8:
        raise SystemExit(f"{spec.name}: input/output not int8")
    rng = np.random.default_rng([seed, 7, spec.resolution])
    scale, zero = out["quantization"]
    max_prob, argmax, entropy, total, classes = [], [], [], [], []
    for _ in range(CHECK_IMAGES):
        image = rng.integers(-128, 128, size=inp["shape"], dtype=np.int8)
        interpreter.set_tensor(inp["index"], image)
        interpreter.invoke()
        probs = scale * (interpreter.get_tensor(out["index"]).astype(np.float64).ravel() - zero)
        # int8 softmax output has a step of 1/256: classes below half a step read 0, so with 1000
        # classes the sum falls short of 1 by the mass of the small ones
        if not 0.5 < probs.sum() < 1.1 or np.count_nonzero(probs) < 10:
            raise SystemExit(f"{spec.name}: softmax output sums to {probs.sum():.3f} "
                             f"over {np.count_nonzero(probs)} classes")
        total.append(float(probs.sum()))
        classes.append(int(np.count_nonzero(probs)))
        nonzero = probs[probs > 0]
        max_prob.append(float(probs.max()))
        argmax.append(int(probs.argmax()))
        entropy.append(float(-(nonzero * np.log(nonzero)).sum()))
        if probs.max() > 0.5:
            raise SystemExit(f"{spec.name}: degenerate softmax, {probs.max():.2f} on class {probs.argmax()}")
    ops = Counter(op["op_name"] for op in interpreter._get_ops_details())
    return {"ops": ops, "input": _quant(inp), "output": _quant(out), "max_prob": max_prob,
            "argmax": argmax, "entropy": entropy, "total": total, "classes": classes,
            "tflite_macs": _tflite_macs(interpreter)}


ALLOWED_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "AVERAGE_POOL_2D", "MEAN", "RESHAPE",
               "FULLY_CONNECTED", "SOFTMAX", "PAD"}


# ---------------------------------------------------------------------------------------------
# Generation and README


def make_model(spec: ModelSpec, seed: int) -> Report:
    config = load_config(spec.config)
    net = parse_network(config)
    macs, final_size = count_macs(net, spec.resolution)
    config_macs, _ = count_macs(net, config["resolution"])
    model, feature_model = build_keras(net, spec.resolution, seed)
    calibration = random_images(seed, spec.resolution, CALIBRATION_IMAGES)
    scale_classifier(model, feature_model, calibration)
    data = convert_int8(model, calibration)
    again = convert_int8(model, calibration)
    if again != data:
        raise SystemExit(f"{spec.name}: two conversions of the same model differ: not deterministic")
    path = MODEL_DIR / f"{spec.name}.tflite"
    path.write_bytes(data)
    checked = check_litert(spec, path, seed)
    if checked["tflite_macs"] != macs:
        raise SystemExit(f"{spec.name}: {checked['tflite_macs']} MACs in the .tflite, {macs} from the config")
    unexpected = set(checked["ops"]) - ALLOWED_OPS
    if unexpected:
        raise SystemExit(f"{spec.name}: unexpected operators {sorted(unexpected)}")
    return Report(
        spec=spec, macs=macs, config_macs=config_macs, params=count_params(net),
        tflite_macs=checked["tflite_macs"], final_size=final_size, size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), ops=checked["ops"], input_desc=checked["input"],
        output_desc=checked["output"], max_prob=checked["max_prob"], argmax=checked["argmax"],
        entropy=checked["entropy"], total=checked["total"], classes=checked["classes"],
    )


def write_readme(reports: list[Report], seed: int, tf_version: str, litert_version: str) -> None:
    lines = [
        "# Table 3 networks, int8, random weights",
        "",
        "Generated by `benchmarks/make_models.py`; do not edit by hand. Regenerate with",
        "",
        "```sh",
        "pip install -e '.[models]' ai-edge-litert",
        f"python benchmarks/make_models.py --seed {seed}",
        "```",
        "",
        "The four networks that Table 3 of \"Tiny Machine Learning: Progress and Futures\" (IEEE CAS",
        "Magazine, 2023) measures on the STM32H743, with the architecture of the paper's models and",
        "**random weights**: the trained weights are not public here, and latency and memory do not",
        "depend on the weight values. Their outputs mean nothing; do not use them for accuracy.",
        "",
        "## Provenance",
        "",
        f"- Architectures: `benchmarks/configs/*.json`, copied unchanged from {CONFIG_SOURCE}.",
        "  mcunet-512kb-2mb_imagenet.json is mcunet-in4 (run at 160x160 here, its config says 160);",
        "  proxyless-w0.3-r176_imagenet.json is proxyless-w0.3 (run at 64x64 and 176x176);",
        "  mbv2-w0.3-r80_imagenet.json is mbv2-w0.3 (run at 64x64; its config says 80).",
        "  Licence: MIT, that of mit-han-lab/tinyml (https://github.com/mit-han-lab/tinyml, see its",
        "  LICENSE); keep this attribution with the copies. Only the architecture definitions come",
        "  from there: no upstream code or weights are used.",
        f"- Built with TensorFlow {tf_version} (Keras {_keras_version()}), checked with ai-edge-litert",
        f"  {litert_version} (BUILTIN_REF kernels), numpy {np.__version__}, Python {sys.version.split()[0]}.",
        f"- Seed {seed}: weights come from `numpy.random.default_rng({seed})` in layer order (so both",
        "  proxyless-w0.3 files share their conv weights), calibration images from",
        f"  `default_rng([{seed}, resolution, {CALIBRATION_IMAGES}])`, uniform in [-1, 1].",
        "",
        "## How the networks are built",
        "",
        "From each config: first_conv (3x3 stride 2 conv + ReLU6); per MobileInvertedResidualBlock",
        "a 1x1 expand conv + ReLU6 (absent when expand_ratio is 1; width mid_channels, or",
        "round(in_channels * expand_ratio) when that is null), a kxk depthwise conv + ReLU6 (stride",
        "from the config), a 1x1 linear projection, and a residual ADD where the block has an",
        "IdentityLayer shortcut (always stride 1, in == out); a ZeroLayer block with an identity",
        "shortcut is the identity and is dropped; feature_mix_layer (1x1 conv + ReLU6) when present;",
        "global average pooling (AVERAGE_POOL_2D over the whole map, then a flatten that the",
        "converter folds into FULLY_CONNECTED, so no RESHAPE); the classifier, Dense(1000); SOFTMAX.",
        "BatchNorm is not modelled (with random weights a folded BN is just a conv bias). Padding",
        "is 'same', which for the odd kernels here gives the same output sizes as PyTorch's k//2",
        "padding, so the converter emits no PAD. Conv kernels are He-normal (linear projections",
        "with a quarter of that variance so that residual sums stay in range), biases N(0, 0.05).",
        f"The classifier is scaled so that the float logits spread ~{LOGIT_STD} (std over the classes)",
        "on the calibration images, which keeps the softmax from collapsing onto one class.",
        "",
        "Conversion: `TFLiteConverter.from_keras_model`, `optimizations = [Optimize.DEFAULT]`,",
        "`supported_ops = [TFLITE_BUILTINS_INT8]`, `inference_input_type = inference_output_type =",
        f"int8`, representative dataset of the {CALIBRATION_IMAGES} calibration images, and",
        "`_experimental_disable_per_channel_quantization_for_dense_layers = True`: conv and",
        "depthwise weights are int8 per output channel, the FULLY_CONNECTED weights int8 per tensor",
        "(recent converters would make them per channel, which older microcontroller runtimes",
        "reject), biases int32. The classifier's input stays [1, 1, 1, C]: FULLY_CONNECTED flattens.",
        "",
        "Deterministic: yes, with the same TensorFlow version. Each run converts every model twice",
        "and stops if the bytes differ; when the generator was written (TensorFlow 2.21.0), separate",
        "runs, one of them pinned to a single CPU, wrote identical files (sha256 below). The",
        "classifier scale is rounded to two significant digits so that float round-off in the",
        "TensorFlow forward pass cannot change the weights. Another TensorFlow version may quantize",
        "or lay out the flatbuffer differently.",
        "",
        "## Models",
        "",
        "MACs are counted from the layer shapes (conv: H_out*W_out*C_out*k*k*C_in/groups, plus the",
        "classifier's in*out) and checked against the same count taken from the converted graph's",
        "tensor shapes. Table 3 gives 125.9M (mcunet-in4, 160), 38.3M (proxyless-w0.3, 176, about",
        "5.1M at 64) and 7.3M (mbv2-w0.3 at 80, about 4.7M at 64); the \"about\" figures are the",
        "quadratic scaling of the full-resolution count, which misses that the last stage's map",
        "shrinks faster (mbv2 at 80: 5x5 -> 3x3 after the last stride 2; at 64: 4x4 -> 2x2), so the",
        "exact counts below differ from them by a few percent.",
        "",
        "| file | input | MACs | Table 3 | at the config's resolution | final map | parameters | bytes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        config_res = load_config(r.spec.config)["resolution"]
        lines.append(
            f"| {r.spec.name}.tflite | {r.spec.resolution}x{r.spec.resolution}x3 | {r.macs / 1e6:.2f}M "
            f"({r.macs:,}) | {r.spec.table_note} | {r.config_macs / 1e6:.2f}M at {config_res} "
            f"| {r.final_size}x{r.final_size} | {r.params:,} | {r.size_bytes:,} |"
        )
    lines += [
        "",
        "Parameters are the weights and biases (int8 weights, int32 biases); the files are larger",
        "by the per-channel quantization parameters (a float32 scale and an int64 zero point per",
        "output channel of every conv) and the flatbuffer's own structure.",
    ]
    lines += ["", "sha256 (`sha256sum -c` takes these lines):", "", "```"]
    lines += [f"{r.sha256}  {r.spec.name}.tflite" for r in reports]
    lines += ["```", "", "Operators:", "", "| file | operators | total |", "|---|---|---|"]
    for r in reports:
        ops = ", ".join(f"{name} {count}" for name, count in sorted(r.ops.items()))
        lines.append(f"| {r.spec.name}.tflite | {ops} | {sum(r.ops.values())} |")
    lines += ["", "Input and output quantization (real = scale * (q - zero_point)):", "",
              "| file | input | output |", "|---|---|---|"]
    for r in reports:
        lines.append(f"| {r.spec.name}.tflite | {r.input_desc} | {r.output_desc} |")
    lines += ["", f"LiteRT check ({CHECK_IMAGES} random int8 inputs each, reference kernels): no class above",
              "0.5 and mass spread over many classes. The int8 softmax output steps by 1/256, so classes",
              "below half a step read 0 and the dequantized sum falls short of 1 by their mass. That",
              "the argmax hardly changes between noise inputs is expected with random weights: the",
              "pooled features of noise images share a large common part.", "",
              "| file | max probability | argmax | classes > 0 | sum | entropy of the nonzero (nats) |",
              "|---|---|---|---|---|---|"]
    for r in reports:
        lines.append(
            f"| {r.spec.name}.tflite | {', '.join(f'{p:.3f}' for p in r.max_prob)} "
            f"| {', '.join(map(str, r.argmax))} | {', '.join(map(str, r.classes))} "
            f"| {', '.join(f'{t:.2f}' for t in r.total)} | {', '.join(f'{e:.2f}' for e in r.entropy)} |"
        )
    (MODEL_DIR / "README.md").write_text("\n".join(lines) + "\n")


def _keras_version() -> str:
    import keras

    return str(keras.__version__)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--configs-from", type=Path, default=SHARED_CONFIG_DIR,
                        help="folder to copy the configs from (default: %(default)s)")
    parser.add_argument("--macs-only", action="store_true", help="print the MAC counts and stop")
    args = parser.parse_args()

    install_configs({spec.config for spec in MODELS}, args.configs_from)
    if args.macs_only:
        for spec in MODELS:
            config = load_config(spec.config)
            net = parse_network(config)
            macs, _ = count_macs(net, spec.resolution)
            own, _ = count_macs(net, config["resolution"])
            print(f"{spec.name:<22} {macs / 1e6:8.3f}M  (Table 3: {spec.table_note}); "
                  f"{own / 1e6:.3f}M at the config's {config['resolution']}; "
                  f"{count_params(net):,} parameters")
        return

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # reproducible float math
    import tensorflow as tf
    from ai_edge_litert import __version__ as litert_version

    warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")

    tf.keras.utils.set_random_seed(args.seed)
    MODEL_DIR.mkdir(exist_ok=True)
    reports = []
    for spec in MODELS:
        start = time.monotonic()
        report = make_model(spec, args.seed)
        reports.append(report)
        print(f"{spec.name:<22} {report.macs / 1e6:8.3f}M MACs (Table 3: {spec.table_note}), "
              f"{report.size_bytes:,} bytes, {dict(sorted(report.ops.items()))}, "
              f"{time.monotonic() - start:.1f} s")
    write_readme(reports, args.seed, tf.__version__, litert_version)
    print(f"wrote {MODEL_DIR.relative_to(REPO_DIR)}/README.md")


if __name__ == "__main__":
    main()
