/* The corrupt op (misuse target) and the remake op (fault target): their
 * bytes and text, and the rules they bring firing, each with its exact kind
 * and message, when the executor's doctor hook (pa_exec_site) hides the
 * detection they require. Undoctored, the same ops pass: the heap detects
 * every corruption and is sound again after. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "input.h"
#include "ops.h"

#include "expect.h"

/* How the doctor hides the one result it is after. */
enum change {
    C_NONE_NAMED,   /* a corruption's check named nothing of the kind expected */
    C_WINDOW_BIT,   /* a window walk's first bit turned round */
    C_WINDOW_PAST,  /* a window walk wrote the word past its bitmap */
    C_REFUSED_ONE,  /* a map was refused while the heap was made */
};

typedef struct doctor_plan {
    pa_exec_site site;
    enum change change;
    int done;
    int skip; /* results at the site passed through unchanged first */
} doctor_plan;

static void doctor(void *ctx, pa_exec_site site, void *value) {
    doctor_plan *p = ctx;
    if (site != p->site || p->done || (p->skip && p->skip--))
        return;
    p->done = 1;
    pa_exec_window *w = value;
    switch (p->change) {
    case C_NONE_NAMED:
        *(size_t *)value = 0;
        break;
    case C_WINDOW_BIT:
        w->bits[0] ^= 1;
        break;
    case C_WINDOW_PAST:
        w->bits[w->words] = 0;
        break;
    case C_REFUSED_ONE:
        *(uint64_t *)value = 1;
        break;
    }
}

/* Run text of the target with the doctor's plan (none: it must pass); with
 * one, the run must fail at op `at` with kind and a detail matching want. */
static void expect_run(pa_target target, const char *text, doctor_plan *plan, size_t at, const char *kind,
                       const char *want) {
    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text(target, text, &in, err, sizeof err) == 0, "%s", err);
    pa_exec_options opt = {0, 0, NULL, NULL, plan, plan ? doctor : NULL};
    pa_exec_failure f;
    int rc = pa_exec_run(&in.cfg, in.ops, in.nops, &opt, &f, NULL);
    if (!plan)
        EXPECT(rc == 0, "'%s' failed undoctored: %s at op %zu: %s", text, f.kind, f.op_index, f.detail);
    else
        EXPECT(rc == 1 && !strcmp(f.kind, kind) && f.op_index == at && matches(want, f.detail),
               "'%s': expected %s at op %zu, '%s'; got %s at op %zu, '%s'", text, kind, at, want,
               rc ? f.kind : "a pass", rc ? f.op_index : 0, rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);
}

/* 0xfe alone: corrupt where misuses are on, remake where faults are, nop
 * elsewhere; the text form says the kind, the slot, freed_byte's offset,
 * remake's layer and quarantine, and parses back to the same op. */
static void test_bytes_and_text(void) {
    static const uint8_t bytes[] = {0xfe, 3, 0, 13, 9, 0xde};
    pa_op *ops;
    size_t n = pa_ops_decode_features(bytes, sizeof bytes, &ops, PA_OPS_MISUSES);
    EXPECT(n == 2 && ops[0].kind == PA_OP_CORRUPT && ops[0].idx == 3 &&
               pa_corrupt_kind_of(ops[0].arg) == PA_CORRUPT_FREED_BYTE && ops[0].step == 9 && ops[1].kind == PA_OP_NOP,
           "0xfe with misuses on: corrupt freed_byte #3 9, then 0xde a nop");
    free(ops);
    n = pa_ops_decode_features(bytes, sizeof bytes, &ops, PA_OPS_FAULTS);
    EXPECT(n >= 1 && ops[0].kind == PA_OP_REMAKE && ops[0].arg == 3, "0xfe with faults on: remake, its arg byte 3");
    free(ops);
    n = pa_ops_decode_features(bytes, 1, &ops, 0);
    EXPECT(n == 1 && ops[0].kind == PA_OP_NOP, "0xfe elsewhere: nop");
    free(ops);
    static const char *const lines[] = {"corrupt link_misaligned #7", "corrupt link_out #0", "corrupt link_cycle #1",
                                        "corrupt link_cut #2", "corrupt header_size #3", "corrupt freed_byte #4 255",
                                        "corrupt forged_live #5", "corrupt forged_uncarved #6", "remake debug 7",
                                        "remake debug 0", "remake plain"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        pa_op op, back;
        char err[200], line[256];
        EXPECT(pa_op_parse(lines[i], &op, err, sizeof err) == 1, "'%s': %s", lines[i], err);
        pa_op_format(line, sizeof line, &op, NULL);
        EXPECT(!strcmp(line, lines[i]), "'%s' printed as '%s'", lines[i], line);
        uint8_t *buf = NULL;
        size_t len = 0;
        EXPECT(pa_ops_encode(&op, 1, &buf, &len) == 0, "encode");
        n = pa_ops_decode_features(buf, len, &ops, op.kind == PA_OP_REMAKE ? PA_OPS_FAULTS : PA_OPS_MISUSES);
        back = n == 1 ? ops[0] : (pa_op){0};
        EXPECT(n == 1 && !memcmp(&back, &op, sizeof op), "'%s' changed through its bytes", lines[i]);
        free(ops);
        free(buf);
    }
    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text(PA_TARGET_DEFAULT, "corrupt link_cut #0\n", &in, err, sizeof err) == -1,
           "the default target took a corrupt op");
    EXPECT(pa_input_parse_text(PA_TARGET_MISUSE, "remake plain\n", &in, err, sizeof err) == -1,
           "the misuse target took a remake op");
}

