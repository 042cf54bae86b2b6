#include "model.h"
#include <math.h>

double mdl_act_eval(mdl_act act, double x)
{
    switch (act) {
    case ACT_IDENTITY: return x;
    case ACT_RELU: return x > 0 ? x : 0;
    case ACT_GELU: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    case ACT_GELU_TANH: {
        const double k = 0.7978845608028654; /* sqrt(2/pi) */
        return 0.5 * x * (1.0 + tanh(k * (x + 0.044715 * x * x * x)));
    }
    case ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case ACT_TANH: return tanh(x);
    }
    return x;
}

const char *mdl_act_name(mdl_act act)
{
    static const char *const names[] = {"identity", "relu", "gelu", "gelu_tanh", "sigmoid", "tanh"};
    return (unsigned)act < sizeof names / sizeof *names ? names[act] : "?";
}

const char *mdl_gate_kind_name(mdl_gate_kind k)
{
    static const char *const names[] = {"none", "static", "linear", "lowrank"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

double mdl_gate_zthr(const mdl_gate *g)
{
    return g->tau * log(g->thr / (1.0 - g->thr));
}
