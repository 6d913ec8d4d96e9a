/* Unit tests of the fuzz harness: the op language's two forms round-trip,
 * renumbering keeps every op on its block, and every oracle of the executor
 * fires when its property is broken on purpose (the configuration prefix:
 * test_config_bytes.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_bytes.h"
#include "executor.h"
#include "input.h"
#include "op_edit.h"
#include "ops.h"
#include "pattern.h"
#include "shadow.h"
#include "pa_testing/os_placer.h"
#include "poolalloc/heap.h"

#ifdef PA_FUZZ_TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

#include "expect.h"
#include "rnd8.h"

static int same_ops(const pa_op *a, const pa_op *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof *a))
            return 0;
    return 1;
}

static void test_bytes_text_round_trip(void) {
    for (int round = 0; round < 300; round++) {
        uint8_t data[256];
        size_t len = rnd8();
        for (size_t i = 0; i < len; i++)
            data[i] = rnd8();
        pa_op *ops, *again;
        size_t n = pa_ops_decode(data, len, &ops);
        uint8_t *buf = NULL;
        size_t blen = 0;
        EXPECT(pa_ops_encode(ops, n, &buf, &blen) == 0, "encode");
        size_t m = pa_ops_decode(buf, blen, &again);
        EXPECT(m == n && same_ops(ops, again, n), "bytes -> ops -> bytes -> ops changed (round %d)", round);
        pa_config cfg = pa_config_default();
        for (size_t i = 0; i < n; i++) {
            char line[256], err[200];
            pa_op back;
            pa_op_format(line, sizeof line, &ops[i], &cfg);
            int rc = pa_op_parse(line, &back, err, sizeof err);
            EXPECT(rc == 1 && !memcmp(&back, &ops[i], sizeof back), "text round trip of '%s': %s", line, err);
        }
        free(ops);
        free(again);
        free(buf);
    }
}

static void test_text_errors(void) {
    static const char *const bad[] = {
        "mallok 3", "malloc", "malloc c3+2", "calloc 64 x 3", "calloc 3 3", "realloc 3 4",
        "free #70000", "memalign 0 8", "memalign 24000 8", "alloc_many 0 8", "free_range #1 300",
        "free_range #1 3 step 9", "malloc 16385", "grow #1 0", "check now", "malloc t+65",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pa_op op;
        char err[200] = "";
        EXPECT(pa_op_parse(bad[i], &op, err, sizeof err) == -1 && err[0], "'%s' should not parse", bad[i]);
    }
    pa_op op;
    char err[200];
    EXPECT(pa_op_parse("   # a comment", &op, err, sizeof err) == 0, "comment");
    EXPECT(pa_op_parse("", &op, err, sizeof err) == 0, "blank");
    EXPECT(pa_op_parse("malloc 20000 # large, multiple of 64? no", &op, err, sizeof err) == -1, "20000 %% 64 != 0");
    EXPECT(pa_op_parse("malloc 20032", &op, err, sizeof err) == 1 && op.size.mode == PA_SIZE_LARGE, "20032");
    pa_config cfg = pa_config_default();
    EXPECT(pa_op_parse("malloc c31", &op, err, sizeof err) == 1 && pa_size_eval(op.size, &cfg) == 512, "c31 is 512");
    EXPECT(pa_op_parse("malloc t+1", &op, err, sizeof err) == 1 && pa_size_eval(op.size, &cfg) == 4097, "t+1");
    EXPECT(pa_op_parse("malloc c0-1", &op, err, sizeof err) == 1 && pa_size_eval(op.size, &cfg) == 15, "c0-1");
    /* above 512 bytes the classes go four per doubling: with alignment 16
     * class 32 is 640 and class 43, the last of 44, is the 4096 threshold;
     * class numbers wrap at the class count */
    EXPECT(pa_op_parse("malloc c32-1", &op, err, sizeof err) == 1 && pa_size_eval(op.size, &cfg) == 639, "c32-1");
    EXPECT(pa_op_parse("malloc c35+1", &op, err, sizeof err) == 1 && pa_size_eval(op.size, &cfg) == 1025, "c35+1");
    EXPECT(pa_op_parse("malloc c43", &op, err, sizeof err) == 1 && pa_size_eval(op.size, &cfg) == 4096, "c43");
    EXPECT(pa_op_parse("malloc c44", &op, err, sizeof err) == 1 && pa_size_eval(op.size, &cfg) == 16, "c44");
    /* on a 512-byte threshold, as before the geometric classes */
    pa_config small = cfg;
    small.small_threshold = 512;
    EXPECT(pa_op_parse("malloc t+1", &op, err, sizeof err) == 1 && pa_size_eval(op.size, &small) == 513, "t+1 at 512");
    EXPECT(pa_op_parse("malloc c32", &op, err, sizeof err) == 1 && pa_size_eval(op.size, &small) == 16, "c32 at 512");
}