/* A pool of 48-byte blocks (0-byte requests with their debug header and
 * tail) with 16 free blocks (the quarantine of 4 holds the last freed). */
#define FREE_POOL "alloc_many 100 0\nfree_range #5 20\n"

static void test_link_rules(void) {
    static const struct {
        const char *op, *expected;
    } cases[] = {
        {"corrupt link_misaligned #0\n", "POOL_FREELIST_MISALIGNED"},
        {"corrupt link_out #0\n", "POOL_FREELIST_OUT_OF_RANGE"},
        {"corrupt link_cycle #0\n", "POOL_FREELIST_CYCLE"},
        {"corrupt link_cut #0\n", "POOL_BLOCK_ACCOUNTING"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[200], want[200], kind[32];
        snprintf(text, sizeof text, FREE_POOL "%scheck\n", cases[i].op);
        expect_run(PA_TARGET_MISUSE, text, NULL, 0, NULL, NULL);
        sscanf(cases[i].op, "corrupt %31s", kind);
        snprintf(want, sizeof want, "corrupt %s: the link of free block * (pool *) set to *; expected %s, got %s", kind,
                 cases[i].expected, cases[i].expected);
        doctor_plan plan = {PA_SITE_CORRUPTION, C_NONE_NAMED, 0, 0};
        expect_run(PA_TARGET_MISUSE, text, &plan, 2, "CORRUPTION_UNDETECTED", want);
    }
    /* the walk in windows, before the link is broken */
    doctor_plan bit = {PA_SITE_WINDOW_WALK, C_WINDOW_BIT, 0, 1}; /* the window from block 1 */
    expect_run(PA_TARGET_MISUSE, FREE_POOL "corrupt link_cut #0\n", &bit, 2, "INTROSPECT_WINDOW",
               "pa_introspect_freelist of pool * from block 1: bit 0 is 1, the whole walk's bit 1 is 0");
    doctor_plan past = {PA_SITE_WINDOW_WALK, C_WINDOW_PAST, 0, 2}; /* the window from block 64 */
    expect_run(PA_TARGET_MISUSE, FREE_POOL "corrupt link_cut #0\n", &past, 2, "INTROSPECT_WINDOW",
               "pa_introspect_freelist of pool * from block 64 into 128 bits: fault 0, the word past the bitmap 0 "
               "(was 0xa5a5a5a5a5a5a5a5)");
}

static void test_debug_block_rules(void) {
    const char *header = "malloc 100\nmalloc 20032\ncorrupt header_size #0\ncorrupt header_size #1\ncheck\n";
    expect_run(PA_TARGET_MISUSE, header, NULL, 0, NULL, NULL);
    doctor_plan plan = {PA_SITE_CORRUPTION, C_NONE_NAMED, 0, 0};
    expect_run(PA_TARGET_MISUSE, header, &plan, 2, "CORRUPTION_UNDETECTED",
               "corrupt header_size: live block *'s recorded size set to 113 in its 160-byte block; expected the "
               "scan's HEADER_DAMAGED, got 0 such findings and 0 others");
    const char *freed = "malloc 100\nmalloc 8\ncorrupt freed_byte #1 0\ncorrupt freed_byte #0 99\ncheck\n";
    expect_run(PA_TARGET_MISUSE, freed, NULL, 0, NULL, NULL);
    plan.done = 0;
    expect_run(PA_TARGET_MISUSE, freed, &plan, 2, "CORRUPTION_UNDETECTED",
               "corrupt freed_byte: byte 0 of the 8-byte block * in the quarantine set to 0; expected the scan's "
               "FREED_WRITTEN at that byte, got 0 such findings and 0 others");
    /* the forged headers: the misuse rules judge the free they make */
    expect_run(PA_TARGET_MISUSE,
               "malloc 100\nmalloc 20032\ncorrupt forged_live #0\ncorrupt forged_live #1\n"
               "corrupt forged_uncarved #0\ncheck\n",
               NULL, 0, NULL, NULL);
}

/* Every map pa_heap_create makes is one the heap needs: a heap made though
 * one was refused is a rule of its own. */
static void test_remake_rules(void) {
    const char *ops = "malloc 100\nfault map next 3\nremake debug 4\nmalloc 100\nremake plain\ncheck\n";
    expect_run(PA_TARGET_FAULT, ops, NULL, 0, NULL, NULL);
    doctor_plan plan = {PA_SITE_CREATE_REFUSED, C_REFUSED_ONE, 0, 0};
    expect_run(PA_TARGET_FAULT, "malloc 100\nremake debug 4\n", &plan, 1, "HEAP_CREATE_FAULT_IGNORED",
               "pa_heap_create made a heap (debug 1, quarantine 4) though 1 of its maps were refused");
}

int main(void) {
    test_bytes_and_text();
    test_link_rules();
    test_debug_block_rules();
    test_remake_rules();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
