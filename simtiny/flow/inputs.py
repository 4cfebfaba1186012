"""Model inputs: arrays given by the caller, .npy files, BMP/PNG images for image models, or
seeded random values.

Images (modes in image_modes.py): with "raw", the image's bytes are the input's bytes, which
is how TF-Lite Micro's test images are made: its generate_cc_arrays.py writes a BMP's bytes
into an int8_t array (person_detect's person.bmp and no_person.bmp). The image must already
have the model's height, width and channel count; simtiny does not resize.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simtiny.errors import InputError, printable
from simtiny.flow.image_modes import IMAGE_SUFFIXES
from simtiny.model import NUMPY_DTYPES, Graph, Tensor


def load_input(path: Path, tensor: Tensor, position: int, image_mode: str = "pixels") -> np.ndarray:
    """Read one input file and check it against the model input it is for."""
    if not path.is_file():
        raise InputError(f"{path}: no such input file")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        value = mapped_npy(path)
    elif suffix in IMAGE_SUFFIXES:
        value = _image(path, tensor, image_mode)
    else:
        raise InputError(f"{path}: unknown input format (use .npy, .bmp or .png)")
    return conform(value, tensor, position, str(path))


def conform(value: np.ndarray, tensor: Tensor, position: int, where: str) -> np.ndarray:
    """Check shape and dtype (a missing leading batch dimension of 1 is added; float values for a
    quantized input are quantized with its parameters: quantize_for). The shape first: a mapped
    .npy file is read only once it is known to be one sample's size."""
    want = np.dtype(NUMPY_DTYPES[tensor.dtype])
    if tensor.shape[:1] == (1,) and value.shape == tensor.shape[1:]:
        value = value.reshape(tensor.shape)  # the batch dimension may be left out
    if value.shape != tensor.shape:
        raise InputError(
            f"{where}: input {position} must have shape {list(tensor.shape)}, the file holds {list(value.shape)}"
        )
    value = quantize_for(value, tensor, where)
    if value.dtype != want:
        floats = " (or float values, quantized with its scale and zero point)" if _quantized(tensor) else ""
        raise InputError(f"{where}: input {position} must be {want.name}{floats}, the file holds {value.dtype.name}")
    return np.array(value, copy=True, order="C")  # a copy: also of a mapped .npy file


def _quantized(tensor: Tensor) -> bool:
    """An integer input with per-tensor quantization parameters: float values can be quantized for it."""
    q = tensor.quant
    return (
        np.dtype(NUMPY_DTYPES[tensor.dtype]).kind in "iu"
        and q is not None
        and len(q.scale) == 1
        and q.scale[0] > 0
    )


def dequantized(tensor: Tensor, value: np.ndarray) -> np.ndarray:
    """The real values (float64) of a tensor's values: (q - zero point) * scale for an integer
    tensor with per-tensor parameters (the inverse of quantize_for); other values as they are."""
    v = np.asarray(value)
    if _quantized(tensor):
        return (v.astype(np.float64) - tensor.zero_point()) * tensor.scale()
    return v.astype(np.float64)


def quantize_for(value: np.ndarray, tensor: Tensor, where: str) -> np.ndarray:
    """Float values for an integer input with quantization parameters become its integers, as
    LiteRT's reference QUANTIZE computes them: round(x / scale) in float32, halves away from
    zero, plus the zero point, clamped to the type. Anything else is returned as it is."""
    if value.dtype.kind != "f" or not _quantized(tensor):
        return value
    want = np.dtype(NUMPY_DTYPES[tensor.dtype])
    x = np.asarray(value, dtype=np.float32)
    if not np.isfinite(x).all():
        raise InputError(f"{where}: float values to quantize must be finite")
    scaled = x / np.float32(tensor.scale())
    magnitude = np.abs(scaled)
    whole = np.floor(magnitude)
    rounded = np.copysign(whole + (magnitude - whole >= 0.5), scaled).astype(np.float64)
    info = np.iinfo(want)
    return np.clip(rounded + tensor.zero_point(), info.min, info.max).astype(want)


def mapped_npy(path: Path) -> np.ndarray:
    """Mapped, not read: the header may claim any shape, and nothing is copied into memory until
    `conform` has held the shape against the model's input."""
    try:
        return np.load(path, allow_pickle=False, mmap_mode="r")
    except (ValueError, OSError, EOFError, OverflowError) as exc:
        reason = printable(" ".join(str(exc).split()), 120)
        raise InputError(f"{path}: not a readable .npy file ({reason})") from None


