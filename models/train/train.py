# train: trains the shipped Fashion-MNIST DynamicGate-MLPs (784-256-128-10,
# ReLU) as the paper does (arXiv 2603.16367): straight-through hard masks, a
# penalty on expected cost counted as dgc counts relMAC+gate
# (compiler/metrics.h), zero during a warm-up then ramped up; top-k anneals
# k from all units down to its target. Writes models/NAME.dg,
# NAME.safetensors, NAME.json and models/ref/NAME.npz (PyTorch outputs of
# the first 1000 test images).
#
# usage (repository root): /usr/bin/python3 models/train/train.py [--out DIR] NAME... | all
import gzip, json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dgnn import (DGDense, DGInput, DGMLP, Gate, LinearGate, LowRankGate, StaticGate,
                  cost_relmac, dense_macs, gate_macs)
import dgexport

DATA = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
          "Bag", "Ankle boot"]
MEAN, STD = 0.2860, 0.3530
N_REF = 1000

# Each config: the gates, the cost target of the penalty (relMAC+gate, as
# dgc counts it) and its schedule: no penalty for `warm` epochs, then its
# weight ramps linearly to `lam` over `ramp` epochs; the loss adds
# lam * max(0, cost - target). Top-k anneals k from n to its fraction over
# the same ramp instead. gate_lr: the static gate logits' learning rate
# (at the model's 1e-3 they barely move and never close a pixel).
CONFIGS = {
    "fashion_dense": dict(
        description="no gates: the baseline",
        epochs=20),
    "fashion_static": dict(
        description="static gates on the input pixels and on each hidden layer "
                    "(decided at compile time)",
        epochs=24, input_gate=True, gate="static", target=0.25, lam=4.0, warm=3, ramp=8,
        gate_lr=1e-2),
    "fashion_lowrank": dict(
        description="low-rank gates (rank 16, LayerNorm + GELU) from each layer's input, "
                    "threshold 0.5",
        epochs=24, gate="lowrank", target=0.27, lam=4.0, warm=3, ramp=8),
    "fashion_self": dict(
        description="static input gate; linear gates from each layer's own activation "
                    "(`from self`)",
        epochs=24, input_gate=True, gate="self", target=0.60, lam=4.0, warm=3, ramp=8,
        gate_lr=1e-2),
    "fashion_topk": dict(
        description="top-k (25% of units) of low-rank gates (rank 16, LayerNorm + GELU) "
                    "from each layer's input",
        epochs=24, gate="topk", topk=0.25, warm=3, ramp=8),
}


def idx(path):
    with gzip.open(path) as f:
        raw = f.read()
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(dims)


