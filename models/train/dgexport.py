# dgexport: writes a PyTorch DynamicGate-MLP as NAME.dg plus NAME.safetensors
# for dgc (docs/pytorch.md). Accepts a dgnn.DGMLP or a plain nn.Sequential
# of Linear / activation / LayerNorm modules; refuses anything .dg cannot
# express with "dgexport: error: ..." (exit 2) and writes nothing.
#
#   from dgexport import export; export(model, "out/mymodel.dg")
#   /usr/bin/python3 models/train/dgexport.py model.pt out/mymodel.dg
#       (model.pt: torch.save(model) of a whole module)
import json, math, os, re, struct, sys
import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dgnn import ACTS, DGDense, DGInput, DGMLP, Gate, LinearGate, LowRankGate, StaticGate

C_KEYWORDS = set("""auto break case char const continue default do double else enum extern
float for goto if inline int long register restrict return short signed sizeof static struct
switch typedef union unsigned void volatile while _Bool _Complex _Imaginary""".split())
MAX_UNITS, MAX_FEATURES, MAX_OPS, MAX_RANK = 1 << 16, 1 << 20, 64, 4096
ACT_MODULES = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.Identity: "identity"}


class ExportError(Exception):
    pass


def _ident(s, what):
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", s or "") or len(s) > 63:
        raise ExportError(f"{what} '{s}' is not a C identifier of at most 63 characters")
    if s in C_KEYWORDS or s.startswith("_"):
        raise ExportError(f"{what} '{s}' is a C keyword or starts with '_'")
    return s


def _num(x):
    x = float(x)
    if not math.isfinite(x):
        raise ExportError(f"value {x} is not finite")
    return repr(x)


class _Writer:
    """Collects tensors (name -> float32 array) and .dg lines."""

    def __init__(self):
        self.t, self.lines = {}, []

    def tensor(self, name, v):
        a = v.detach().cpu().to(torch.float32).numpy() if torch.is_tensor(v) else np.asarray(v, np.float32)
        if not np.all(np.isfinite(a)):
            raise ExportError(f"tensor '{name}' has non-finite values (inf or nan)")
        self.t[name] = np.ascontiguousarray(a)
        return f'tensor "{name}"'

    def put(self, depth, s):
        self.lines.append("    " * depth + s)


def _gate(w, g, prefix, n, n_src, depth):
    if isinstance(g, StaticGate):
        w.put(depth, "gate static {")
        w.put(depth + 1, f"logits {w.tensor(prefix + '.logits', g.logits)};")
    elif isinstance(g, (LinearGate, LowRankGate)):
        if g.src not in ("input", "self"):
            raise ExportError(f"{prefix}: gate source '{g.src}' must be 'input' or 'self'")
        if g.norm is not None:
            ln = g.norm
            if len(ln.normalized_shape) != 1 or ln.normalized_shape[0] != n_src:
                raise ExportError(f"{prefix}: gate norm must be a LayerNorm over {n_src} values")
        if isinstance(g, LinearGate):
            if tuple(g.lin.weight.shape) != (n, n_src):
                raise ExportError(f"{prefix}: gate weight is {tuple(g.lin.weight.shape)}, expected ({n}, {n_src})")
            w.put(depth, "gate linear {")
        else:
            r = g.a.out_features
            if g.a.in_features != n_src or tuple(g.b.weight.shape) != (n, r):
                raise ExportError(f"{prefix}: low-rank gate shapes do not match {n_src} inputs, {n} units")
            if not 1 <= r <= MAX_RANK:
                raise ExportError(f"{prefix}: rank {r} is outside 1..{MAX_RANK}")
            if g.act not in ACTS:
                raise ExportError(f"{prefix}: gate activation '{g.act}' has no .dg equivalent")
            w.put(depth, f"gate lowrank {r} {{")
        if g.src == "self":
            w.put(depth + 1, "from self;")
        if g.norm is not None:
            s = f"norm {{ eps {_num(g.norm.eps)};"
            if g.norm.weight is not None:
                s += f" weight {w.tensor(prefix + '.norm.weight', g.norm.weight)};"
            if g.norm.bias is not None:
                s += f" bias {w.tensor(prefix + '.norm.bias', g.norm.bias)};"
            w.put(depth + 1, s + " }")
        if isinstance(g, LinearGate):
            w.put(depth + 1, f"weight {w.tensor(prefix + '.weight', g.lin.weight)};")
            if g.lin.bias is not None:
                w.put(depth + 1, f"bias {w.tensor(prefix + '.bias', g.lin.bias)};")
        else:
            w.put(depth + 1, f"a {w.tensor(prefix + '.a', g.a.weight)};")
            if g.a.bias is not None:
                w.put(depth + 1, f"a_bias {w.tensor(prefix + '.a_bias', g.a.bias)};")
            w.put(depth + 1, f"activation {g.act};")
            w.put(depth + 1, f"b {w.tensor(prefix + '.b', g.b.weight)};")
            if g.b.bias is not None:
                w.put(depth + 1, f"bias {w.tensor(prefix + '.bias', g.b.bias)};")
    else:
        raise ExportError(f"{prefix}: gate module {type(g).__name__} has no .dg equivalent")
    _decision(w, g, prefix, n, depth + 1)
    w.put(depth, "}")


