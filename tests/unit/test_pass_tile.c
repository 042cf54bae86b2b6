/* test_pass_tile: target presets, which layers get tiles, and the layout
 * choice from calibration masks (scattered units: rows; grouped: tiles). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "front.h"
#include "ir.h"

static mdl_model *load(arena *a, const char *text)
{
    mdl_model *m = front_load_text(a, "t.dg", text, strlen(text), ".");
    assert_non_null(m);
    return m;
}

static void targets(void **state)
{
    (void)state;
    assert_string_equal(ir_target_default()->name, "x86-64");
    assert_int_equal(ir_target_find("x86-64")->tile, 16);
    assert_int_equal(ir_target_find("x86-64")->vw, 8);
    assert_int_equal(ir_target_find("cortex-m4")->vw, 1);
    assert_non_null(ir_target_find("cortex-m0"));
    assert_non_null(ir_target_find("generic"));
    assert_null(ir_target_find("x86"));
    assert_null(ir_target_find(""));
}

static const char *kinds =
    "model t;\ninput 2;\n"
    "layer a dense 3 { weight [[1, 2], [3, 4], [5, 6]];\n"
    "  gate linear { weight [[1, 2], [3, 4], [5, 6]]; threshold 0.5; } }\n"
    "layer s dense 2 { weight [[1, 2, 3], [4, 5, 6]];\n"
    "  gate linear { from self; weight [[1, 2], [3, 4]]; threshold 0.5; } }\n"
    "layer n layernorm { eps 1e-5; }\n"
    "layer k dense 2 { weight [[1, 2], [3, 4]];\n"
    "  gate static { logits [5, -5]; } }\n"
    "layer n2 layernorm { eps 1e-5; }\n"
    "output out dense 2 { weight [[1, 2], [3, 4]]; }\n";

static void which_layers(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    ir_target t = {"test", 5, 2};
    ir_program *p = ir_lower_for(&a, load(&a, kinds), &t, NULL, 0);
    assert_int_equal(p->vw, 2);
    assert_int_equal(p->layers[0].tile, 5); /* gate from input */
    assert_int_equal(p->layers[1].tile, 5); /* gate from self: every row, in tiles */
    assert_int_equal(p->layers[2].tile, 0); /* layernorm */
    assert_int_equal(p->layers[3].tile, 0); /* unit kept constant for the layernorm */
    assert_int_equal(p->layers[5].tile, 0); /* the output, ungated: rows on vector targets too */
    /* --dense: gates dropped, so layers go row-wise where rows align to vw */
    p = ir_lower_for(&a, load(&a, kinds), &t, NULL, 1);
    assert_int_equal(p->layers[0].gate.kind, GATE_NONE);
    assert_int_equal(p->layers[1].gate.kind, GATE_NONE);
    assert_int_equal(p->layers[0].tile, 0); /* 2 inputs */
    assert_int_equal(p->layers[1].tile, 5); /* 3 inputs: rows would straddle vectors */
    assert_int_equal(p->layers[3].gate.kind, GATE_NONE); /* static gates dropped too: */
    assert_int_equal(p->layers[3].n_out, 2);              /* nothing deleted or fixed */
    assert_null(p->layers[3].const_mask);
    t.tile = 0;
    p = ir_lower_for(&a, load(&a, kinds), &t, NULL, 0);
    for (int i = 0; i < p->n_layers; i++) assert_int_equal(p->layers[i].tile, 0);
    ar_free(&a);
}

/* 8 units in tiles of 4, top-k gate so no permutation interferes. */
static const char *eight =
    "model u;\ninput 1;\nlayer fc dense 8 { weight [[1], [1], [1], [1], [1], [1], [1], [1]];\n"
    "  gate linear { weight [[1], [1], [1], [1], [1], [1], [1], [1]]; topk 2; } }\n"
    "output out dense 1 { weight [[1, 1, 1, 1, 1, 1, 1, 1]]; }\n";

static ir_program *lower_with(arena *a, const int *open_units, int n_open, int vw)
{
    enum { S = 10 };
    unsigned char *open = ar_alloc(a, S * 8);
    for (int s = 0; s < S; s++)
        for (int k = 0; k < n_open; k++) open[s * 8 + open_units[k]] = 1;
    unsigned char *layers[2] = {open, NULL};
    ir_calib c = {S, 2, layers};
    ir_target t = {"test", 4, vw};
    return ir_lower_for(a, load(a, eight), &t, &c, 0);
}

static int tile_with(arena *a, const int *open_units, int n_open, int vw)
{
    return lower_with(a, open_units, n_open, vw)->layers[0].tile;
}

static void layout_from_calibration(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    static const int scattered[] = {0, 4}, grouped[] = {0, 1, 2, 3}, busy[] = {0, 1, 2, 4, 5, 6};
    assert_int_equal(tile_with(&a, scattered, 2, 2), 0); /* 25% of units open every tile */
    assert_int_equal(tile_with(&a, grouped, 4, 2), 4);   /* one tile of two stays closed */
    assert_int_equal(tile_with(&a, busy, 6, 2), 4);      /* 75% open: rows save too little */
    /* One lane: a tile saves nothing over rows, whatever the masks say. */
    assert_int_equal(tile_with(&a, grouped, 4, 1), 0);
    assert_int_equal(tile_with(&a, busy, 6, 1), 0);
    ar_free(&a);
}

/* The one-unit output after fc: tiles over fc's open list (a padded tile
 * of two lanes per open input) or a row over all 8 inputs. 25% open: the
 * list; 75% open: the whole input, which then is no list at all. One lane,
 * or no calibration: the list. */
static void whole_input(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    static const int scattered[] = {0, 4}, busy[] = {0, 1, 2, 4, 5, 6};
    ir_program *p = lower_with(&a, scattered, 2, 2);
    assert_false(p->layers[1].whole_in);
    assert_true(ir_listed_input(p, 1));
    p = lower_with(&a, busy, 6, 2);
    assert_true(p->layers[1].whole_in);
    assert_false(ir_listed_input(p, 1));
    assert_int_equal(p->layers[1].tile, 0);
    assert_false(lower_with(&a, busy, 6, 1)->layers[1].whole_in);
    ir_target t = {"test", 4, 2};
    assert_false(ir_lower_for(&a, load(&a, eight), &t, NULL, 0)->layers[1].whole_in);
    ar_free(&a);
}

/* The scalar presets: rows everywhere. One lane with tiles asked for:
 * rows for a gate from the input, tiles elsewhere. */
static void scalar_target(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    static const ir_target tiled = {"test", 4, 1};
    const ir_target *ts[3] = {ir_target_find("cortex-m4"), ir_target_find("cortex-m0"), &tiled};
    for (int k = 0; k < 3; k++) {
        const ir_target *t = ts[k];
        assert_int_equal(t->tile, k == 2 ? 4 : 0);
        ir_program *p = ir_lower_for(&a, load(&a, kinds), t, NULL, 0);
        assert_int_equal(p->vw, 1);
        assert_int_equal(p->layers[0].tile, 0);       /* gate from input: rows */
        assert_int_equal(p->layers[1].tile, t->tile); /* gate from self: every row */
        assert_int_equal(p->layers[5].tile, t->tile); /* ungated output */
    }
    ar_free(&a);
}

int main(void)
{
    diag_init(stderr);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(targets),
        cmocka_unit_test(which_layers),
        cmocka_unit_test(layout_from_calibration),
        cmocka_unit_test(whole_input),
        cmocka_unit_test(scalar_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
