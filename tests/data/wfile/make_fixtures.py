#!/usr/bin/python3
"""Regenerate the wfile unit-test fixtures with real NumPy.

Run from anywhere: /usr/bin/python3 tests/data/wfile/make_fixtures.py
Every value is exactly representable in float32 unless the test compares it
against a C (float) cast of the same double (f64.npy).
The safetensors file and zip64.npz are written by hand with struct because
the safetensors package is not installed and NumPy's own zip writer does not
put zip64 fields in the central directory.
"""
import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npformat

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def save_version(name, arr, version):
    with open(path(name), "wb") as f:
        npformat.write_array(f, arr, version=version)


def npy_bytes(arr):
    b = io.BytesIO()
    np.save(b, arr)
    return b.getvalue()


# --- .npy -----------------------------------------------------------------
# f32_2d: value at [i][j] = (3*i + j) * 0.5 - 1
np.save(path("f32_2d.npy"), (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3))
# f64: values the test casts with (float) itself; 1e300 overflows to inf
np.save(path("f64.npy"), np.array([0.1, 1.0 / 3.0, -2.5, 1e300, 1e-50], dtype=np.float64))
# fortran: C-order values 0..23 stored column-major
np.save(path("fortran.npy"), np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)))
# scalar: 0-d
np.save(path("scalar.npy"), np.array(3.25, dtype=np.float32))
# vec_i4: 1-d int32
np.save(path("vec_i4.npy"), np.array([-3, 0, 7, 2147483647, -2147483648], dtype=np.int32))
# big-endian float64, float16, format versions 2.0 and 3.0
np.save(path("be_f8.npy"), np.array([1.5, -0.25, 1024.0], dtype=">f8"))
np.save(path("f16.npy"), np.array([1.0, -2.0, 0.5, 65504.0, 2.0 ** -24, np.inf], dtype="<f2"))
save_version("v2.npy", np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32), (2, 0))
save_version("v3.npy", np.array([5.0, 6.0, 7.0], dtype=np.float32), (3, 0))
# complex is a real NumPy dtype the loader must reject by name
np.save(path("complex.npy"), np.array([1 + 2j], dtype=np.complex64))

# --- .npz -----------------------------------------------------------------
np.savez(
    path("dtypes.npz"),
    **{
        "fc1.weight": np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32),
        "be": np.array([1.5, -3.0], dtype=">f8"),
        "half": np.array([0.5, -1.0], dtype="<f2"),
        "u8": np.array([0, 255], dtype=np.uint8),
        "i8": np.array([-128, 127], dtype=np.int8),
        "i16": np.array([-32768, 32767], dtype=np.int16),
        "i64": np.array([-(2 ** 40), 2 ** 40], dtype=np.int64),
        "blk/conv.weight": np.array([9.0], dtype=np.float32),
    },
)
# compressed: 64 values 0..63 / 4 so deflate really compresses something
np.savez_compressed(
    path("compressed.npz"),
    w=(np.arange(64, dtype=np.float32) / 4).reshape(8, 8),
    b=np.zeros(16, dtype=np.float32),
)
# dup.npz: two members with the same name (zipfile warns but allows it)
with zipfile.ZipFile(path("dup.npz"), "w") as z:
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z.writestr("a.npy", npy_bytes(np.array([1.0], dtype=np.float32)))
        z.writestr("a.npy", npy_bytes(np.array([2.0], dtype=np.float32)))


# zip64.npz: hand-built zip whose central directory keeps sizes and offset as
# 0xFFFFFFFF with the real values in the zip64 extra field, followed by a
# ZIP64 end-of-central-directory record and locator, plus an archive comment.
def zip64_archive(members, comment=b"made by make_fixtures.py"):
    out = bytearray()
    central = bytearray()
    for name, data, method in members:
        nm = name.encode()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        if method == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            comp = c.compress(data) + c.flush()
        else:
            comp = data
        off = len(out)
        lextra = struct.pack("<HHQQ", 1, 16, len(data), len(comp))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0x21,
                           crc, 0xFFFFFFFF, 0xFFFFFFFF, len(nm), len(lextra))
        out += nm + lextra + comp
        cextra = struct.pack("<HHQQQ", 1, 24, len(data), len(comp), off)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method,
                               0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(nm),
                               len(cextra), 0, 0, 0, 0x81800000, 0xFFFFFFFF)
        central += nm + cextra
    cd_off = len(out)
    out += central
    z64_off = len(out)
    n = len(members)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n,
                       len(central), cd_off)
    out += struct.pack("<IIQI", 0x07064B50, 0, z64_off, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF,
                       0xFFFFFFFF, 0xFFFFFFFF, len(comment))
    out += comment
    return bytes(out)


with open(path("zip64.npz"), "wb") as f:
    f.write(zip64_archive([
        ("x.npy", npy_bytes(np.array([[0.25, 0.5, 0.75]], dtype=np.float32)), 0),
        ("y.npy", npy_bytes(np.full(32, -1.5, dtype=np.float64)), 8),
    ]))


# --- .safetensors ---------------------------------------------------------
def safetensors(tensors, metadata):
    """tensors: list of (name, dtype, shape, raw bytes) in buffer order."""
    header = {}
    buf = bytearray()
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [len(buf), len(buf) + len(raw)]}
        buf += raw
    header["__metadata__"] = metadata
    text = json.dumps(header).encode()       # ensure_ascii: non-ASCII as \uXXXX
    text += b" " * (-len(text) % 8)          # pad like the reference writer
    return struct.pack("<Q", len(text)) + text + bytes(buf)


bf16 = np.array([1.0, -2.0, 0.15625, 3.0e38], dtype=np.float32).view(np.uint32) >> 16
with open(path("model.safetensors"), "wb") as f:
    f.write(safetensors([
        ("fc1.weight", "F32", (2, 3), (np.arange(6, dtype="<f4") - 2.5).tobytes()),
        ("fc1.bias", "F16", (3,), np.array([0.5, -0.75, 2048.0], dtype="<f2").tobytes()),
        ("emb", "BF16", (2, 2), bf16.astype("<u2").tobytes()),
        ("idx", "I64", (3,), np.array([-1, 0, 2 ** 33], dtype="<i8").tobytes()),
        ("d", "F64", (), np.array(0.1, dtype="<f8").tobytes()),
        ("caf\u00e9", "U8", (2,), np.array([7, 200], dtype=np.uint8).tobytes()),
        ("empty", "F32", (0, 4), b""),
    ], {"format": "pt", "note": "tab\there \"quoted\" \\ slash"}))

total = sum(os.path.getsize(path(n)) for n in os.listdir(HERE))
print("fixtures written, %d bytes in %s" % (total, HERE))