static void test_renumber(void) {
    const char *text = "malloc 8\nmalloc 16\nmalloc 24\nfree #1\nwrite #1\nfree #0\n";
    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text(PA_TARGET_DEFAULT, text, &in, err, sizeof err) == 0, "%s", err);
    pa_block_ref refs[6];
    EXPECT(pa_ops_resolve(in.ops, in.nops, refs) == 0, "resolve");
    /* drop op 0 (malloc 8): "free #0" (it freed that block) must go, "write #1"
     * (the block of malloc 24) becomes "write #0". */
    size_t orig[5] = {1, 2, 3, 4, 5};
    pa_op out[5];
    size_t n = pa_ops_renumber(in.ops + 1, orig, 5, refs, out, NULL);
    EXPECT(n == 4, "%zu ops left", n);
    EXPECT(out[2].kind == PA_OP_FREE && out[2].idx == 0, "free of malloc 16 renumbered to #%u", out[2].idx);
    EXPECT(out[3].kind == PA_OP_WRITE && out[3].idx == 0, "write renumbered to #%u", out[3].idx);
    pa_input_free(&in);
}

/* The address index against a brute-force list of ranges. */
static void test_address_index(void) {
    pa_shadow sh;
    EXPECT(pa_shadow_init(&sh) == 0, "init");
    enum { N = 600 };
    uintptr_t lo[N], hi[N];
    int live[N];
    memset(live, 0, sizeof live);
    for (int step = 0; step < 20000; step++) {
        int i = (int)(rnd8() | (rnd8() << 8)) % N;
        if (live[i]) {
            EXPECT(pa_shadow_release(&sh, (void *)lo[i]) == 0, "release of a live range");
            live[i] = 0;
            continue;
        }
        uintptr_t a = 0x10000 + ((uintptr_t)(rnd8() | (rnd8() << 8)) << 4);
        size_t len = 1 + rnd8() % 200;
        int clash = 0;
        for (int k = 0; k < N; k++)
            if (live[k] && a < hi[k] && lo[k] < a + len)
                clash = 1;
        pa_shadow_range c;
        int rc = pa_shadow_claim(&sh, (void *)a, len, (uint64_t)i, &c);
        EXPECT((rc != 0) == clash, "claim [%#lx, +%zu): index says %d, brute force %d", (unsigned long)a, len, rc, clash);
        if (rc == 0) {
            lo[i] = a;
            hi[i] = a + len;
            live[i] = 1;
        } else {
            EXPECT(c.lo < a + len && a < c.hi, "the clash it names does not overlap");
        }
        uintptr_t probe = 0x10000 + ((uintptr_t)(rnd8() | (rnd8() << 8)) << 4) + rnd8();
        const pa_shadow_range *f = pa_shadow_find(&sh, probe);
        int want = -1;
        for (int k = 0; k < N; k++)
            if (live[k] && lo[k] <= probe && probe < hi[k])
                want = k;
        EXPECT((f != NULL) == (want >= 0) && (!f || f->serial == (uint64_t)want), "find %#lx", (unsigned long)probe);
    }
    EXPECT(pa_shadow_release(&sh, (void *)1) == -1, "release of nothing");
    pa_shadow_free(&sh);
}

/* Removing slots keeps the order of the rest and the small and large
 * counts, against a plain list, over random ascending sets of positions
 * (the first, the last, runs, every one). */