def _image(path: Path, tensor: Tensor, image_mode: str = "pixels") -> np.ndarray:
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise InputError("reading images needs Pillow: pip install pillow") from None
    shape = tensor.shape
    if len(shape) != 4 or shape[0] != 1 or shape[3] not in (1, 3):
        raise InputError(
            f"{path}: an image input needs a model input of shape [1, H, W, 1 or 3], this model takes {list(shape)}"
        )
    try:
        with Image.open(path) as img:
            # The header's size is checked before any pixel is decoded: a file may claim any size.
            width, height = img.size
            if (height, width) != tuple(shape[1:3]):
                raise InputError(
                    f"{path}: the image is {width}x{height}, the model takes {shape[2]}x{shape[1]} (resize it first)"
                )
            img = img.convert("L" if shape[3] == 1 else "RGB")
            pixels = np.asarray(img, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError, SyntaxError) as exc:
        reason = printable(" ".join(str(exc).split()), 120)
        raise InputError(f"{path}: not a readable image ({reason})") from None
    if pixels.shape[:2] != shape[1:3]:
        raise InputError(
            f"{path}: the image is {pixels.shape[1]}x{pixels.shape[0]}, the model takes "
            f"{shape[2]}x{shape[1]} (resize it first)"
        )
    pixels = pixels.reshape(shape)
    if image_mode == "raw":
        if tensor.dtype not in ("int8", "uint8"):
            raise InputError(f"{path}: --image-mode raw feeds int8 or uint8 inputs, not {tensor.dtype}")
        return pixels.view(np.int8) if tensor.dtype == "int8" else pixels
    if tensor.dtype == "int8":
        return (pixels.astype(np.int16) - 128).astype(np.int8)
    if tensor.dtype == "uint8":
        return pixels
    if tensor.dtype == "float32":
        return pixels.astype(np.float32) / np.float32(255.0)
    raise InputError(f"{path}: images can feed int8, uint8 or float32 inputs, not {tensor.dtype}")


def model_inputs(graph: Graph, given: list, image_mode: str = "pixels") -> list[np.ndarray]:
    """One sample from what the caller gave, one item per model input: a numpy array (checked
    like a .npy file) or a path (.npy, .bmp, .png)."""
    if len(given) != len(graph.inputs):
        raise InputError(f"the model has {len(graph.inputs)} input(s), {len(given)} given")
    out = []
    for k, (item, t) in enumerate(zip(given, graph.inputs, strict=True)):
        if isinstance(item, np.ndarray):
            out.append(conform(item, graph.tensor(t), k, f"input {k}"))
        else:
            out.append(load_input(Path(item), graph.tensor(t), k, image_mode))
    return out


def given_arrays(given: list) -> list[np.ndarray] | None:
    """Each given input as an array (a .npy file mapped, not read), or None if one is another
    kind of file (an image)."""
    arrays = []
    for item in given:
        if isinstance(item, np.ndarray):
            arrays.append(item)
        elif Path(item).suffix.lower() == ".npy" and Path(item).is_file():
            arrays.append(mapped_npy(Path(item)))
        else:
            return None
    return arrays


def stream_steps(graph: Graph, given: list, max_steps: int) -> list[list[np.ndarray]] | None:
    """A streaming model's steps, when each given input is a stack of frames: a .npy file or
    array of shape (K, *input shape), K the same for every input. None when they are not (then
    each item is one sample's input, as for any model)."""
    if not graph.state or len(given) != len(graph.inputs):
        return None
    stacks = given_arrays(given)
    if stacks is None:
        return None
    shapes = [graph.tensor(t).shape for t in graph.inputs]
    if any(s.ndim != len(shape) + 1 or s.shape[1:] != shape for s, shape in zip(stacks, shapes, strict=True)):
        return None
    counts = {s.shape[0] for s in stacks}
    if len(counts) != 1:
        raise InputError(f"the inputs' streams have different numbers of frames: {sorted(counts)}")
    (count,) = counts
    if not 1 <= count <= max_steps:
        raise InputError(f"a stream of {count:,} frames: give 1 to {max_steps:,} in one run")
    return [
        [
            conform(s[k], graph.tensor(t), i, f"frame {k}")
            for i, (s, t) in enumerate(zip(stacks, graph.inputs, strict=True))
        ]
        for k in range(count)
    ]


def random_inputs(graph: Graph, seed: int) -> list[np.ndarray]:
    """Seeded random inputs covering each input's whole quantized range."""
    rng = np.random.default_rng(seed)
    out = []
    consumers = graph.consumers()
    for t in graph.inputs:
        tensor = graph.tensor(t)
        dtype = np.dtype(NUMPY_DTYPES[tensor.dtype])
        if dtype.kind == "b":  # a bool input (a mask): true or false, evenly
            out.append(rng.random(tensor.shape) < 0.5)
            continue
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            out.append(rng.integers(info.min, info.max, size=tensor.shape, endpoint=True, dtype=dtype))
            continue
        low, high = -1.0, 1.0
        for i in consumers.get(t, []):
            op = graph.operators[i]
            q = graph.tensor(op.outputs[0])
            if op.opcode == "QUANTIZE" and q.quant is not None:
                info = np.iinfo(np.dtype(NUMPY_DTYPES[q.dtype]))
                low = q.scale() * (info.min - q.zero_point())
                high = q.scale() * (info.max - q.zero_point())
        out.append(rng.uniform(low, high, size=tensor.shape).astype(dtype))
    return out