def _decision(w, g, prefix, n, depth):
    if g.apply not in ("post", "pre"):
        raise ExportError(f"{prefix}: apply '{g.apply}' must be 'pre' or 'post'")
    if g.topk is not None:
        if g.min_keep:
            raise ExportError(f"{prefix}: min_keep cannot be combined with topk")
        if isinstance(g.topk, float):
            if not 0 < g.topk <= 1:
                raise ExportError(f"{prefix}: topk fraction {g.topk} is outside (0, 1]")
            w.put(depth, f"topk {float(g.topk)!r};")
        elif isinstance(g.topk, int) and 1 <= g.topk <= n:
            w.put(depth, f"topk {g.topk};")
        else:
            raise ExportError(f"{prefix}: topk {g.topk!r} must be a count in 1..{n} or a fraction")
    else:
        if not 0 < g.threshold < 1:
            raise ExportError(f"{prefix}: threshold {g.threshold} is outside (0, 1)")
        w.put(depth, f"threshold {_num(g.threshold)};")
        if g.min_keep:
            if not 1 <= g.min_keep <= n:
                raise ExportError(f"{prefix}: min_keep {g.min_keep} is outside 1..{n}")
            w.put(depth, f"min_keep {int(g.min_keep)};")
    if not g.temperature > 0:
        raise ExportError(f"{prefix}: temperature {g.temperature} must be positive")
    if g.temperature != 1:
        w.put(depth, f"temperature {_num(g.temperature)};")
    if g.apply == "pre":
        w.put(depth, "apply pre;")


def _from_sequential(seq, name):
    """nn.Sequential of [Flatten] (Linear [act] [Dropout] | LayerNorm)* Linear [Softmax]."""
    mods = [(k, m) for k, m in seq.named_children() if not isinstance(m, (nn.Dropout, nn.Flatten))]
    layers, i, softmax = [], 0, False
    if mods and isinstance(mods[-1][1], nn.Softmax):
        if mods[-1][1].dim not in (1, -1):
            raise ExportError(f"module '{mods[-1][0]}': softmax must be over dim 1")
        softmax = True
        mods = mods[:-1]
    while i < len(mods):
        k, m = mods[i]
        if isinstance(m, nn.Linear):
            act, nxt = "identity", mods[i + 1][1] if i + 1 < len(mods) else None
            if type(nxt) in ACT_MODULES:
                act = ACT_MODULES[type(nxt)]
                i += 1
            elif isinstance(nxt, nn.GELU):
                act = "gelu_tanh" if nxt.approximate == "tanh" else "gelu"
                i += 1
            d = DGDense(m.in_features, m.out_features, act)
            d.linear = m
            layers.append(d)
        elif isinstance(m, nn.LayerNorm):
            layers.append(m)
        else:
            raise ExportError(f"module '{k}' ({type(m).__name__}) has no .dg equivalent")
        i += 1
    if not layers or not isinstance(layers[-1], DGDense) or layers[-1].act != "identity":
        raise ExportError("the last module must be an nn.Linear without activation (the output layer)")
    out = layers.pop().linear
    return DGMLP(DGInput(out.in_features if not layers else _n_in(layers[0])), layers, out, name,
                 softmax=softmax)