static void test_remove_slots(void) {
    pa_shadow sh;
    EXPECT(pa_shadow_init(&sh) == 0, "init");
    enum { N = 300 };
    uint64_t model[N];
    size_t n = 0, wrong = 0;
    for (int step = 0; step < 2000; step++) {
        while (n < N && rnd8() % 4) { /* refill: failed, small and large blocks */
            pa_shadow_block b = {.p = rnd8() % 8 ? (void *)(uintptr_t)(16 * (step + 1)) : NULL,
                                 .small = rnd8() % 2, .serial = sh.next_serial++};
            pa_shadow_append(&sh, &b);
            model[n++] = b.serial;
        }
        size_t pos[N], npos = 0, keep = 0;
        unsigned every = rnd8() % 8; /* 0: every slot goes */
        for (size_t i = 0; i < n; i++) {
            if (!every || rnd8() % 8 < every % 3)
                pos[npos++] = i;
            else
                model[keep++] = model[i];
        }
        if (npos)
            pa_shadow_remove(&sh, pos, npos);
        n = keep;
        size_t small = 0, large = 0;
        wrong += sh.n != n;
        for (size_t i = 0; i < n && i < sh.n; i++) {
            wrong += sh.slots[i].serial != model[i];
            if (sh.slots[i].p)
                *(sh.slots[i].small ? &small : &large) += 1;
        }
        wrong += small != sh.nsmall || large != sh.nlarge;
    }
    EXPECT(wrong == 0, "%zu slots or counts differ from the plain list", wrong);
    pa_shadow_free(&sh);
}

/* ---- content patterns ---------------------------------------------------- */

/* Every patterned byte of a block is checked: a flip anywhere in a region is
 * found at its offset, with the byte the pattern wanted; bytes past limit
 * and (in a large block) between the regions are not read. */
/* A seed whose pattern's window lines up with seed's: the two fills differ
 * by a repeating 8-byte key alone (0 if none is found). */
static uint64_t window_twin(uint64_t seed) {
    unsigned char a[64], b[64];
    pa_pattern_fill(a, sizeof a, seed);
    for (uint64_t s = seed + 1; s < seed + ((uint64_t)1 << 22); s++) {
        pa_pattern_fill(b, sizeof b, s);
        size_t i = 8;
        while (i < sizeof a && (a[i] ^ b[i]) == (a[i & 7] ^ b[i & 7]))
            i++;
        if (i == sizeof a)
            return s;
    }
    return 0;
}

static void test_pattern(void) {
    static const size_t sizes[] = {1, 7, 8, 15, 16, 17, 31, 32, 33, 100, 4096, 5000, 200000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t req = sizes[s];
        unsigned char *buf = malloc(req + 1);
        pa_pattern_mismatch m;
        for (uint64_t seed = 0; seed < 3; seed++) {
            pa_pattern_fill(buf + 1, req, seed);
            EXPECT(pa_pattern_verify(buf + 1, req, req, seed, &m) == 0, "%zu bytes, seed %llu: a fresh fill fails",
                   req, (unsigned long long)seed);
            if (!seed)
                EXPECT(buf[1] == 0 && buf[req] == 0, "seed 0 is not zero");
            size_t probes[] = {0, req <= PA_PATTERN_FULL ? req / 2 : PA_PATTERN_EDGE + 63, req - 1, req > 1024 ? 1023 : 0, req > 1024 ? req - 1024 : 0};
            for (size_t k = 0; k < sizeof probes / sizeof *probes; k++) {
                size_t at = probes[k];
                unsigned char want = buf[1 + at];
                buf[1 + at] ^= 0x10;
                int rc = pa_pattern_verify(buf + 1, req, req, seed, &m);
                EXPECT(rc == -1 && m.offset == at && m.expected == want && m.found == (want ^ 0x10),
                       "%zu bytes, seed %llu: a flip at %zu is reported as rc %d at %zu", req,
                       (unsigned long long)seed, at, rc, m.offset);
                EXPECT(pa_pattern_verify(buf + 1, req, at, seed, &m) == 0, "%zu bytes: limit %zu reads past it", req,
                       at);
                buf[1 + at] = want;
            }
        }
        if (req > PA_PATTERN_FULL) { /* unpatterned: the bytes just past the first edge */
            pa_pattern_fill(buf + 1, req, 5);
            buf[1 + PA_PATTERN_EDGE + 64] ^= 1;
            EXPECT(pa_pattern_verify(buf + 1, req, req, 5, &m) == 0, "%zu bytes: an unpatterned byte is checked", req);
        }
        /* another seed's pattern, and the same one a word off, both differ;
         * so does a seed whose window lines up with seed 1's */
        if (req >= 8) {
            pa_pattern_fill(buf + 1, req, 1);
            uint64_t twin = window_twin(1);
            EXPECT(twin != 1 && pa_pattern_verify(buf + 1, req, req, twin, &m) == -1 && m.offset == 0,
                   "%zu bytes: seed %llu, whose window lines up with seed 1's, passes for it", req,
                   (unsigned long long)twin);
        }
        /* another seed's pattern, and the same one a word off, both differ */
        pa_pattern_fill(buf + 1, req, 1);
        EXPECT(req < 8 || pa_pattern_verify(buf + 1, req, req, 2, &m) == -1, "%zu bytes: seed 2 passes for 1", req);
        if (req >= 16) {
            memmove(buf + 1, buf + 9, req - 8);
            EXPECT(pa_pattern_verify(buf + 1, req, req - 8, 1, &m) == -1 && m.offset < 8,
                   "%zu bytes: the pattern a word off passes", req);
        }
        free(buf);
    }
}

