# dgnn: PyTorch modules for DynamicGate-MLPs that dgexport.py can write as
# .dg. Their forward follows docs/language.md exactly (the hard mask is what
# dgc computes); in training mode the mask carries a straight-through
# gradient: forward value = hard 0/1 mask, gradient = d sigmoid(z / tau).
#
#   DGMLP(input=DGInput(784, scale=1/255, mean=.286, std=.353, gate=StaticGate(784)),
#         layers=[DGDense(784, 256, "relu", gate=LowRankGate(784, 256, 16), name="fc1"), ...],
#         out=nn.Linear(256, 10), name="fashion_lowrank")
#
# Each gated module keeps its last hard mask in .mask ([batch][n] float) so
# training can count expected cost (cost_relmac) and export can record refs.
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

ACTS = {
    "identity": lambda x: x,
    "relu": F.relu,
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
}


class Gate(nn.Module):
    """Decision shared by every gate kind (docs/language.md, Gates).
    threshold/temperature, or topk (int count or float fraction), min_keep,
    apply 'post' or 'pre'. src is 'input' or 'self' (static: no source)."""

    def __init__(self, n, threshold=0.5, temperature=1.0, topk=None, min_keep=None,
                 apply="post", src="input"):
        super().__init__()
        self.n, self.threshold, self.temperature = n, threshold, temperature
        self.topk, self.min_keep, self.apply, self.src = topk, min_keep, apply, src
        self.mask = None

    def k(self):
        if isinstance(self.topk, float):
            return max(1, int(math.floor(self.topk * self.n)))
        return int(self.topk)

    def decide(self, z):
        """z: [batch][n] logits -> mask (hard forward, straight-through backward)."""
        if self.topk is not None:
            idx = z.topk(self.k(), dim=1).indices
            hard = torch.zeros_like(z).scatter_(1, idx, 1.0)
        else:
            zthr = self.temperature * math.log(self.threshold / (1 - self.threshold))
            hard = (z > zthr).to(z.dtype)
            if self.min_keep:
                few = hard.sum(1) < self.min_keep
                if few.any():
                    idx = z.topk(self.min_keep, dim=1).indices
                    top = torch.zeros_like(z).scatter_(1, idx, 1.0)
                    hard = torch.where(few[:, None], top, hard)
        self.mask = hard.detach()
        if not self.training:
            return hard
        p = torch.sigmoid(z / self.temperature)
        self.ste = hard + p - p.detach()
        return self.ste


class StaticGate(Gate):
    """One learned logit per unit, independent of the input."""

    def __init__(self, n, init=1.0, **kw):
        super().__init__(n, **kw)
        self.logits = nn.Parameter(torch.full((n,), float(init)))

    def forward(self, x):
        return self.decide(self.logits.expand(x.shape[0], -1))


class LinearGate(Gate):
    """z = G norm(s) + c, s the layer input (src='input') or its activation (src='self')."""

    def __init__(self, n_src, n, norm=False, bias_init=1.0, **kw):
        super().__init__(n, **kw)
        self.norm = nn.LayerNorm(n_src) if norm else None
        self.lin = nn.Linear(n_src, n)
        nn.init.constant_(self.lin.bias, bias_init)

    def forward(self, s):
        if self.norm is not None:
            s = self.norm(s)
        return self.decide(self.lin(s))


class LowRankGate(Gate):
    """z = B act(A norm(s) + a_bias) + c with rank r (the paper's PBMC3k gate:
    LayerNorm + GELU)."""

    def __init__(self, n_src, n, rank, norm=True, act="gelu", bias_init=1.0, **kw):
        super().__init__(n, **kw)
        self.norm = nn.LayerNorm(n_src) if norm else None
        self.a = nn.Linear(n_src, rank)
        self.act = act
        self.b = nn.Linear(rank, n)
        nn.init.constant_(self.b.bias, bias_init)

    def forward(self, s):
        if self.norm is not None:
            s = self.norm(s)
        return self.decide(self.b(ACTS[self.act](self.a(s))))


class DGInput(nn.Module):
    """x2 = (x * scale + offset - mean) / std, then an optional static gate."""

    def __init__(self, n, scale=1.0, offset=0.0, mean=0.0, std=1.0, gate=None, shape=None):
        super().__init__()
        self.n, self.scale, self.offset, self.mean, self.std = n, scale, offset, mean, std
        self.shape, self.gate = shape, gate

    def forward(self, x):
        x = ((x * self.scale + self.offset) - self.mean) / self.std
        if self.gate is not None:
            x = x * self.gate(x)
        return x


class DGDense(nn.Module):
    """h = m * act(W x + b) (apply post) or act(m * (W x + b)) (apply pre)."""

    def __init__(self, n_in, n_out, act="relu", gate=None, name=None):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.act, self.gate, self.name = act, gate, name

    def forward(self, x):
        g, act = self.gate, ACTS[self.act]
        if g is None:
            return act(self.linear(x))
        a = self.linear(x)
        if isinstance(g, StaticGate) or g.src == "input":
            m = g(x)
        else:
            m = g(act(a))
        return m * act(a) if g.apply == "post" else act(m * a)


class DGMLP(nn.Module):
    """input, then layers (DGDense or nn.LayerNorm), then out (nn.Linear)."""

    def __init__(self, input, layers, out, name="model", labels=None, softmax=False):
        super().__init__()
        self.input, self.layers, self.out = input, nn.ModuleList(layers), out
        self.name, self.labels, self.softmax = name, labels, softmax

    def forward(self, x):
        x = self.input(x)
        for l in self.layers:
            x = l(x)
        x = self.out(x)
        return torch.softmax(x, 1) if self.softmax else x


def gate_macs(model):
    """Gate MACs per inference, counted as compiler/metrics.h does."""
    tot = 0
    for l in model.layers:
        g = getattr(l, "gate", None)
        if isinstance(g, LinearGate):
            tot += g.lin.in_features * g.n
        elif isinstance(g, LowRankGate):
            tot += g.a.out_features * (g.a.in_features + g.n)
    return tot


def dense_macs(model):
    ops = [l.linear for l in model.layers if isinstance(l, DGDense)] + [model.out]
    return sum(o.in_features * o.out_features for o in ops)


def cost_relmac(model, x_batch):
    """Per-sample (relMAC, relMAC+gate) tensors from the masks of the last
    forward, counted as compiler/metrics.h does. In training the masks are
    the straight-through ones (hard in value), so the cost is exact and its
    gradient reaches the gate logits."""
    def count(g):
        m = g.ste if g.training else g.mask
        return m.sum(1)
    b = x_batch.shape[0]
    g = model.input.gate
    prev = count(g) if g is not None else torch.full((b,), float(model.input.n))
    ex = 0.0
    for l in model.layers:
        if not isinstance(l, DGDense):
            prev = torch.full((b,), float(l.normalized_shape[0]))
            continue
        n, g = l.linear.out_features, l.gate
        rows = count(g) if g is not None and (isinstance(g, StaticGate) or g.src == "input") else n
        ex = ex + prev * rows
        act0 = float(ACTS[l.act](torch.zeros(1)))
        if g is None or (g.apply == "pre" and act0 != 0 and not isinstance(g, StaticGate)):
            prev = torch.full((b,), float(n))
        else:
            prev = count(g)
    ex = ex + prev * model.out.out_features
    d = dense_macs(model)
    return ex / d, (ex + gate_macs(model)) / d
