/* Unit tests of the config target's prefix (config_bytes.c): every prefix
 * yields a legal configuration that survives bytes -> text -> bytes, every
 * class size is a threshold some byte chooses, and byte 3's top bit turns
 * the spare pools off, in bytes, text and the heap the executor makes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config_bytes.h"
#include "executor.h"
#include "input.h"
#include "poolalloc/heap.h"
#include "poolalloc/introspect.h"

#include "expect.h"
#include "rnd8.h"

static void test_config_prefix(void) {
    for (int round = 0; round < 2000; round++) {
        uint8_t b[PA_CONFIG_BYTES], back[PA_CONFIG_BYTES];
        for (int i = 0; i < PA_CONFIG_BYTES; i++)
            b[i] = rnd8();
        pa_config c, d;
        pa_config_from_bytes(b, sizeof b, &c);
        char why[200] = "";
        EXPECT(pa_config_validate(&c, why, sizeof why) == 0, "prefix gave an illegal configuration: %s", why);
        EXPECT(pa_config_to_bytes(&c, back, why, sizeof why) == 0, "no bytes for a prefix's configuration: %s", why);
        pa_config_from_bytes(back, sizeof back, &d);
        char l1[256], l2[256];
        pa_config_format(l1, sizeof l1, &c);
        pa_config_format(l2, sizeof l2, &d);
        EXPECT(!strcmp(l1, l2), "%s != %s", l1, l2);
        pa_config e;
        EXPECT(pa_config_parse(l1, &e, why, sizeof why) == 1, "cannot parse '%s': %s", l1, why);
    }
    pa_config def = pa_config_default();
    uint8_t b[PA_CONFIG_BYTES];
    char why[200];
    EXPECT(pa_config_to_bytes(&def, b, why, sizeof why) == 0, "the default configuration has no prefix: %s", why);
    /* byte 1 is a class index (mod the class count of the largest
     * threshold): every class size is a threshold some byte chooses, with
     * either alignment, and no other size is */
    for (int align8 = 0; align8 < 2; align8++) {
        size_t count = align8 ? PA_LINEAR_THRESHOLD / 8 + PA_GEOMETRIC_CLASSES
                              : PA_LINEAR_THRESHOLD / 16 + PA_GEOMETRIC_CLASSES;
        int seen_max = 0, seen_geometric = 0;
        for (unsigned v = 0; v < 256; v++) {
            uint8_t p[PA_CONFIG_BYTES] = {(uint8_t)align8, (uint8_t)v, 0, 0, 0};
            pa_config c;
            pa_config_from_bytes(p, sizeof p, &c);
            size_t want = pa_config_class_size(&c, v % count);
            EXPECT(c.small_threshold == want, "align %zu byte %u: threshold %zu, expected class %u's %zu",
                   c.alignment, v, c.small_threshold, v % (unsigned)count, want);
            EXPECT(pa_config_class_count(&c) == v % count + 1, "align %zu byte %u: %zu classes", c.alignment, v,
                   pa_config_class_count(&c));
            seen_max |= c.small_threshold == PA_MAX_THRESHOLD;
            seen_geometric |= c.small_threshold == 640;
            uint8_t back[PA_CONFIG_BYTES];
            EXPECT(pa_config_to_bytes(&c, back, why, sizeof why) == 0 && back[1] == v % count,
                   "align %zu threshold %zu encodes as byte %u, not %u (%s)", c.alignment, c.small_threshold,
                   back[1], v % (unsigned)count, why);
        }
        EXPECT(seen_max && seen_geometric, "align %d: no byte chooses the 7168 or the 640 threshold",
               align8 ? 8 : 16);
    }
    /* 4096, the default, is the twelfth geometric class */
    EXPECT(b[1] == PA_LINEAR_THRESHOLD / 16 + 11, "the default threshold encodes as %u", b[1]);
    /* the fixed configurations of the prefix-less targets are legal */
    static const pa_target fixed[3] = {PA_TARGET_DEFAULT, PA_TARGET_FAULT, PA_TARGET_MISUSE};
    for (int i = 0; i < 3; i++) {
        pa_config c = pa_target_config(fixed[i]);
        EXPECT(pa_config_validate(&c, why, sizeof why) == 0, "target %s: %s", pa_target_name(fixed[i]), why);
    }
}