/* Up to 300 bytes every length takes one of the short paths (a byte loop,
 * two words, 16-byte pieces) or the 32-byte one with each shape of its
 * tail after zero, one and two rounds of 128: a flip of any byte is found
 * at its offset, whatever the seed, and a fill writes nothing outside. */
static void test_pattern_short(void) {
    unsigned char buf[302];
    pa_pattern_mismatch m;
    for (size_t req = 1; req < sizeof buf - 1; req++)
        for (uint64_t seed = 0; seed < 3; seed++) {
            memset(buf, 0xA5, sizeof buf);
            pa_pattern_fill(buf + 1, req, seed);
            EXPECT(buf[0] == 0xA5 && buf[req + 1] == 0xA5, "%zu bytes, seed %llu: a fill writes outside", req,
                   (unsigned long long)seed);
            for (size_t at = 0; at < req; at++) {
                unsigned char want = buf[1 + at];
                buf[1 + at] ^= 0x80;
                int rc = pa_pattern_verify(buf + 1, req, req, seed, &m);
                EXPECT(rc == -1 && m.offset == at && m.expected == want,
                       "%zu bytes, seed %llu: a flip at %zu is reported as rc %d at %zu", req,
                       (unsigned long long)seed, at, rc, m.offset);
                buf[1 + at] = want;
            }
            EXPECT(pa_pattern_verify(buf + 1, req, req, seed, &m) == 0, "%zu bytes: the fill fails", req);
        }
}

/* ---- the oracles fire ------------------------------------------------ */

typedef struct tamper_plan {
    size_t at;
    int what;
    void *saved;
} tamper_plan;

enum { T_FLIP_BYTE, T_FREE_BEHIND, T_FAKE_OVERLAP, T_LOSE_BLOCK, T_ZERO_DIRTY, T_POISON_LIVE, T_UNPOISON_FREE,
       T_SHRINK_REQUEST };

static void tamper(void *ctx, size_t op_index, struct pa_heap *heap, struct pa_shadow *sh) {
    tamper_plan *p = ctx;
    if (p->what == T_FAKE_OVERLAP) {
        /* after op 0 note the block; after op 1 (its free) pretend it is
         * still live: the next malloc of that size reuses it */
        pa_shadow_range clash;
        if (op_index == 0)
            p->saved = sh->slots[0].p;
        else if (op_index == 1)
            pa_shadow_claim(sh, p->saved, 1, 999, &clash);
        return;
    }
#ifdef PA_FUZZ_TEST_ASAN
    if (p->what == T_UNPOISON_FREE) { /* slot 0's block, freed by op at */
        if (op_index == 0)
            p->saved = sh->slots[0].p;
        else if (op_index == p->at)
            ASAN_UNPOISON_MEMORY_REGION(p->saved, 32);
        return;
    }
#endif
    if (op_index != p->at || !sh->n)
        return;
    pa_shadow_block *b = &sh->slots[0];
    switch (p->what) {
    case T_FLIP_BYTE:
        ((unsigned char *)b->p)[b->req / 2] ^= 0x40;
        break;
    case T_FREE_BEHIND: /* the heap frees a block the shadow still holds */
        pa_heap_free(heap, b->p);
        break;
    case T_LOSE_BLOCK: /* the shadow forgets a live block: the ghost check must see it */
        pa_shadow_release(sh, b->p);
        b->p = NULL;
        sh->nsmall--;
        break;
    case T_ZERO_DIRTY:
        ((unsigned char *)b->p)[0] = 1;
        break;
    case T_SHRINK_REQUEST: /* the heap counts bytes the program never asked for */
        b->req--;
        break;
#ifdef PA_FUZZ_TEST_ASAN
    case T_POISON_LIVE: /* a whole granule inside a block of at least 48 bytes */
        ASAN_POISON_MEMORY_REGION((char *)b->p + 32, 16);
        break;
#endif
    }
}