def load():
    d = {}
    for split, pre in (("train", "train"), ("test", "t10k")):
        x = idx(f"{DATA}/{pre}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32)
        y = idx(f"{DATA}/{pre}-labels-idx1-ubyte.gz").astype(np.int64)
        d[split] = (torch.from_numpy(x), torch.from_numpy(y))
    return d


def make(name, cfg):
    kind = cfg.get("gate")
    ig = StaticGate(784, init=1.0) if cfg.get("input_gate") else None

    def gate(n_in, n):
        if kind == "static":
            return StaticGate(n, init=1.0)
        if kind == "lowrank":
            return LowRankGate(n_in, n, 16, norm=True, act="gelu")
        if kind == "topk":
            return LowRankGate(n_in, n, 16, norm=True, act="gelu", topk=1.0)
        if kind == "self":
            return LinearGate(n, n, src="self")
        return None

    layers = [DGDense(784, 256, "relu", gate(784, 256), "fc1"),
              DGDense(256, 128, "relu", gate(256, 128), "fc2")]
    return DGMLP(DGInput(784, scale=1 / 255, mean=MEAN, std=STD, gate=ig, shape=(28, 28)),
                 layers, nn.Linear(128, 10), name, LABELS)


def gates(model):
    gs = [model.input.gate] + [getattr(l, "gate", None) for l in model.layers]
    return [g for g in gs if g is not None]


def evaluate(model, x, y):
    """Accuracy and the metrics dgc eval reports, over x (hard masks)."""
    model.eval()
    correct, rm, rmg, ratios, n = 0, 0.0, 0.0, {}, 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            xb, yb = x[i:i + 1000], y[i:i + 1000]
            out = model(xb)
            correct += int((out.argmax(1) == yb).sum())
            a, b = cost_relmac(model, xb)
            rm += float(a.sum())
            rmg += float(b.sum())
            n += len(xb)
            if model.input.gate is not None:
                ratios["input"] = ratios.get("input", 0) + float(model.input.gate.mask.mean(1).sum())
            for l in model.layers:
                if l.gate is not None:
                    ratios[l.name] = ratios.get(l.name, 0) + float(l.gate.mask.mean(1).sum())
    return correct / n, rm / n, rmg / n, {k: v / n for k, v in ratios.items()}


def train(name, data, seed=1):
    cfg = CONFIGS[name]
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = make(name, cfg)
    static = [p for n, p in model.named_parameters() if n.endswith("logits")]
    rest = [p for n, p in model.named_parameters() if not n.endswith("logits")]
    groups = [{"params": rest}]
    if static:
        groups.append({"params": static, "lr": cfg.get("gate_lr", 1e-3)})
    epochs, bs, lr = cfg["epochs"], 128, 1e-3
    opt = torch.optim.Adam(groups, lr=lr)
    steps = epochs * ((len(data["train"][0]) + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[lr] + [g["lr"] for g in groups[1:]],
                                                total_steps=steps, pct_start=0.1)
    x, y = data["train"]
    t0 = time.time()
    warm, ramp = cfg.get("warm", 0), cfg.get("ramp", 1)
    for ep in range(epochs):
        model.train()
        r = min(1.0, max(0.0, (ep - warm + 1) / ramp)) if ep >= warm else 0.0
        lam = cfg.get("lam", 0.0) * r
        if cfg.get("topk"):  # anneal k from every unit to the target fraction
            k = 1.0 - (1.0 - cfg["topk"]) * r
            for g in gates(model):
                g.topk = k
        perm = torch.randperm(len(x), generator=gen)
        tl, tc = 0.0, 0.0
        for i in range(0, len(x), bs):
            b = perm[i:i + bs]
            xb, yb = x[b], y[b]
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            if lam > 0:
                _, c = cost_relmac(model, xb)
                c = c.mean()
                loss = loss + lam * F.relu(c - cfg["target"])
                tc += float(c) * len(b)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tl += float(loss) * len(b)
        acc, rm, rmg, rat = evaluate(model, *data["test"])
        print(f"{name} ep {ep + 1}/{epochs} lam {lam:.2f} loss {tl / len(x):.4f} "
              f"train-cost {tc / len(x):.3f} test {acc * 100:.2f}% relMAC {rm:.3f} "
              f"+gate {rmg:.3f} {time.time() - t0:.0f}s", flush=True)
    return model, time.time() - t0, dict(cfg, seed=seed, batch=bs, lr=lr, optimizer="Adam, OneCycle")


def save(model, secs, hp, data, OUT):
    name = model.name
    dgexport.export(model, f"{OUT}/{name}.dg")
    acc, rm, rmg, rat = evaluate(model, *data["test"])
    params = sum(p.numel() for p in model.parameters())
    hp = dict(hp)
    info = {"model": name, "description": hp.pop("description", ""), "pytorch_test_accuracy": acc, "test_samples": len(data["test"][0]),
            "act_ratio": rat, "rel_mac": rm, "rel_mac_gate": rmg, "dense_macs": dense_macs(model),
            "gate_macs": gate_macs(model), "params": params, "train_seconds": round(secs, 1),
            "seed": hp["seed"], "hyperparameters": hp, "torch": torch.__version__}
    with open(f"{OUT}/{name}.json", "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")
    # Reference outputs of the first N_REF test images, for tests/ref.
    model.eval()
    xr = data["test"][0][:N_REF]
    with torch.no_grad():
        logits = model(xr)
    ref = {"logits": logits.numpy().astype(np.float32),
           "predictions": logits.argmax(1).numpy().astype(np.int32)}
    if model.input.gate is not None:
        ref["mask_input"] = model.input.gate.mask.numpy().astype(np.uint8)
    for l in model.layers:
        if l.gate is not None:
            ref["mask_" + l.name] = l.gate.mask.numpy().astype(np.uint8)
    os.makedirs(f"{OUT}/ref", exist_ok=True)
    np.savez_compressed(f"{OUT}/ref/{name}.npz", **ref)
    print(f"{name}: {acc * 100:.2f}% relMAC {rm:.3f} relMAC+gate {rmg:.3f} ratios {rat} "
          f"{secs:.0f}s", flush=True)


def main(argv):
    torch.set_num_threads(1)
    out = "models"
    if argv[1:2] == ["--out"] and len(argv) > 2:
        out, argv = argv[2], argv[:1] + argv[3:]
    os.makedirs(out, exist_ok=True)
    names = list(CONFIGS) if argv[1:] in ([], ["all"]) else argv[1:]
    for n in names:
        if n not in CONFIGS:
            print(f"train: error: unknown model '{n}' (one of {', '.join(CONFIGS)})", file=sys.stderr)
            return 2
    data = load()
    for n in names:
        model, secs, hp = train(n, data)
        save(model, secs, hp, data, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