def _n_in(l):
    return l.linear.in_features if isinstance(l, DGDense) else l.normalized_shape[0]


def build(model, name=None, weights_file=None):
    """Returns (dg_text, tensors) or raises ExportError. The text names its
    weights weights_file (default NAME.safetensors)."""
    if isinstance(model, nn.Sequential):
        model = _from_sequential(model, name or "model")
    if not isinstance(model, DGMLP):
        raise ExportError(f"cannot export a {type(model).__name__}: expected dgnn.DGMLP or nn.Sequential")
    name = _ident(name or model.name, "model name")
    w, inp = _Writer(), model.input
    if not isinstance(inp, DGInput):
        raise ExportError("model.input must be a dgnn.DGInput")
    n = inp.n
    if not 1 <= n <= MAX_FEATURES:
        raise ExportError(f"{n} input features is outside 1..{MAX_FEATURES}")
    w.put(0, f"# {name}: exported from PyTorch by models/train/dgexport.py")
    w.put(0, f"model {name};")
    weights_file = weights_file or f"{name}.safetensors"
    w.put(0, f'weights "{weights_file}";')
    shape = "x".join(str(int(s)) for s in inp.shape) if inp.shape else str(n)
    if inp.shape and int(np.prod(inp.shape)) != n:
        raise ExportError(f"input shape {shape} does not have {n} features")
    w.put(0, f"input {shape} {{")
    w.put(1, f"scale {_num(inp.scale)};")
    w.put(1, f"offset {_num(inp.offset)};")
    for key in ("mean", "std"):
        v = getattr(inp, key)
        if torch.is_tensor(v) and v.numel() > 1:
            if v.numel() != n:
                raise ExportError(f"input {key} has {v.numel()} values, expected 1 or {n}")
            if key == "std" and not bool((v > 0).all()):
                raise ExportError("input std must be positive")
            w.put(1, f"{key} {w.tensor('input.' + key, v.reshape(-1))};")
        else:
            v = float(v)
            if key == "std" and not v > 0:
                raise ExportError("input std must be positive")
            w.put(1, f"{key} {_num(v)};")
    if inp.gate is not None:
        if not isinstance(inp.gate, StaticGate):
            raise ExportError("an input gate must be a StaticGate (decided at compile time)")
        _gate(w, inp.gate, "input.gate", n, n, 1)
    w.put(0, "}")
    if model.labels:
        if len(model.labels) != model.out.out_features:
            raise ExportError(f"{len(model.labels)} labels for {model.out.out_features} outputs")
        w.put(0, "labels " + ", ".join(json.dumps(s, ensure_ascii=True) for s in model.labels) + ";")
    if len(model.layers) + 1 > MAX_OPS:
        raise ExportError(f"{len(model.layers) + 1} layers, at most {MAX_OPS}")
    names = set()
    for i, l in enumerate(model.layers):
        if isinstance(l, DGDense):
            lname = _ident(l.name or f"fc{i + 1}", "layer name")
        elif isinstance(l, nn.LayerNorm):
            lname = f"ln{i + 1}"
        else:
            raise ExportError(f"layer {i} ({type(l).__name__}) has no .dg equivalent")
        if lname in names or lname == "out":
            raise ExportError(f"layer name '{lname}' is used twice")
        names.add(lname)
        if _n_in(l) != n:
            raise ExportError(f"layer '{lname}' reads {_n_in(l)} values, the previous layer gives {n}")
        if isinstance(l, nn.LayerNorm):
            if len(l.normalized_shape) != 1:
                raise ExportError(f"layer '{lname}': LayerNorm must be over one dimension")
            w.put(0, f"layer {lname} layernorm {{")
            w.put(1, f"eps {_num(l.eps)};")
            if l.weight is not None:
                w.put(1, f"weight {w.tensor(lname + '.weight', l.weight)};")
            if l.bias is not None:
                w.put(1, f"bias {w.tensor(lname + '.bias', l.bias)};")
            w.put(0, "}")
            continue
        m = l.linear.out_features
        if not 1 <= m <= MAX_UNITS:
            raise ExportError(f"layer '{lname}': {m} units is outside 1..{MAX_UNITS}")
        if l.act not in ACTS:
            raise ExportError(f"layer '{lname}': activation '{l.act}' has no .dg equivalent")
        w.put(0, f"layer {lname} dense {m} {{")
        w.put(1, f"weight {w.tensor(lname + '.weight', l.linear.weight)};")
        if l.linear.bias is not None:
            w.put(1, f"bias {w.tensor(lname + '.bias', l.linear.bias)};")
        w.put(1, f"activation {l.act};")
        if l.gate is not None:
            src = m if not isinstance(l.gate, StaticGate) and l.gate.src == "self" else n
            _gate(w, l.gate, lname + ".gate", m, src, 1)
        w.put(0, "}")
        n = m
    o = model.out
    if not isinstance(o, nn.Linear) or o.in_features != n:
        raise ExportError(f"model.out must be an nn.Linear reading {n} values")
    w.put(0, f"output out dense {o.out_features} {{")
    w.put(1, f"weight {w.tensor('out.weight', o.weight)};")
    if o.bias is not None:
        w.put(1, f"bias {w.tensor('out.bias', o.bias)};")
    if model.softmax:
        w.put(1, "softmax;")
    w.put(0, "}")
    return "\n".join(w.lines) + "\n", w.t