/* Run default-target text with the tamper plan (what after op at). */
static int run_tampered(const char *text, int what, size_t at, pa_input *in, pa_exec_failure *f) {
    char err[200];
    EXPECT(pa_input_parse_text(PA_TARGET_DEFAULT, text, in, err, sizeof err) == 0, "%s", err);
    tamper_plan plan = {at, what, NULL};
    pa_exec_options opt = {0, 0, NULL, tamper, &plan, NULL};
    return pa_exec_run(&in->cfg, in->ops, in->nops, &opt, f, NULL);
}

static void expect_failure(const char *text, int what, size_t at, const char *kind_prefix) {
    pa_input in;
    pa_exec_failure f;
    int rc = run_tampered(text, what, at, &in, &f);
    EXPECT(rc == 1 && !strncmp(f.kind, kind_prefix, strlen(kind_prefix)),
           "tamper %d: expected %s, got %s (%s)", what, kind_prefix, rc ? f.kind : "a pass", f.detail);
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);
}

static void test_oracles_fire(void) {
    /* untouched, the same ops pass */
    pa_input in;
    char err[200];
    const char *ops = "malloc 40\nmalloc 100\ncalloc 3 x 10\nrealloc #1 700\ncheck\nfree #0\n";
    EXPECT(pa_input_parse_text(PA_TARGET_DEFAULT, ops, &in, err, sizeof err) == 0, "%s", err);
    pa_exec_failure f;
    int rc = pa_exec_run(&in.cfg, in.ops, in.nops, NULL, &f, NULL);
    EXPECT(rc == 0, "clean run failed: %s %s", f.kind, f.detail);
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);

    expect_failure(ops, T_FLIP_BYTE, 1, "CONTENT_MISMATCH");
    expect_failure("calloc 4 x 8\nmalloc 8\ncheck\n", T_ZERO_DIRTY, 0, "CALLOC_NOT_ZERO");
    expect_failure("malloc 40\nmalloc 100\ncheck\n", T_FREE_BEHIND, 1, "CHECK_");
    expect_failure("malloc 40\nmalloc 100\ncheck\n", T_LOSE_BLOCK, 1, "CHECK_");
    expect_failure("malloc 40\nfree #0\nmalloc 40\n", T_FAKE_OVERLAP, 0, "OVERLAP");
    expect_failure("malloc 40000\nstats_print\n", T_SHRINK_REQUEST, 0, "STATS_FIGURE");
}

/* "malloc c3, malloc c3, misuse KIND #0" on a heap without the debug layer. */
static void expect_undetected_on_plain_heap(const char *kind) {
    char text[100], err[200];
    snprintf(text, sizeof text, "malloc c3\nmalloc c3\nmisuse %s #0\n", kind);
    pa_input in;
    EXPECT(pa_input_parse_text(PA_TARGET_MISUSE, text, &in, err, sizeof err) == 0, "%s", err);
    in.cfg = pa_config_default();
    pa_exec_failure f;
    int rc = pa_exec_run(&in.cfg, in.ops, in.nops, NULL, &f, NULL);
    EXPECT(rc == 1 && !strcmp(f.kind, "MISUSE_UNDETECTED") && f.op_index == 2,
           "%s on a plain heap: expected MISUSE_UNDETECTED at op 2, got %s at op %zu (%s)", kind,
           rc ? f.kind : "a pass", f.op_index, rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);
}

#ifdef PA_FUZZ_TEST_ASAN
/* A broken ASan annotation between ops: the poisoning check must fail the
 * run with the checker's identifier in the executor's report, at a check op
 * (at_op) or at the teardown. */
