"""Data sets as model inputs: a .npz file with one array per model input, or a folder of .npy
or image files (one sample each, for a model with one input). Arrays hold one sample or a
stack of samples along a new first axis; float values for a quantized input are quantized with
the input's own scale and zero point, as LiteRT's QUANTIZE does."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np

from simtiny.errors import InputError, printable
from simtiny.flow.image_modes import IMAGE_SUFFIXES
from simtiny.flow.inputs import conform, given_arrays, load_input
from simtiny.model import Graph, Tensor

SAMPLE_SUFFIXES = (".npy", *IMAGE_SUFFIXES)
Samples = list[tuple[str, list[np.ndarray]]]


def is_data_set(given: list) -> bool:
    """Whether the inputs given are a data set (one .npz file, or one folder) rather than one
    file or array per model input."""
    if len(given) != 1 or isinstance(given[0], np.ndarray):
        return False
    path = Path(given[0])
    return path.is_dir() or path.suffix.lower() == ".npz"


def load_data(path: Path, graph: Graph, image_mode: str, max_samples: int, max_bytes: int) -> Samples:
    """The samples of a .npz file or a folder, each labelled, checked against the model's inputs
    before anything large is read."""
    if path.is_dir():
        return _folder(path, graph, image_mode, max_samples, max_bytes)
    if not path.is_file():
        raise InputError(f"{path}: no such data file")
    return _npz(path, graph, max_samples, max_bytes)


def stacked_samples(graph: Graph, given: list, max_samples: int, max_bytes: int) -> Samples | None:
    """A stack of samples along a first axis, one array or .npy file per model input (the same
    count in each), for a model without state; None when the inputs given are one sample."""
    if graph.state or len(given) != len(graph.inputs):
        return None
    stacks = given_arrays(given)
    if stacks is None:
        return None
    tensors = [graph.tensor(t) for t in graph.inputs]
    if any(_is_one(s.shape, t) for s, t in zip(stacks, tensors, strict=True)):
        return None
    counts = [_sample_count(s.shape, t, f"input {k}", k) for k, (s, t) in enumerate(zip(stacks, tensors, strict=True))]
    if len(set(counts)) != 1:
        raise InputError(f"the inputs' stacks hold different numbers of samples: {counts}")
    if counts[0] > max_samples or counts[0] * sum(t.nbytes for t in tensors) > max_bytes:
        raise InputError(f"a stack of {counts[0]:,} samples: more than one run takes (at most {max_samples:,})")
    names = [f"array {k}" if isinstance(item, np.ndarray) else Path(item).name for k, item in enumerate(given)]
    pairs = list(enumerate(zip(stacks, tensors, strict=True)))
    return [
        (f"{', '.join(names)} sample {s}", [conform(st[s], t, k, f"{names[k]} sample {s}") for k, (st, t) in pairs])
        for s in range(counts[0])
    ]


def _natural(name: str) -> list:
    """Sort key: 'img2' before 'img10'."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _folder(folder: Path, graph: Graph, image_mode: str, max_samples: int, max_bytes: int) -> Samples:
    if len(graph.inputs) != 1:
        raise InputError(
            f"{folder}: a folder of samples feeds a model with one input; this one has {len(graph.inputs)} "
            "(give a .npz file with one array per input)"
        )
    files = sorted(
        (p for p in folder.iterdir() if p.suffix.lower() in SAMPLE_SUFFIXES and not p.name.startswith(".")),
        key=lambda p: _natural(p.name),
    )
    if not files:
        raise InputError(f"{folder}: no .npy, .bmp or .png files in it")
    tensor = graph.tensor(graph.inputs[0])
    if len(files) > max_samples or len(files) * tensor.nbytes > max_bytes:
        raise InputError(f"{folder}: {len(files):,} samples, more than one run takes (at most {max_samples:,})")
    return [(p.name, [load_input(p, tensor, 0, image_mode)]) for p in files]


def _member_header(archive: zipfile.ZipFile, member: str, where: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of one array of a .npz, from its header alone."""
    try:
        with archive.open(member) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{where}: not a readable array ({printable(str(exc), 120)})") from None
    return tuple(shape), np.dtype(dtype)


def _npz(path: Path, graph: Graph, max_samples: int, max_bytes: int) -> Samples:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a readable .npz file ({printable(str(exc), 120)})") from None
    with archive:
        names = {n[:-4]: n for n in archive.namelist() if n.endswith(".npy")}
        chosen = []
        for k, t in enumerate(graph.inputs):
            tensor = graph.tensor(t)
            keys = [key for key in (tensor.name, f"input_{k}", f"arr_{k}") if key in names]
            if not keys and len(graph.inputs) == 1 and len(names) == 1:
                keys = list(names)
            if not keys:
                raise InputError(
                    f"{path}: no array for input {k}: name it {printable(tensor.name, 60)!r}, 'input_{k}' or "
                    f"'arr_{k}' (the file has {', '.join(printable(n, 40) for n in sorted(names)) or 'none'})"
                )
            chosen.append(keys[0])
        counts = []
        for k, key in enumerate(chosen):
            shape, dtype = _member_header(archive, names[key], f"{path}[{printable(key, 60)}]")
            counts.append(_sample_count(shape, graph.tensor(graph.inputs[k]), f"{path}[{printable(key, 60)}]", k))
            if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize > max_bytes:
                raise InputError(f"{path}[{printable(key, 60)}]: more than {max_bytes >> 20} MiB of samples in one run")
        if len(set(counts)) != 1:
            raise InputError(f"{path}: the inputs' arrays hold different numbers of samples: {counts}")
        count = counts[0]
        if count > max_samples:
            raise InputError(f"{path}: {count:,} samples, more than {max_samples:,} in one run")
        arrays = []
        for key in chosen:
            with archive.open(names[key]) as f:
                arrays.append(np.lib.format.read_array(f, allow_pickle=False))
    samples = []
    for s in range(count):
        values = []
        for k, (key, array) in enumerate(zip(chosen, arrays, strict=True)):
            tensor = graph.tensor(graph.inputs[k])
            one = array if count == 1 and _is_one(array.shape, tensor) else array[s]
            values.append(conform(one, tensor, k, f"{path}[{printable(key, 60)}] sample {s}"))
        samples.append((f"{path.name} sample {s}", values))
    return samples


def _is_one(shape: tuple[int, ...], tensor: Tensor) -> bool:
    """The array is one sample: the input's shape, or that shape less a leading batch of 1."""
    return shape == tensor.shape or (tensor.shape[:1] == (1,) and shape == tensor.shape[1:])


def _sample_count(shape: tuple[int, ...], tensor: Tensor, where: str, k: int) -> int:
    """How many samples an array of `shape` holds for `tensor`: one, or a stack along axis 0."""
    if _is_one(shape, tensor):
        return 1
    if len(shape) >= 1 and shape[0] >= 1 and _is_one(shape[1:], tensor):
        return shape[0]
    raise InputError(
        f"{where}: input {k} takes shape {list(tensor.shape)} (or a stack of them along a first axis), "
        f"the array is {list(shape)}"
    )