/* Byte 3's top bit: the spare pools off, and nothing else changed. */
static void test_spares_bit(void) {
    for (int round = 0; round < 500; round++) {
        uint8_t b[PA_CONFIG_BYTES], back[PA_CONFIG_BYTES];
        for (int i = 0; i < PA_CONFIG_BYTES; i++)
            b[i] = rnd8();
        b[3] &= 0x7f;
        pa_config on, off;
        pa_config_from_bytes(b, sizeof b, &on);
        b[3] |= 0x80;
        pa_config_from_bytes(b, sizeof b, &off);
        EXPECT(on.keep_spare_pools == 1 && off.keep_spare_pools == 0, "byte 3 0x%02x: spares %d, with 0x80 %d",
               b[3] & 0x7f, on.keep_spare_pools, off.keep_spare_pools);
        char l_on[256], l_off[256], why[200] = "";
        pa_config_format(l_on, sizeof l_on, &on);
        pa_config_format(l_off, sizeof l_off, &off);
        char *at = strstr(l_off, " spares=0");
        EXPECT(!strstr(l_on, "spares=") && at, "'%s' / '%s'", l_on, l_off);
        if (at) /* the line without the key is the line with spares on */
            memmove(at, at + strlen(" spares=0"), strlen(at + strlen(" spares=0")) + 1);
        EXPECT(!strcmp(l_on, l_off), "spares off changed more than the key: '%s' / '%s'", l_on, l_off);
        EXPECT(pa_config_to_bytes(&off, back, why, sizeof why) == 0 && (back[3] & 0x80), "off encodes as 0x%02x (%s)",
               back[3], why);
    }
    pa_config c;
    char why[200] = "";
    EXPECT(pa_config_parse("config spares=0", &c, why, sizeof why) == 1 && c.keep_spare_pools == 0, "spares=0: %s",
           why);
    EXPECT(pa_config_parse("config spares=1", &c, why, sizeof why) == 1 && c.keep_spare_pools == 1, "spares=1: %s",
           why);
    EXPECT(pa_config_parse("config spares=2", &c, why, sizeof why) == -1 &&
               !strcmp(why, "config: spares=2 is not 0 or 1"),
           "spares=2: '%s'", why);
    c = pa_config_default();
    c.keep_spare_pools = 2;
    uint8_t b[PA_CONFIG_BYTES];
    EXPECT(pa_config_to_bytes(&c, b, why, sizeof why) == -1 && !strcmp(why, "spares=2: the prefix encodes 0 or 1"),
           "keep_spare_pools 2: '%s'", why);
}

/* The spare class 0 holds after op 1 (the free of its only block). */
static void note_spare(void *ctx, size_t op_index, struct pa_heap *heap, struct pa_shadow *sh) {
    (void)sh;
    pa_class_view v;
    if (op_index == 1 && pa_introspect_class(heap, 0, &v) == 0)
        *(uintptr_t *)ctx = v.spare;
}

/* The key reaches the heap the executor makes: with it off, the pool a
 * free empties goes back to its arena. */
static void test_spares_reach_the_heap(void) {
    static const char *const text[2] = {"config spares=0\nmalloc c0\nfree #0\n", "config\nmalloc c0\nfree #0\n"};
    for (int on = 0; on < 2; on++) {
        pa_input in;
        char err[200];
        EXPECT(pa_input_parse_text(PA_TARGET_CONFIG, text[on], &in, err, sizeof err) == 0, "%s", err);
        uintptr_t spare = 1;
        pa_exec_options opt = {0, 0, NULL, note_spare, &spare, NULL};
        pa_exec_failure f;
        int rc = pa_exec_run(&in.cfg, in.ops, in.nops, &opt, &f, NULL);
        EXPECT(rc == 0, "spares %d: %s %s", on, rc ? f.kind : "", rc ? f.detail : "");
        if (rc)
            pa_exec_failure_free(&f);
        EXPECT(on ? spare > 1 : spare == 0, "spares %d: class 0's spare after the free is 0x%lx", on,
               (unsigned long)spare);
        pa_input_free(&in);
    }
}

int main(void) {
    test_config_prefix();
    test_spares_bit();
    test_spares_reach_the_heap();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
