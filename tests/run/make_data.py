# Writes the input files tests/run/run.sh feeds to dgc run and dgc eval
# (for models/demo.dg: 8 features, 4 classes), good and malformed, into DIR.
# Deterministic: the goldens depend on these exact bytes.
# usage: /usr/bin/python3 tests/run/make_data.py DIR
import gzip, os, struct, sys
import numpy as np

d = sys.argv[1]
rng = np.random.default_rng(2026)
def put(name, data, mode="wb"):
    with open(os.path.join(d, name), mode) as f:
        f.write(data)
def idx(a, code):
    a = np.asarray(a)
    return bytes([0, 0, code, a.ndim]) + b"".join(struct.pack(">I", n) for n in a.shape) + a.astype(">u1" if code == 8 else ">f4").tobytes()

rows = np.round(rng.uniform(-4, 4, (6, 8)), 2).astype(np.float32)
labels = np.array([0, 1, 2, 3, 0, 1])
put("rows.csv", ("f0,f1,f2,f3,f4,f5,f6,f7\n# six rows\n" + "".join(
    ", ".join("%g" % v for v in r) + "\n" for r in rows)).encode())
np.save(os.path.join(d, "rows.npy"), rows)
np.save(os.path.join(d, "labels.npy"), labels)
put("labels.csv", "".join("%d\n" % v for v in labels).encode())
pix = rng.integers(0, 256, (6, 8))
put("x.idx.gz", gzip.compress(idx(pix, 8), mtime=0))
put("l.idx", idx(labels, 8))
put("ragged.csv", b"1,2,3,4,5,6,7,8\n1,2,3,4,5,6,7\n")
put("wide.csv", b"1 2 3\n")
put("text.csv", b"1,2,3,4,5,6,7,8\n1,2,3,4,5,6,7,x8\n")
put("trunc.idx", idx(pix, 8)[:-3])
put("bad.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage, not deflate")
put("labels7.csv", b"0\n1\n7\n3\n0\n1\n")
put("labels5.csv", b"0\n1\n2\n3\n0\n")
# A labelled set for eval: 200 rows; the labels are a fixed function of the
# inputs (which half of the features is larger) so accuracy is not chance.
ev = np.round(rng.uniform(-4, 4, (200, 8)), 3).astype(np.float32)
evl = (ev[:, :4].sum(1) > ev[:, 4:].sum(1)).astype(int) * 2 + (ev[:, 0] > 0)
np.save(os.path.join(d, "eval.npy"), ev)
np.save(os.path.join(d, "eval_labels.npy"), evl)
os.makedirs(os.path.join(d, "fm"), exist_ok=True)
put("fm/t10k-images-idx3-ubyte.gz", gzip.compress(idx(pix, 8), mtime=0))
put("fm/t10k-labels-idx1-ubyte", idx(labels, 8))