static void expect_poison_failure(const char *text, int what, size_t at, const char *kind, int at_op) {
    pa_input in;
    pa_exec_failure f;
    int rc = run_tampered(text, what, at, &in, &f);
    EXPECT(rc == 1 && !strcmp(f.kind, kind), "expected %s, got %s (%s)", kind, rc ? f.kind : "a pass",
           rc ? f.detail : "");
    if (rc) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        pa_exec_failure_print(m, &f, &in.cfg, in.nops);
        fclose(m);
        char head[128], sig[128];
        snprintf(head, sizeof head, "=== poolalloc fuzz failure: %s ===\n", kind);
        snprintf(sig, sizeof sig, "signature: %s@%s\n", kind, at_op ? "check" : "teardown");
        EXPECT(!strncmp(buf, head, strlen(head)) && strstr(buf, sig) && strstr(buf, "pa_check_poisoning"),
               "the report:\n%s", buf);
        free(buf);
        pa_exec_failure_free(&f);
    }
    pa_input_free(&in);
}

static void test_poisoning_fires(void) {
    expect_poison_failure("malloc 100\nmalloc 40\nmalloc 40\nfree #1\n", T_POISON_LIVE, 3,
                          "CHECK_POISON_LIVE_NOT_ADDRESSABLE", 0);
    expect_poison_failure("malloc 40\nmalloc 40\nfree #0\n", T_UNPOISON_FREE, 2, "CHECK_POISON_FREE_ADDRESSABLE", 0);
    expect_poison_failure("malloc 100\nmalloc 40\ncheck\nmalloc 40\n", T_POISON_LIVE, 1,
                          "CHECK_POISON_LIVE_NOT_ADDRESSABLE", 1);
}
#endif

/* Version 2: fault and misuse ops round-trip where a target decodes them,
 * version-1 inputs decode as before, and the misuse oracle fails when a heap
 * does not detect the misuse (a heap without the debug layer cannot). */
