"""The IDX format of the original MNIST distribution (what torchvision reads).

Header: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions,
then each dimension as a big-endian uint32; the data follows in C order. For uint8
images of shape (n, 28, 28) the first word is 2051, for uint8 labels (n,) it is 2049.
"""

from __future__ import annotations

import struct

import numpy as np

_UBYTE = 0x08


def encode_idx(array: np.ndarray) -> bytes:
    if array.dtype != np.uint8:
        raise TypeError(f"IDX writer supports uint8 only, got {array.dtype}")
    header = struct.pack(">HBB", 0, _UBYTE, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def decode_idx(data: bytes) -> np.ndarray:
    zero, code, ndim = struct.unpack_from(">HBB", data)
    if zero != 0 or code != _UBYTE:
        raise ValueError(f"not a uint8 IDX file (header {data[:4].hex()})")
    shape = struct.unpack_from(f">{ndim}I", data, 4)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
