# Writes models/demo.dg and models/demo.npz: a small hand-made (untrained)
# DynamicGate-MLP that exercises the language: a low-rank gate from the
# layer input with a norm and GELU, a layernorm, a top-k gate from the
# layer's own activations, and labels. Deterministic (fixed seed).
# Run from the repository root with /usr/bin/python3.
import numpy as np

rng = np.random.default_rng(20261123)
f = lambda *s: (rng.standard_normal(s) / np.sqrt(s[-1])).astype(np.float32)
t = {
    "fc1.weight": f(32, 8), "fc1.bias": f(32) * 0.1,
    "fc1.gate.ln.weight": np.ones(8, np.float32), "fc1.gate.ln.bias": np.zeros(8, np.float32),
    "fc1.gate.a": f(4, 8), "fc1.gate.b": f(32, 4), "fc1.gate.bias": f(32) * 0.1,
    "ln.weight": np.ones(32, np.float32), "ln.bias": np.zeros(32, np.float32),
    "fc2.weight": f(16, 32), "fc2.bias": f(16) * 0.1,
    "fc2.gate.weight": f(16, 16), "fc2.gate.bias": f(16) * 0.1,
    "out.weight": f(4, 16), "out.bias": np.zeros(4, np.float32),
}
np.savez("models/demo.npz", **t)
open("models/demo.dg", "w").write('''# demo: a small hand-made DynamicGate-MLP (random weights, not trained).
# Regenerate with: /usr/bin/python3 models/make_demo.py
model demo;
weights "demo.npz";

input 8 {
    scale 0.5;
}
labels "north", "east", "south", "west";

layer fc1 dense 32 {
    weight tensor "fc1.weight";
    bias tensor "fc1.bias";
    activation relu;
    gate lowrank 4 {                   # z = B gelu(A LN(x)) + c, before the layer
        norm { eps 1e-5; weight tensor "fc1.gate.ln.weight"; bias tensor "fc1.gate.ln.bias"; }
        a tensor "fc1.gate.a";
        activation gelu;
        b tensor "fc1.gate.b";
        bias tensor "fc1.gate.bias";
        threshold 0.5;
        min_keep 4;
    }
}

layer ln layernorm {
    eps 1e-5;
    weight tensor "ln.weight";
    bias tensor "ln.bias";
}

layer fc2 dense 16 {
    weight tensor "fc2.weight";
    bias tensor "fc2.bias";
    activation gelu;
    gate linear {                      # from the layer's own activations
        from self;
        weight tensor "fc2.gate.weight";
        bias tensor "fc2.gate.bias";
        topk 0.5;
    }
}

output logits dense 4 {
    weight tensor "out.weight";
    bias tensor "out.bias";
    softmax;
}
''')