static void test_version2(void) {
    unsigned all = PA_OPS_FAULTS | PA_OPS_MISUSES;
    for (int round = 0; round < 300; round++) {
        uint8_t data[256];
        size_t len = rnd8();
        for (size_t i = 0; i < len; i++)
            data[i] = (uint8_t)(rnd8() % 3 ? rnd8() : 0x1c + rnd8() % 4);
        pa_op *ops, *again, *v1;
        size_t n = pa_ops_decode_features(data, len, &ops, all);
        uint8_t *buf = NULL;
        size_t blen = 0;
        EXPECT(pa_ops_encode(ops, n, &buf, &blen) == 0, "encode");
        size_t m = pa_ops_decode_features(buf, blen, &again, all);
        EXPECT(m == n && same_ops(ops, again, n), "v2 bytes -> ops -> bytes -> ops changed (round %d)", round);
        for (size_t i = 0; i < n; i++) {
            char line[256], err[200];
            pa_op back;
            pa_op_format(line, sizeof line, &ops[i], NULL);
            int rc = pa_op_parse(line, &back, err, sizeof err);
            EXPECT(rc == 1 && !memcmp(&back, &ops[i], sizeof back), "v2 text round trip of '%s': %s", line, err);
        }
        size_t k = pa_ops_decode(data, len, &v1);
        for (size_t i = 0; i < k; i++)
            EXPECT(v1[i].kind != PA_OP_FAULT && v1[i].kind != PA_OP_MISUSE, "version 1 decoded a v2 op");
        free(ops);
        free(again);
        free(v1);
        free(buf);
    }
    /* a reserved opcode is still nop without the features */
    static const uint8_t reserved[] = {0x1c, 0x1d, 0x3e, 0xff};
    pa_op *ops;
    size_t n = pa_ops_decode(reserved, sizeof reserved, &ops);
    EXPECT(n == 4 && ops[0].kind == PA_OP_NOP && ops[1].kind == PA_OP_NOP && ops[3].kind == PA_OP_NOP,
           "reserved opcodes in version 1");
    free(ops);
    n = pa_ops_decode_features(reserved, 2, &ops, PA_OPS_FAULTS);
    EXPECT(n == 1 && ops[0].kind == PA_OP_FAULT, "opcode 28 with faults on");
    free(ops);
    static const uint8_t place[] = {0xff, 9, 7, 0x3f};
    n = pa_ops_decode_features(place, sizeof place, &ops, PA_OPS_FAULTS);
    EXPECT(n == 2 && ops[0].kind == PA_OP_PLACE && pa_place_kind_of(ops[0].arg) == 3 && ops[0].step == 7 &&
               ops[1].kind == PA_OP_NOP,
           "0xff is place (kind 9 mod 6, start 7) with faults on, and 0x3f still nop");
    free(ops);
    /* the misuse kind byte: 0xff alone is api_mismatch, 0xfe alone
     * write_after_free, 0xfd stale, 0xfb plain, 0xfa bad_config; any other
     * byte still names kind b mod 5 */
    for (unsigned b = 0; b < 256; b++) {
        const uint8_t misuse[] = {0x1d, 0, 0, (uint8_t)b};
        n = pa_ops_decode_features(misuse, sizeof misuse, &ops, PA_OPS_MISUSES);
        unsigned want = b == 0xff   ? PA_MISUSE_OP_API_MISMATCH
                        : b == 0xfe ? PA_MISUSE_OP_WRITE_AFTER_FREE
                        : b == 0xfd ? PA_MISUSE_OP_STALE
                        : b == 0xfb ? PA_MISUSE_OP_PLAIN
                        : b == 0xfa ? PA_MISUSE_OP_BAD_CONFIG
                                    : b % 5;
        EXPECT(n == 1 && ops[0].kind == PA_OP_MISUSE && pa_misuse_op_of(ops[0].arg) == want,
               "misuse kind byte 0x%02x decodes as %s", b, n ? pa_misuse_op_name(ops[0].arg) : "nothing");
        free(ops);
    }

    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text(PA_TARGET_DEFAULT, "misuse foreign\n", &in, err, sizeof err) == -1,
           "the default target took a misuse op");
    EXPECT(pa_input_parse_text(PA_TARGET_MISUSE, "fault map next 1\n", &in, err, sizeof err) == -1,
           "the misuse target took a fault op");

    /* every misuse op, detected on the misuse target's debug heap */
    const char *misuses = "malloc c3-1\nmalloc 100\nmalloc 20032\nmalloc 0\n"
                          "misuse interior #0\nmisuse interior #2\nmisuse write_after #0\n"
                          "misuse write_before #0\nmisuse double_free #0\nmisuse foreign\n"
                          "alloc_many 3 c7\nmisuse write_after #2\nmisuse write_before #0\n"
                          "misuse api_mismatch #0\nmisuse api_mismatch #1\nmalloc 40\nmalloc 20032\n"
                          "misuse write_after_free #0\nmisuse write_after_free #3\nmemalign 64 100\n"
                          "misuse stale #0\nmalloc 20032\nmisuse stale #2\nmisuse plain\nmisuse plain\n"
                          "misuse bad_config alignment\nmisuse bad_config large_zeroed\ncheck\n";
    EXPECT(pa_input_parse_text(PA_TARGET_MISUSE, misuses, &in, err, sizeof err) == 0, "%s", err);
    pa_exec_failure f;
    int rc = pa_exec_run(&in.cfg, in.ops, in.nops, NULL, &f, NULL);
    EXPECT(rc == 0, "misuse ops on a debug heap: %s at op %zu: %s", rc ? f.kind : "", f.op_index, rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);
    /* a double free on a heap without the debug layer (another block keeps
     * the pool live, so not even NOT_LIVE), and a cross-API free there (it
     * keeps no API tags): the oracle must say undetected */
    expect_undetected_on_plain_heap("double_free");
    expect_undetected_on_plain_heap("api_mismatch");
    /* a double free of a pool's only block on a plain heap: at best NOT_LIVE
     * where DOUBLE_FREE is expected, so the misuse oracle fails either way */
    EXPECT(pa_input_parse_text(PA_TARGET_MISUSE, "malloc c3\nmisuse double_free #0\n", &in, err, sizeof err) == 0,
           "%s", err);
    in.cfg = pa_config_default();
    rc = pa_exec_run(&in.cfg, in.ops, in.nops, NULL, &f, NULL);
    EXPECT(rc == 1 && !strncmp(f.kind, "MISUSE_", 7) && strcmp(f.kind, "MISUSE_REPORTED") != 0,
           "double free of a lone block on a plain heap: expected a misuse oracle failure, got %s (%s)",
           rc ? f.kind : "a pass", rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);

    /* faults: a failing map makes allocations return NULL with ENOMEM, and
     * the run still passes (teardown accounts for every byte) */
    const char *faults = "fault map for 4\nmalloc c3\nalloc_many 40 c31\nmalloc 65536\nfault map next 2\n"
                         "alloc_many 200 c31\nfault unmap for 3\nfree_range #0 150\nfault decommit for 3\n"
                         "free_range #0 40 step 2\nfault recommit next 1\nalloc_many 60 c30\n"
                         "realloc #3 c29\nfault unmap next 1\nfree_all\ncheck\n";
    EXPECT(pa_input_parse_text(PA_TARGET_FAULT, faults, &in, err, sizeof err) == 0, "%s", err);
    pa_exec_stats st;
    rc = pa_exec_run(&in.cfg, in.ops, in.nops, NULL, &f, &st);
    EXPECT(rc == 0, "fault ops: %s at op %zu: %s", rc ? f.kind : "", f.op_index, rc ? f.detail : "");
    EXPECT(rc || st.null_results > 0, "no allocation failed under an armed map fault");
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);
}

