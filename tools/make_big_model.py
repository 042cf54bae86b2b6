# Writes DIR/big.dg and DIR/big.safetensors: a Fashion-MNIST-sized
# DynamicGate-MLP (784-512-256-10, low-rank gates with a norm, random
# weights) for measuring how long dgc and a C compiler take on a large model.
# usage: /usr/bin/python3 tools/make_big_model.py DIR
import json, struct, sys
import numpy as np

out = sys.argv[1]
import os; os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
f = lambda *s: (rng.standard_normal(s) / np.sqrt(s[-1])).astype(np.float32)
t = {"fc1.weight": f(512, 784), "fc1.bias": f(512), "fc1.gate.a": f(32, 784),
     "fc1.gate.b": f(512, 32), "fc1.gate.bias": f(512),
     "fc2.weight": f(256, 512), "fc2.bias": f(256), "fc2.gate.a": f(32, 512),
     "fc2.gate.b": f(256, 32), "fc2.gate.bias": f(256),
     "out.weight": f(10, 256), "out.bias": f(10)}
header, off, blobs = {}, 0, []
for k, v in t.items():
    b = v.tobytes()
    header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [off, off + len(b)]}
    off += len(b)
    blobs.append(b)
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(f"{out}/big.safetensors", "wb") as fp:
    fp.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
layer = lambda name, n, act: f'''layer {name} dense {n} {{
    weight tensor "{name}.weight"; bias tensor "{name}.bias"; activation {act};
    gate lowrank 32 {{ norm {{ eps 1e-5; }} a tensor "{name}.gate.a"; activation gelu;
        b tensor "{name}.gate.b"; bias tensor "{name}.gate.bias"; threshold 0.5; }}
}}
'''
open(f"{out}/big.dg", "w").write('model big;\nweights "big.safetensors";\ninput 28x28 { scale 0.00392156862745098; }\n'
    + layer("fc1", 512, "relu") + layer("fc2", 256, "relu")
    + 'output out dense 10 { weight tensor "out.weight"; bias tensor "out.bias"; }\n')
