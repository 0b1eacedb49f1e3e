"""CIFAR's python batch files, byte-compatible with the originals' Python 2 pickles.

Why hand-written opcodes: the real batches were pickled by Python 2, so their keys are py2 `str`.
Keras unpickles them with `encoding="bytes"` and decodes the keys itself (`d[b"data"]`); torchvision
uses `encoding="latin1"` and reads `entry["data"]`. Only py2-style strings (BINSTRING opcodes)
satisfy both, and Python 3's pickler cannot emit them. Keras's unpickler also refuses every global
but numpy's array reconstruction, which is all these files use.
"""

from __future__ import annotations

import pickle
import struct

import numpy as np

_PROTO = b"\x80\x02"


def _string(value: bytes) -> bytes:
    """A Python 2 `str`: what Python 3 reads as bytes or as text, as its caller asks."""
    if len(value) < 256:
        return b"U" + bytes([len(value)]) + value
    return b"T" + struct.pack("<I", len(value)) + value


def _int(value: int) -> bytes:
    return b"J" + struct.pack("<i", value)


def _tuple(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


def _uint8_array(array: np.ndarray) -> bytes:
    """How numpy pickles a C-ordered uint8 array: _reconstruct, then __setstate__ with raw bytes."""
    dtype = (b"cnumpy\ndtype\n" + _tuple(_string(b"u1"), _int(0), _int(1)) + b"R"
             + _tuple(_int(3), _string(b"|"), b"N", b"N", b"N", _int(-1), _int(-1), _int(0)) + b"b")
    shape = _tuple(*(_int(n) for n in array.shape))
    state = _tuple(_int(1), shape, dtype, b"\x89", _string(np.ascontiguousarray(array, np.uint8).tobytes()))
    return (b"cnumpy.core.multiarray\n_reconstruct\n"
            + _tuple(b"cnumpy\nndarray\n", _tuple(_int(0)), _string(b"b")) + b"R" + state + b"b")


def _list(items: list[bytes]) -> bytes:
    return b"(l" + b"".join(item + b"a" for item in items)


def batch_bytes(label: str, images: np.ndarray, labels: np.ndarray) -> bytes:
    """One `data_batch_N`/`test_batch` file: images (n, 32, 32, 3) uint8 stored as (n, 3072) CHW rows."""
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    names = [_string(f"standin_{i:05d}.png".encode()) for i in range(len(images))]
    entries = {b"batch_label": _string(label.encode()), b"labels": _list([_int(int(v)) for v in labels]),
               b"data": _uint8_array(rows), b"filenames": _list(names)}
    return _PROTO + b"}(" + b"".join(_string(k) + v for k, v in entries.items()) + b"u."


def meta_bytes(class_names: list[str], per_batch: int) -> bytes:
    """`batches.meta`: the class names (torchvision's `classes`) and the batch geometry."""
    entries = {b"num_cases_per_batch": _int(per_batch),
               b"label_names": _list([_string(name.encode()) for name in class_names]),
               b"num_vis": _int(3072)}
    return _PROTO + b"}(" + b"".join(_string(k) + v for k, v in entries.items()) + b"u."


def read_batch(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 32, 32, 3), labels (n,)) of a batch file, real or stand-in."""
    entry = pickle.loads(data, encoding="bytes")
    rows = np.asarray(entry[b"data"], dtype=np.uint8)
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), np.asarray(entry[b"labels"], dtype=np.uint8)