/* The fuzz logic as a seeded test: random inputs through both heap targets
 * (the config target's prefix ranging over the configuration space) must
 * pass every check. */
/* The address-placing OS layer maps where it is told and falls back to
 * wherever mmap puts a region when that place is taken. */
static void test_placer(void) {
    os_placer pl;
    pa_os_ops os = pa_os_placer_init(&pl);
    const size_t a = 65536;
    EXPECT(pa_os_placer_target(&pl, a, a) == 0, "kernel placement names an address");
    void *first = os.map(os.ctx, a, a);
    EXPECT(first && (uintptr_t)first % a == 0, "kernel map %p", first);
    pa_os_placer_set(&pl, PA_PLACE_ADJACENT, 0);
    EXPECT(pa_os_placer_target(&pl, a, a) == (uintptr_t)first + a, "adjacent is not right after %p", first);
    EXPECT(os.unmap(os.ctx, first, a) == 0, "unmap");
    pa_os_placer_set(&pl, PA_PLACE_REUSE, 0);
    void *again = os.map(os.ctx, a, a);
    EXPECT(again == first && pl.placed == 1, "reuse: %p, not the range %p just given back (%zu placed)", again, first,
           pl.placed);
    void *other = os.map(os.ctx, a, a); /* the same place, now taken */
    EXPECT(other && other != first && (uintptr_t)other % a == 0 && pl.fell_back == 1,
           "a taken place: %p (the taken one %p), %zu fallbacks", other, first, pl.fell_back);
    pa_os_placer_set(&pl, PA_PLACE_FAR, 2);
    uintptr_t far0 = pa_os_placer_target(&pl, a, a);
    void *far = os.map(os.ctx, a, a);
    EXPECT(far && (uintptr_t)far % a == 0 && ((uintptr_t)far == far0 || pl.fell_back == 2), "far: %p", far);
    EXPECT(pa_os_placer_target(&pl, a, a) == far0 + ((uintptr_t)1 << 38), "the next far map is not 2^38 further");
    os.unmap(os.ctx, far, a);
    os.unmap(os.ctx, other, a);
    os.unmap(os.ctx, again, a);
}

static void test_random_inputs(void) {
    for (int round = 0; round < 200; round++) {
        uint8_t data[512];
        size_t len = 40 + (size_t)rnd8() + rnd8() / 2; /* at most 422 */
        for (size_t i = 0; i < len; i++)
            data[i] = rnd8();
        static const pa_target targets[4] = {PA_TARGET_DEFAULT, PA_TARGET_CONFIG, PA_TARGET_FAULT,
                                             PA_TARGET_MISUSE};
        pa_target t = targets[round % 4];
        pa_input in;
        pa_input_decode(t, data, len, &in);
        pa_exec_failure f;
        int rc = pa_exec_run(&in.cfg, in.ops, in.nops, NULL, &f, NULL);
        char cfg[256];
        pa_config_format(cfg, sizeof cfg, &in.cfg);
        EXPECT(rc == 0, "random input %d (%s): %s at op %zu: %s", round, cfg, rc ? f.kind : "", f.op_index,
               rc ? f.detail : "");
        if (rc)
            pa_exec_failure_free(&f);
        pa_input_free(&in);
    }
}

int main(void) {
    test_bytes_text_round_trip();
    test_text_errors();
    test_renumber();
    test_address_index();
    test_remove_slots();
    test_pattern();
    test_pattern_short();
    test_oracles_fire();
#ifdef PA_FUZZ_TEST_ASAN
    test_poisoning_fires();
#endif
    test_version2();
    test_random_inputs();
    test_placer();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
