# test_export: dgexport.py against dgc. Small random models of every kind the
# exporter supports are exported, checked with `dgc check`, and run by dgc
# (the reference interpreter and the emitted C built with gcc, through
# build/tests/ref_check) on random images; their logits, predictions and
# gate masks must match PyTorch's forward. Models .dg cannot express must
# be refused with "dgexport: error: ...", exit 2, and nothing written.
#
# usage (repository root, after `make dgc build/tests/ref_check`):
#   /usr/bin/python3 models/train/test_export.py
import gzip, io, os, subprocess, sys, tempfile
from contextlib import redirect_stderr
import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dgexport
from dgnn import DGDense, DGInput, DGMLP, LinearGate, LowRankGate, StaticGate

DGC, REF_CHECK = "./dgc", "build/tests/ref_check"
N = 200
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("test_export: FAIL: " + msg, flush=True)


def images(path, n_in, seed):
    """n random ubyte 'images' of 1 x n_in as gzip'd IDX3 (what ref_check reads)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (N, n_in), dtype=np.uint8)
    hdr = bytes([0, 0, 8, 3]) + N.to_bytes(4, "big") + (1).to_bytes(4, "big") + n_in.to_bytes(4, "big")
    with gzip.open(path, "wb") as f:
        f.write(hdr + x.tobytes())
    return torch.from_numpy(x.astype(np.float32))


def ref_npz(model, x, path):
    model.eval()
    with torch.no_grad():
        out = model(x)
    ref = {"logits": out.numpy().astype(np.float32),
           "predictions": out.argmax(1).numpy().astype(np.int32)}
    if isinstance(model, DGMLP):
        if model.input.gate is not None:
            ref["mask_input"] = model.input.gate.mask.numpy().astype(np.uint8)
        for l in model.layers:
            if getattr(l, "gate", None) is not None:
                ref["mask_" + l.name] = l.gate.mask.numpy().astype(np.uint8)
    np.savez_compressed(path, **ref)


def mlp(name, n_in, layers, n_out=5, **kw):
    """layers: (units, act, gate or None) or an nn.LayerNorm; names fc1.. or ln1.."""
    mods, n = [], n_in
    for i, l in enumerate(layers):
        if isinstance(l, nn.LayerNorm):
            mods.append(l)
            continue
        units, act, gate = l
        mods.append(DGDense(n, units, act, gate, f"fc{i + 1}"))
        n = units
    inp = kw.pop("input", None) or DGInput(n_in, scale=1 / 255)
    return DGMLP(inp, mods, nn.Linear(n, n_out), name, **kw)


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * (0.8 if p.dim() > 1 else 0.5))
    return model


def cases():
    torch.manual_seed(0)
    seq = nn.Sequential(nn.Flatten(), nn.Linear(12, 9), nn.GELU(), nn.LayerNorm(9),
                        nn.Linear(9, 7), nn.Tanh(), nn.Dropout(0.1), nn.Linear(7, 6),
                        nn.Sigmoid(), nn.Linear(6, 4), nn.Softmax(dim=1))
    with torch.no_grad():  # raw pixels 0..255 in: keep pre-activations where GELU bends
        seq[1].weight /= 100
    yield "seq_dense", seq, 12
    yield "seq_plain", nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 3, bias=False),), 10
    yield "static_all", mlp("static_all", 16, [(12, "relu", StaticGate(12, init=0.3)),
                                               (8, "gelu_tanh", StaticGate(8, threshold=0.4, temperature=2.0))],
                            input=DGInput(16, scale=1 / 255, offset=-0.1, mean=torch.rand(16),
                                          std=torch.rand(16) + 0.5, gate=StaticGate(16), shape=(4, 4)),
                            labels=[f"c{i}" for i in range(5)]), 16
    yield "linear_in", mlp("linear_in", 14, [(10, "relu", LinearGate(14, 10, norm=True, threshold=0.3)),
                                             (9, "tanh", LinearGate(10, 9, threshold=0.7, temperature=0.5, min_keep=3))]), 14
    yield "lowrank_topk", mlp("lowrank_topk", 20, [(16, "relu", LowRankGate(20, 16, 4, topk=5)),
                                                   (12, "gelu", LowRankGate(16, 12, 3, norm=False, act="tanh",
                                                                            topk=0.5))]), 20
    yield "self_gates", mlp("self_gates", 11, [(9, "relu", LinearGate(9, 9, src="self", topk=0.4)),
                                               nn.LayerNorm(9),
                                               (7, "sigmoid", LinearGate(7, 7, src="self", apply="pre")),
                                               (6, "relu", LowRankGate(6, 6, 2, src="self", act="relu"))],
                            softmax=True), 11
    yield "pre_sigmoid", mlp("pre_sigmoid", 9, [(8, "sigmoid", LowRankGate(9, 8, 2, apply="pre",
                                                                              threshold=0.6))]), 9


def refusals():
    """(what, model, expected text in the message)"""
    yield "LeakyReLU", nn.Sequential(nn.Linear(4, 3), nn.LeakyReLU(), nn.Linear(3, 2)), "LeakyReLU"
    yield "Conv2d", nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(4, 2)), "Conv2d"
    yield "output activation", nn.Sequential(nn.Linear(4, 3), nn.ReLU()), "last module"
    yield "non-static input gate", mlp("m", 4, [(3, "relu", None)],
                                       input=DGInput(4, gate=LinearGate(4, 4))), "StaticGate"
    yield "topk fraction", mlp("m", 4, [(3, "relu", LowRankGate(4, 3, 2, topk=1.5))]), "fraction"
    yield "topk count", mlp("m", 4, [(3, "relu", LowRankGate(4, 3, 2, topk=4))]), "count in 1..3"
    yield "threshold", mlp("m", 4, [(3, "relu", StaticGate(3, threshold=1.0))]), "threshold"
    yield "min_keep with topk", mlp("m", 4, [(3, "relu", LinearGate(4, 3, topk=2, min_keep=1))]), "min_keep"
    yield "gate activation", mlp("m", 4, [(3, "relu", LowRankGate(4, 3, 2, act="swish"))]), "swish"
    yield "layer activation", mlp("m", 4, [(3, "elu", None)]), "elu"
    yield "model name", mlp("int", 4, [(3, "relu", None)]), "C keyword"
    m = mlp("m", 4, [(3, "relu", None)])
    with torch.no_grad():
        m.out.weight[0, 0] = float("nan")
    yield "nan weight", m, "non-finite"
    yield "not a model", nn.Linear(3, 2), "cannot export"


def main():
    tmp = tempfile.mkdtemp(prefix="dgexport-test-")
    n_ok = 0
    for seed, (name, model, n_in) in enumerate(cases()):
        if isinstance(model, DGMLP):
            randomize(model, seed)
        dg = f"{tmp}/{name}.dg"
        dgexport.export(model, dg)
        r = subprocess.run([DGC, "check", dg], capture_output=True, text=True)
        if r.returncode != 0 or r.stderr:
            fail(f"{name}: dgc check: {r.stderr.strip()}")
            continue
        x = images(f"{tmp}/{name}.gz", n_in, seed)
        ref_npz(model, x, f"{tmp}/{name}.npz")
        r = subprocess.run([REF_CHECK, "--tol", "1e-5", dg, f"{tmp}/{name}.npz", f"{tmp}/{name}.gz"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"{name}: dgc disagrees with PyTorch:\n{r.stdout}{r.stderr}")
            continue
        n_ok += 1
        print(f"test_export: {name}: exported, checked, dgc agrees with PyTorch", flush=True)
    # The weights file must be byte-identical across exports (deterministic);
    # export creates the missing directories a/ and b/ (docs/pytorch.md's out/).
    m = mlp("again", 5, [(4, "relu", StaticGate(4))])
    a, b = f"{tmp}/a/again.dg", f"{tmp}/b/again.dg"
    for p in (a, b):
        dgexport.export(m, p)
    for ext in (".dg", ".safetensors"):
        if open(a[:-3] + ext, "rb").read() != open(b[:-3] + ext, "rb").read():
            fail(f"two exports of one model differ in {ext}")
    # A write that fails half-way leaves no .tmp file: the .dg's temporary
    # cannot be created (a directory has its name) after the weights' was.
    os.makedirs(f"{tmp}/c/again.dg.tmp")
    try:
        dgexport.export(m, f"{tmp}/c/again.dg")
        fail("export over a blocked temporary succeeded")
    except OSError:
        pass
    if sorted(os.listdir(f"{tmp}/c")) != ["again.dg.tmp"]:
        fail(f"a failed export left {sorted(os.listdir(f'{tmp}/c'))}")
    n_ref = 0
    for what, model, text in refusals():
        d = f"{tmp}/refuse{n_ref}"
        os.makedirs(d)
        pt = f"{d}/model.pt"
        torch.save(model, pt)
        err = io.StringIO()
        with redirect_stderr(err):
            rc = dgexport.main(["dgexport.py", pt, f"{d}/out.dg"])
        msg = err.getvalue()
        if rc != 2 or not msg.startswith("dgexport: error: ") or text not in msg:
            fail(f"refusal '{what}': exit {rc}, message {msg!r}")
        elif sorted(os.listdir(d)) != ["model.pt"]:
            fail(f"refusal '{what}' wrote {sorted(os.listdir(d))}")
        n_ref += 1
    # One refusal through the real command line: exit status and message.
    r = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "dgexport.py"),
                        f"{tmp}/refuse0/model.pt", f"{tmp}/refuse0/out.dg"], capture_output=True, text=True)
    if r.returncode != 2 or not r.stderr.startswith("dgexport: error: "):
        fail(f"command-line refusal: exit {r.returncode}, {r.stderr!r}")
    subprocess.run(["rm", "-rf", tmp])
    print(f"test_export: {n_ok} models agree with PyTorch, {n_ref} refusals, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    torch.set_num_threads(1)
    sys.exit(main())