def safetensors_bytes(tensors):
    """The safetensors format: u64 header length, JSON header, raw data."""
    header, off, blobs = {}, 0, []
    for k, v in tensors.items():
        b = v.astype("<f4").tobytes()
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def _write_tmp(path, data, made):
    """Writes path.tmp and records it in made (so a failure can remove it)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        made.append(tmp)
        f.write(data)


def export(model, dg_path):
    """Writes dg_path and the .safetensors beside it (named after dg_path)."""
    model = model.eval()
    base = os.path.splitext(os.path.basename(dg_path))[0]
    name = getattr(model, "name", None) if isinstance(model, DGMLP) else base
    with torch.no_grad():
        text, tensors = build(model, name, weights_file=base + ".safetensors")
    st = os.path.join(os.path.dirname(dg_path) or ".", base + ".safetensors")
    # after build(): a refused model leaves no directory behind either
    os.makedirs(os.path.dirname(dg_path) or ".", exist_ok=True)
    made = []
    try:
        _write_tmp(st, safetensors_bytes(tensors), made)
        _write_tmp(dg_path, text.encode(), made)
    except BaseException:
        # a half-written pair must not stay behind as NAME.tmp files
        for tmp in made:
            os.remove(tmp)
        raise
    os.replace(made[0], st)
    os.replace(made[1], dg_path)
    return dg_path, st


def main(argv):
    if len(argv) != 3:
        print("usage: dgexport.py MODEL.pt OUT.dg", file=sys.stderr)
        return 2
    try:
        model = torch.load(argv[1], weights_only=False) if "weights_only" in torch.load.__code__.co_varnames \
            else torch.load(argv[1])
    except Exception as e:
        print(f"dgexport: error: cannot load '{argv[1]}': {e}", file=sys.stderr)
        return 2
    try:
        export(model, argv[2])
    except ExportError as e:
        print(f"dgexport: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"dgexport: error: cannot write '{argv[2]}': {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
