"""Window geometry shared by the convolutions and the pools, as LiteRT's Prepare computes it."""

from __future__ import annotations


def out_size_and_padding(
    padding: str, size: int, filter_size: int, stride: int, dilation: int = 1
) -> tuple[int, int]:
    """ComputeOutSize + ComputePaddingWithOffset (tflite/kernels/padding.h): the output size and
    the padding before the first row or column; the size is < 1 when the output is empty."""
    effective = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        out = (size + stride - 1) // stride
    else:  # VALID; C++ division truncates toward zero
        n = size + stride - effective
        out = n // stride if n >= 0 else -(-n // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return out, total // 2
