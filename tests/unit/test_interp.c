/* test_interp: the reference interpreter on small models built by hand.
 * Every expected number is worked out by hand in the comments next to it
 * (or is a textbook constant), never taken from the code under test. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "interp.h"

static arena A;

/* cmocka has no double comparison; tol 0 means exactly equal. */
#define assert_near(got, want, tol)                                                  \
    do {                                                                             \
        double g_ = (got), w_ = (want);                                              \
        if (!(fabs(g_ - w_) <= (tol)))                                               \
            fail_msg("%s = %.17g, want %.17g (tol %g)", #got, g_, w_, (double)(tol)); \
    } while (0)

static int setup(void **state)
{
    (void)state;
    ar_init(&A);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ar_free(&A);
    return 0;
}

/* ---- model builders ---- */

static const float I2[] = {1, 0, 0, 1};
static const float I3[] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
static const float I4[] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
static const float Z2[] = {0, 0, 0, 0};
static const float ONE[] = {1};

static mdl_model model(int n_in, mdl_op *ops, int n_ops)
{
    mdl_model m;
    memset(&m, 0, sizeof m);
    m.name = "t";
    m.n_in = n_in;
    m.scale = 1;
    m.ops = ops;
    m.n_ops = n_ops;
    m.n_out = ops[n_ops - 1].n_out;
    return m;
}

static mdl_op dense(int n_in, int n_out, const float *W, const float *b, mdl_act act)
{
    mdl_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_DENSE;
    op.name = "fc";
    op.n_in = n_in;
    op.n_out = n_out;
    op.W = W;
    op.b = b;
    op.act = act;
    return op;
}

static mdl_op output(int n_in, int n_out, const float *W, int softmax)
{
    mdl_op op = dense(n_in, n_out, W, NULL, ACT_IDENTITY);
    op.name = "out";
    op.is_output = 1;
    op.softmax = softmax;
    return op;
}

/* A threshold gate with the checker's defaults filled in. */
static mdl_gate gate(mdl_gate_kind kind, int n, int n_src)
{
    mdl_gate g;
    memset(&g, 0, sizeof g);
    g.kind = kind;
    g.src = GSRC_INPUT;
    g.decide = DECIDE_THRESHOLD;
    g.apply = APPLY_POST;
    g.thr = 0.5;
    g.tau = 1;
    g.n = n;
    g.n_src = n_src;
    return g;
}

static mdl_gate topk(mdl_gate g, int k)
{
    g.decide = DECIDE_TOPK;
    g.k = k;
    return g;
}

static mdl_gate linear_c(int n, const float *G, const float *c)
{
    mdl_gate g = gate(GATE_LINEAR, n, n);
    g.G = G;
    g.c = c;
    return g;
}

static interp_result run(const mdl_model *m, const float *in)
{
    interp_result r;
    interp_run(&A, m, in, &r);
    return r;
}

static void expect_mask(const unsigned char *got, const char *want)
{
    for (size_t i = 0; want[i]; i++) {
        if (got[i] != (unsigned char)(want[i] - '0'))
            fail_msg("unit %zu: got %d, want %c (mask %s)", i, got[i], want[i], want);
    }
}

/* ---- preprocessing and activations ---- */

static void test_preprocess(void **state)
{
    (void)state;
    static const float mean[] = {1, 2}, std[] = {2, 4};
    mdl_op ops[] = {output(2, 2, I2, 0)};
    mdl_model m = model(2, ops, 1);
    m.scale = 0.5;
    m.offset = 1;
    m.mean = mean;
    m.std = std;
    /* x1 = [4*.5+1, 14*.5+1] = [3, 8]; x2 = [(3-1)/2, (8-2)/4] = [1, 1.5] */
    interp_result r = run(&m, (const float[]){4, 14});
    assert_true(r.input.z == NULL);
    assert_int_equal(r.input.n_open, 2);
    assert_int_equal(r.input.n_near, 0);
    assert_near(r.input.h[0], 1.0, 0);
    assert_near(r.input.h[1], 1.5, 0);
    assert_int_equal(r.n_out, 2);
    assert_near(r.out[0], 1.0, 0);
    assert_near(r.out[1], 1.5, 0);
    assert_int_equal(r.cls, 1);
}

static void test_activations(void **state)
{
    (void)state;
    static const struct {
        mdl_act act;
        double x, want;
    } cases[] = {
        {ACT_IDENTITY, -3.5, -3.5},
        {ACT_RELU, -1, 0},
        {ACT_RELU, 2, 2},
        {ACT_SIGMOID, 0, 0.5},
        {ACT_SIGMOID, 1.0986122886681098, 0.75}, /* ln 3: 1/(1+1/3) */
        {ACT_TANH, 0.6931471805599453, 0.6},     /* ln 2: (2-1/2)/(2+1/2) */
        {ACT_TANH, 0, 0},
        {ACT_GELU, 1, 0.8413447460685429},       /* Phi(1) */
        {ACT_GELU, -1, -0.15865525393145707},    /* -Phi(-1) */
        {ACT_GELU, 0, 0},
        /* 0.5 (1 + tanh(sqrt(2/pi) * 1.044715)) */
        {ACT_GELU_TANH, 1, 0.8411919906082768},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mdl_op ops[] = {dense(1, 1, ONE, NULL, cases[i].act), output(1, 1, ONE, 0)};
        mdl_model m = model(1, ops, 2);
        m.offset = cases[i].x; /* a double: the feature is x exactly */
        interp_result r = run(&m, (const float[]){0});
        double got = r.layers[0].h[0];
        if (fabs(got - cases[i].want) > 1e-12)
            fail_msg("%s(%g) = %.17g, want %.17g", mdl_act_name(cases[i].act), cases[i].x, got,
                     cases[i].want);
        assert_true(r.layers[0].z == NULL);
        assert_int_equal(r.layers[0].n_open, 1);
    }
}

static void test_layernorm(void **state)
{
    (void)state;
    static const float w[] = {1.2f, 2.4f, 1, 0}, b[] = {0, 0.5f, 0, 7};
    mdl_op ln = {0};
    ln.kind = OP_LAYERNORM;
    ln.name = "ln";
    ln.n_in = ln.n_out = 4;
    ln.norm.n = 4;
    ln.norm.eps = 0.44;
    mdl_op ops[] = {ln, output(4, 4, I4, 0)};
    mdl_model m = model(4, ops, 2);
    /* [1,3,3,1]: mean 2, biased var 1, sqrt(1 + 0.44) = 1.2 -> +-1/1.2 */
    const float in[] = {1, 3, 3, 1};
    interp_result r = run(&m, in);
    assert_near(r.layers[0].h[0], -1 / 1.2, 1e-12);
    assert_near(r.layers[0].h[1], 1 / 1.2, 1e-12);
    assert_near(r.layers[0].h[3], -1 / 1.2, 1e-12);
    assert_int_equal(r.layers[0].n_open, 4);
    assert_true(r.layers[0].z == NULL);
    /* affine: [-1/1.2*1.2, 1/1.2*2.4+.5, 1/1.2*1, -1/1.2*0+7] = [-1, 2.5, .8333, 7] */
    ops[0].norm.weight = w;
    ops[0].norm.bias = b;
    r = run(&m, in);
    assert_near(r.out[0], -1, 1e-6);
    assert_near(r.out[1], 2.5, 1e-6);
    assert_near(r.out[2], 1 / 1.2, 1e-12);
    assert_near(r.out[3], 7, 0);
    assert_int_equal(r.n_near, 0); /* var 1 >= eps: nothing near */
    /* var 0.01 < eps 0.44: eps dominates, every unit is near */
    const float flat[] = {1, 1.2f, 1, 1.2f};
    r = run(&m, flat);
    assert_int_equal(r.layers[0].n_near, 4);
    assert_int_equal(r.n_near, 4);
    /* equal values (var 0): exact, nothing near */
    const float same[] = {2, 2, 2, 2};
    r = run(&m, same);
    assert_int_equal(r.n_near, 0);
}

/* ---- threshold decisions ---- */

/* One identity layer gated by z = x (linear from input, G = I): the input
 * features are the logits. */
static mdl_model gated_identity(mdl_op *ops, int n, const float *I, mdl_gate g)
{
    ops[0] = dense(n, n, I, NULL, ACT_IDENTITY);
    ops[0].gate = g;
    ops[1] = output(n, n, I, 0);
    return model(n, ops, 2);
}

/* thr 0.7, tau 2: boundary b = 2 ln(0.7/0.3) = 1.6945957207744073. */
#define B_07_2 1.6945957207744073

static void test_threshold_temperature(void **state)
{
    (void)state;
    mdl_op ops[2];
    mdl_gate g = linear_c(2, I2, NULL);
    g.thr = 0.7;
    g.tau = 2;
    mdl_model m = gated_identity(ops, 2, I2, g);
    /* sigmoid((b +- 0.01)/2) = 0.70052 / 0.69947: open, closed */
    const float in[] = {(float)(B_07_2 + 0.01), (float)(B_07_2 - 0.01)};
    interp_result r = run(&m, in);
    expect_mask(r.layers[0].open, "10");
    expect_mask(r.layers[0].near, "00");
    assert_near(r.layers[0].z[0], in[0], 0);
    assert_near(r.layers[0].h[0], in[0], 0);
    assert_near(r.layers[0].h[1], 0, 0);
    assert_int_equal(r.layers[0].n_open, 1);
    /* With tau = 1 the boundary is ln(7/3) = 0.847: both open. */
    ops[0].gate.tau = 1;
    r = run(&m, in);
    expect_mask(r.layers[0].open, "11");
}

static void test_threshold_strict(void **state)
{
    (void)state;
    static const float c[] = {0, 0.001f, -0.001f};
    static const float Z3[9] = {0};
    mdl_op ops[2];
    mdl_model m = gated_identity(ops, 3, I3, linear_c(3, Z3, c));
    /* z = 0, thr 0.5: p = 1/(1+e^0) = 0.5, and 0.5 > 0.5 is false: closed.
     * z = 0 sits on the boundary (b = 0), so it is near; +-0.001 are not. */
    interp_result r = run(&m, (const float[]){1, 1, 1});
    expect_mask(r.layers[0].open, "010");
    expect_mask(r.layers[0].near, "100");
    assert_int_equal(r.layers[0].n_near, 1);
    assert_int_equal(r.n_near, 1);
}

static void test_near_threshold(void **state)
{
    (void)state;
    static const float I4v[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    mdl_op ops[2];
    mdl_gate g = linear_c(4, I4v, NULL);
    g.thr = 0.7;
    g.tau = 2;
    mdl_model m = gated_identity(ops, 4, I4v, g);
    /* margin = 1e-4 * max(1, 1.6946) = 1.6946e-4: 0.8e-4 inside, 2.5e-4 outside
     * (float rounding near 1.69 is 1.2e-7, far below either gap). */
    const float in[] = {(float)(B_07_2 + 0.8e-4), (float)(B_07_2 - 0.8e-4),
                        (float)(B_07_2 + 2.5e-4), (float)(B_07_2 - 2.5e-4)};
    interp_result r = run(&m, in);
    expect_mask(r.layers[0].open, "1010");
    expect_mask(r.layers[0].near, "1100");
    assert_int_equal(r.layers[0].n_near, 2);
    assert_int_equal(r.layers[1].n_near, 0);
    assert_int_equal(r.n_near, 2);

    /* The same logits in a static gate: same decisions, never near. */
    mdl_gate s = gate(GATE_STATIC, 4, 0);
    s.thr = 0.7;
    s.tau = 2;
    s.logits = in;
    ops[0].gate = s;
    r = run(&m, (const float[]){1, 1, 1, 1});
    expect_mask(r.layers[0].open, "1010");
    expect_mask(r.layers[0].near, "0000");
    assert_int_equal(r.n_near, 0);
    assert_true(r.layers[0].z != NULL);
    assert_near(r.layers[0].z[1], in[1], 0);
}

/* ---- top-k and min_keep ---- */

static void test_topk_ties(void **state)
{
    (void)state;
    static const float z[] = {1, 3, 3, 2, 3};
    static const float I5[25] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0,
                                 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    static const float Z5[25] = {0};
    mdl_op ops[2];
    mdl_gate s = gate(GATE_STATIC, 5, 0);
    s.logits = z;
    mdl_model m = gated_identity(ops, 5, I5, topk(s, 2));
    const float in[] = {10, 20, 30, 40, 50};
    /* three 3s, k = 2: indices 1 and 2 win the tie */
    interp_result r = run(&m, in);
    expect_mask(r.layers[0].open, "01100");
    assert_int_equal(r.layers[0].n_open, 2);
    assert_int_equal(r.layers[0].n_near, 0); /* static */
    assert_near(r.layers[0].h[2], 30, 0);
    assert_near(r.layers[0].h[4], 0, 0);
    ops[0].gate.k = 3;
    r = run(&m, in);
    expect_mask(r.layers[0].open, "01101");
    ops[0].gate.k = 4; /* then the 2 at index 3 */
    r = run(&m, in);
    expect_mask(r.layers[0].open, "01111");

    /* Dynamic (z = c), k = 2: the tie straddles the boundary, so all three
     * units at zk = 3 are near; the others are 1 and 2 away. */
    ops[0].gate = topk(linear_c(5, Z5, z), 2);
    r = run(&m, in);
    expect_mask(r.layers[0].open, "01100");
    expect_mask(r.layers[0].near, "01101");
    assert_int_equal(r.n_near, 3);
    /* k = 5 = n: everything open whatever the logits, nothing near. */
    ops[0].gate.k = 5;
    r = run(&m, in);
    expect_mask(r.layers[0].open, "11111");
    expect_mask(r.layers[0].near, "00000");
}

static void test_topk_near(void **state)
{
    (void)state;
    static const float I4v[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    static const float Z4[16] = {0};
    /* k = 2, zk = 1.00005, zk1 = 1: gap 5e-5 <= margin 1.00005e-4 -> both
     * near; 2 and 0 are far from zk. */
    static const float close[] = {2, 1.00005f, 1, 0};
    /* gap 3e-4 > margin: the selection cannot change, nothing near. */
    static const float apart[] = {2, 1.0003f, 1, 0};
    mdl_op ops[2];
    mdl_model m = gated_identity(ops, 4, I4v, topk(linear_c(4, Z4, close), 2));
    const float in[] = {1, 1, 1, 1};
    interp_result r = run(&m, in);
    expect_mask(r.layers[0].open, "1100");
    expect_mask(r.layers[0].near, "0110");
    ops[0].gate.c = apart;
    r = run(&m, in);
    expect_mask(r.layers[0].open, "1100");
    expect_mask(r.layers[0].near, "0000");
}

static void test_topk_fraction(void **state)
{
    (void)state;
    /* `topk 0.25;` over 6 units: the checker resolves k = max(1, floor(1.5)) = 1. */
    static const float z[] = {0.1f, 0.4f, -2, 0.4f, 0.3f, 0};
    static float I6[36];
    for (int i = 0; i < 6; i++) I6[i * 7] = 1;
    mdl_op ops[2];
    mdl_gate s = gate(GATE_STATIC, 6, 0);
    s.logits = z;
    mdl_model m = gated_identity(ops, 6, I6, topk(s, 1));
    interp_result r = run(&m, (const float[]){1, 2, 3, 4, 5, 6});
    expect_mask(r.layers[0].open, "010000");
    assert_int_equal(r.layers[0].n_open, 1);
}

static void test_min_keep(void **state)
{
    (void)state;
    static const float I4v[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    static const float Z4[16] = {0};
    static const float z[] = {-1, -3, 2, -2};
    static const float tie[] = {-1, -1, 2, -5};
    mdl_op ops[2];
    mdl_gate g = linear_c(4, Z4, z);
    g.min_keep = 2;
    mdl_model m = gated_identity(ops, 4, I4v, g);
    const float in[] = {1, 2, 3, 4};
    /* thr 0.5: only z = 2 is open; 1 < 2 -> the two largest: 2 and -1 */
    interp_result r = run(&m, in);
    expect_mask(r.layers[0].open, "1010");
    expect_mask(r.layers[0].near, "0000");
    assert_near(r.layers[0].h[0], 1, 0);
    /* min_keep 1: one is open already, the fallback is not taken */
    ops[0].gate.min_keep = 1;
    r = run(&m, in);
    expect_mask(r.layers[0].open, "0010");
    /* taken with a tie at the m-th place: the lower index wins, and both
     * tied units are near (the top-m boundary is ambiguous) */
    ops[0].gate.min_keep = 2;
    ops[0].gate.c = tie;
    r = run(&m, in);
    expect_mask(r.layers[0].open, "1010");
    expect_mask(r.layers[0].near, "1100");
}

/* ---- where the mask applies, where the logits come from ---- */

static void test_apply_pre(void **state)
{
    (void)state;
    static const float c[] = {1, -1};
    mdl_op ops[2];
    mdl_model m = gated_identity(ops, 2, I2, linear_c(2, Z2, c));
    /* z = c: unit 0 open, unit 1 closed */
    ops[0].act = ACT_SIGMOID;
    ops[0].gate.apply = APPLY_PRE;
    const float in[] = {0, 3};
    interp_result r = run(&m, in);
    expect_mask(r.layers[0].open, "10");
    assert_near(r.layers[0].h[0], 0.5, 0); /* sigmoid(0), open */
    assert_near(r.layers[0].h[1], 0.5, 0); /* sigmoid(0 * a), not sigmoid(3) */
    ops[0].gate.apply = APPLY_POST;
    r = run(&m, in);
    assert_near(r.layers[0].h[1], 0, 0);
    ops[0].act = ACT_RELU;
    ops[0].gate.apply = APPLY_PRE;
    r = run(&m, in);
    assert_near(r.layers[0].h[0], 0, 0); /* relu(0), open */
    assert_near(r.layers[0].h[1], 0, 0); /* relu(0), closed */
    r = run(&m, (const float[]){2, 3});
    assert_near(r.layers[0].h[0], 2, 0);
    assert_near(r.layers[0].h[1], 0, 0);
}

static void test_gate_from_self(void **state)
{
    (void)state;
    static const float G[] = {0, 1, 1, 0}, c[] = {0.5f, -1};
    mdl_op ops[2];
    mdl_model m = gated_identity(ops, 2, I2, linear_c(2, G, c));
    ops[0].act = ACT_RELU;
    ops[0].gate.src = GSRC_SELF;
    /* x = [2, -1], u = relu(x) = [2, 0]; z = [u1 + .5, u0 - 1] = [.5, 1] */
    const float in[] = {2, -1};
    interp_result r = run(&m, in);
    assert_near(r.layers[0].z[0], 0.5, 0);
    assert_near(r.layers[0].z[1], 1, 0);
    expect_mask(r.layers[0].open, "11");
    assert_near(r.layers[0].h[0], 2, 0);
    /* From the input instead: z = [x1 + .5, x0 - 1] = [-.5, 1] */
    ops[0].gate.src = GSRC_INPUT;
    r = run(&m, in);
    assert_near(r.layers[0].z[0], -0.5, 0);
    expect_mask(r.layers[0].open, "01");
    assert_near(r.layers[0].h[0], 0, 0);
}

static void test_lowrank_gelu_norm(void **state)
{
    (void)state;
    static const float W[] = {1, 0, 0, 1, 1, 1};
    static const float nw[] = {1.2f, 1.2f};
    static const float Am[] = {1, 1, 2, -1}, ab[] = {1, 3};
    static const float Bm[] = {1, 0, -1, 5, 2, 0}, c[] = {-0.75f, 0.875f, -1.75f};
    mdl_op ops[] = {dense(2, 3, W, NULL, ACT_IDENTITY), output(3, 1, (const float[]){1, 1, 1}, 0)};
    mdl_gate g = gate(GATE_LOWRANK, 3, 2);
    g.has_norm = 1;
    g.norm.n = 2;
    g.norm.eps = 0.44;
    g.norm.weight = nw;
    g.rank = 2;
    g.hidden_act = ACT_GELU;
    g.A = Am;
    g.a_bias = ab;
    g.B = Bm;
    g.c = c;
    ops[0].gate = g;
    mdl_model m = model(2, ops, 2);
    /* x = [1, 3]: LayerNorm -> [-1, 1]/1.2 * 1.2 = [-1, 1];
     * A s + a_bias = [0 + 1, -3 + 3] = [1, 0]; gelu -> [Phi(1), 0];
     * z = [P - .75, -P + .875, 2P - 1.75] with P = 0.8413447460685429 */
    const double P = 0.8413447460685429;
    interp_result r = run(&m, (const float[]){1, 3});
    assert_near(r.layers[0].z[0], P - 0.75, 1e-6);
    assert_near(r.layers[0].z[1], 0.875 - P, 1e-6);
    assert_near(r.layers[0].z[2], 2 * P - 1.75, 1e-6);
    expect_mask(r.layers[0].open, "110");
    /* u = W x = [1, 3, 4]; the closed third unit is 0 */
    assert_near(r.out[0], 4, 0);
}

static void test_static_input_gate(void **state)
{
    (void)state;
    static const float logits[] = {1, -1, 0.5f};
    mdl_op ops[] = {output(3, 1, (const float[]){1, 1, 1}, 0)};
    mdl_model m = model(3, ops, 1);
    m.in_gate = gate(GATE_STATIC, 3, 0);
    m.in_gate.logits = logits;
    interp_result r = run(&m, (const float[]){2, 5, 7});
    expect_mask(r.input.open, "101");
    assert_int_equal(r.input.n, 3);
    assert_int_equal(r.input.n_open, 2);
    assert_int_equal(r.input.n_near, 0);
    assert_near(r.input.h[1], 0, 0);
    assert_near(r.out[0], 9, 0); /* 2 + 7 */
}

/* ---- output ---- */

static void test_softmax_argmax(void **state)
{
    (void)state;
    mdl_op ops[] = {output(3, 3, I3, 1)};
    mdl_model m = model(3, ops, 1);
    /* e^k / (e + e^2 + e^3) */
    interp_result r = run(&m, (const float[]){1, 2, 3});
    assert_near(r.out[0], 0.09003057317038046, 1e-15);
    assert_near(r.out[1], 0.24472847105479767, 1e-15);
    assert_near(r.out[2], 0.6652409557748219, 1e-15);
    assert_near(r.out[0] + r.out[1] + r.out[2], 1, 1e-15);
    assert_int_equal(r.cls, 2);
    assert_true(r.out == r.layers[0].h);
    /* large logits: subtracting the max keeps exp finite */
    r = run(&m, (const float[]){1000, 1000, 0});
    assert_near(r.out[0], 0.5, 1e-15);
    assert_int_equal(r.cls, 0); /* tie: lower index */
    r = run(&m, (const float[]){5, 5, 2});
    assert_int_equal(r.cls, 0);
    ops[0].softmax = 0;
    r = run(&m, (const float[]){2, 5, 5});
    assert_near(r.out[1], 5, 0);
    assert_int_equal(r.cls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_preprocess, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layernorm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threshold_temperature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threshold_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_near_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_topk_ties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_topk_near, setup, teardown),
        cmocka_unit_test_setup_teardown(test_topk_fraction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_min_keep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_pre, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_from_self, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lowrank_gelu_norm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_input_gate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_softmax_argmax, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
