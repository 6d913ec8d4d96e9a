/* Unit tests of trace_format.c and trace_u64map.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace_format.h"
#include "trace_u64map.h"

static void assert_op_equal(const pa_trace_op *got, const pa_trace_op *want)
{
    assert_int_equal(got->kind, want->kind);
    assert_true(got->id == want->id);
    assert_true(got->new_id == want->new_id);
    assert_true(got->count == want->count);
    assert_true(got->align == want->align);
    assert_true(got->size == want->size);
}

/* ---- pa_trace_parse_line: accepted lines ------------------------------ */

typedef struct good_line {
    const char *text;
    pa_trace_op want;
} good_line;

static const good_line GOOD[] = {
    {"m 1 16", {PA_TRACE_MALLOC, 1, 0, 0, 0, 16, 0, 0}},
    {"c 2 3 8", {PA_TRACE_CALLOC, 2, 0, 3, 0, 8, 0, 0}},
    {"r 1 2 100", {PA_TRACE_REALLOC, 1, 2, 0, 0, 100, 0, 0}},
    {"r 0 4 7", {PA_TRACE_REALLOC, 0, 4, 0, 0, 7, 0, 0}},
    {"f 9", {PA_TRACE_FREE, 9, 0, 0, 0, 0, 0, 0}},
    {"f 0", {PA_TRACE_FREE, 0, 0, 0, 0, 0, 0, 0}},
    {"a 3 64 100", {PA_TRACE_ALIGNED, 3, 0, 0, 64, 100, 0, 0}},
    {"a 3 1 5", {PA_TRACE_ALIGNED, 3, 0, 0, 1, 5, 0, 0}},
    {"  \tm\t5   0 \t", {PA_TRACE_MALLOC, 5, 0, 0, 0, 0, 0, 0}},
    {"m 7 8\r", {PA_TRACE_MALLOC, 7, 0, 0, 0, 8, 0, 0}},
    {"m 7 8\n", {PA_TRACE_MALLOC, 7, 0, 0, 0, 8, 0, 0}},
    {"m 007 0010", {PA_TRACE_MALLOC, 7, 0, 0, 0, 10, 0, 0}},
    /* past 19 digits the overflow test starts: zeros in front still fit */
    {"m 0000000000000000000000000007 000000000000000000018446744073709551615",
     {PA_TRACE_MALLOC, 7, 0, 0, 0, UINT64_MAX, 0, 0}},
    {"m 1 9999999999999999999", {PA_TRACE_MALLOC, 1, 0, 0, 0, UINT64_C(9999999999999999999), 0, 0}},
    {"m 18446744073709551615 18446744073709551615",
     {PA_TRACE_MALLOC, UINT64_MAX, 0, 0, 0, UINT64_MAX, 0, 0}},
    {"a 1 9223372036854775808 1", {PA_TRACE_ALIGNED, 1, 0, 0, UINT64_C(9223372036854775808), 1, 0, 0}},
    /* a calloc that returned NULL may have asked for too much */
    {"c 0 3 6148914691236517206", {PA_TRACE_CALLOC, 0, 0, 3, 0, UINT64_C(6148914691236517206), 0, 0}},
    {"c 1 0 18446744073709551615", {PA_TRACE_CALLOC, 1, 0, 0, 0, UINT64_MAX, 0, 0}},
};

static void test_parse_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof GOOD / sizeof GOOD[0]; i++) {
        pa_trace_op op;
        memset(&op, 0xa5, sizeof op);
        char err[256] = "";
        int rc = pa_trace_parse_line(GOOD[i].text, &op, err, sizeof err);
        if (rc != 1)
            print_error("line %zu \"%s\": %s\n", i, GOOD[i].text, err);
        assert_int_equal(rc, 1);
        assert_op_equal(&op, &GOOD[i].want);
    }
}

static void test_parse_blank_and_comment(void **state)
{
    (void)state;
    const char *lines[] = {"", "   ", "\t\r", "\n", "#", "# m 1 2", "   # indented comment", "#x y z"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        pa_trace_op op;
        char err[64] = "";
        assert_int_equal(pa_trace_parse_line(lines[i], &op, err, sizeof err), 0);
    }
}

/* ---- pa_trace_parse_line: each malformed kind and its message ---------- */

typedef struct bad_line {
    const char *text;
    const char *message;
} bad_line;

static const bad_line BAD[] = {
    {"x 1 2", "unknown op \"x\" (expected one of m c r f a)"},
    {"M 1 2", "unknown op \"M\" (expected one of m c r f a)"},
    {"mm 1 2", "unknown op \"mm\" (expected one of m c r f a)"},
    {"1 2 3", "unknown op \"1\" (expected one of m c r f a)"},
    {"malloc 1 2", "unknown op \"malloc\" (expected one of m c r f a)"},
    {"m\x01 1 2", "unknown op \"m?\" (expected one of m c r f a)"},
    {"m", "m: missing ID (expected \"m ID SIZE\")"},
    {"m 1", "m: missing SIZE (expected \"m ID SIZE\")"},
    {"c 1 2", "c: missing SIZE (expected \"c ID N SIZE\")"},
    {"c 1", "c: missing N (expected \"c ID N SIZE\")"},
    {"r 1 2", "r: missing SIZE (expected \"r OLD_ID NEW_ID SIZE\")"},
    {"r", "r: missing OLD_ID (expected \"r OLD_ID NEW_ID SIZE\")"},
    {"r 1", "r: missing NEW_ID (expected \"r OLD_ID NEW_ID SIZE\")"},
    {"f", "f: missing ID (expected \"f ID\")"},
    {"a 1 16", "a: missing SIZE (expected \"a ID ALIGN SIZE\")"},
    {"a 1", "a: missing ALIGN (expected \"a ID ALIGN SIZE\")"},
    {"m 1 2 3", "m: extra field \"3\" (expected \"m ID SIZE\")"},
    {"f 1 2", "f: extra field \"2\" (expected \"f ID\")"},
    {"f 1 # trailing", "f: extra field \"#\" (expected \"f ID\")"},
    {"c 1 2 3 4 5 6", "c: extra field \"4\" (expected \"c ID N SIZE\")"},
    {"r 1 2 3 x", "r: extra field \"x\" (expected \"r OLD_ID NEW_ID SIZE\")"},
    {"a 1 2 3 4", "a: extra field \"4\" (expected \"a ID ALIGN SIZE\")"},
    {"m 1 12x", "m: SIZE \"12x\" is not a decimal number"},
    {"m -1 8", "m: ID \"-1\" is not a decimal number"},
    {"m +1 8", "m: ID \"+1\" is not a decimal number"},
    {"c 1 0x10 8", "c: N \"0x10\" is not a decimal number"},
    {"r 1 two 8", "r: NEW_ID \"two\" is not a decimal number"},
    {"f 1.0", "f: ID \"1.0\" is not a decimal number"},
    {"a 1 16 8k", "a: SIZE \"8k\" is not a decimal number"},
    {"m 1 18446744073709551616", "m: SIZE \"18446744073709551616\" is out of range (max 18446744073709551615)"},
    {"f 99999999999999999999", "f: ID \"99999999999999999999\" is out of range (max 18446744073709551615)"},
    {"m 1 123456789012345678901234567890",
     "m: SIZE \"123456789012345678901234...\" is out of range (max 18446744073709551615)"},
    {"a 1 24 8", "a: ALIGN 24 is not a power of two"},
    {"a 1 0 8", "a: ALIGN 0 is not a power of two"},
    {"a 1 18446744073709551615 8", "a: ALIGN 18446744073709551615 is not a power of two"},
    {"c 1 3 6148914691236517206", "c: N * SIZE overflows 64 bits (3 * 6148914691236517206)"},
};

static void test_parse_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        pa_trace_op op;
        char err[256] = "";
        int rc = pa_trace_parse_line(BAD[i].text, &op, err, sizeof err);
        if (rc != -1 || strcmp(err, BAD[i].message) != 0)
            print_error("line %zu \"%s\": rc %d, \"%s\"\n", i, BAD[i].text, rc, err);
        assert_int_equal(rc, -1);
        assert_string_equal(err, BAD[i].message);
    }
}

static void test_parse_err_buffer_edges(void **state)
{
    (void)state;
    pa_trace_op op;
    assert_int_equal(pa_trace_parse_line("q", &op, NULL, 0), -1);
    char tiny[8];
    assert_int_equal(pa_trace_parse_line("q", &op, tiny, sizeof tiny), -1);
    assert_string_equal(tiny, "unknown");
    assert_int_equal(pa_trace_parse_line("m 1 2", NULL, NULL, 0), 1);
}

/* ---- pa_trace_read ----------------------------------------------------- */

static FILE *file_with(const char *text, size_t len)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    rewind(f);
    return f;
}

static int read_text(const char *text, const char *name, pa_trace *t, char *err, size_t err_len)
{
    FILE *f = file_with(text, strlen(text));
    int rc = pa_trace_read(f, name, t, err, err_len);
    fclose(f);
    return rc;
}

static void test_read_good(void **state)
{
    (void)state;
    const char *text = "# header comment\n"
                       "\n"
                       "m 1 8\n"
                       "c 2 1 8\r\n"
                       "r 1 3 16\n"
                       "f 2\n"
                       "a 4 64 8\n"
                       "r 3 0 0\n"   /* realloc(p, 0) freed 3 */
                       "f 4\n"
                       "m 1 5\n"     /* 1 died at line 5: may be reused */
                       "r 1 1 9\n"   /* in place, same ID */
                       "r 1 0 20\n"  /* failed: 1 stays live */
                       "f 1\n"
                       "f 0\n"
                       "m 0 99\n"
                       "r 0 6 3\n"
                       "  # indented comment\n"
                       "f 6";        /* no final newline */
    pa_trace t;
    char err[256] = "";
    int rc = read_text(text, "good.trace", &t, err, sizeof err);
    if (rc != 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(t.nops, 15);
    assert_true(t.max_id == 6);
    assert_int_equal(t.ops[0].kind, PA_TRACE_MALLOC);
    assert_int_equal(t.ops[1].kind, PA_TRACE_CALLOC);
    assert_true(t.ops[1].count == 1 && t.ops[1].size == 8);
    assert_int_equal(t.ops[2].kind, PA_TRACE_REALLOC);
    assert_true(t.ops[2].id == 1 && t.ops[2].new_id == 3 && t.ops[2].size == 16);
    assert_int_equal(t.ops[4].kind, PA_TRACE_ALIGNED);
    assert_true(t.ops[4].align == 64);
    assert_int_equal(t.ops[14].kind, PA_TRACE_FREE);
    assert_true(t.ops[14].id == 6);
    /* slots: dense, the last freed handed out first, a realloc's new ID in
     * its old one's slot */
    static const uint64_t slot[15] = {0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1};
    static const uint64_t new_slot[15] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
    for (size_t i = 0; i < 15; i++) {
        if (t.ops[i].slot != slot[i] || t.ops[i].new_slot != new_slot[i])
            print_error("op %zu: slot %llu new_slot %llu\n", i, (unsigned long long)t.ops[i].slot,
                        (unsigned long long)t.ops[i].new_slot);
        assert_true(t.ops[i].slot == slot[i] && t.ops[i].new_slot == new_slot[i]);
    }
    pa_trace_free(&t);
    assert_null(t.ops);
    assert_int_equal(t.nops, 0);
}

static void test_read_empty(void **state)
{
    (void)state;
    pa_trace t;
    char err[64] = "";
    assert_int_equal(read_text("", "e", &t, err, sizeof err), 0);
    assert_int_equal(t.nops, 0);
    assert_true(t.max_id == 0);
    pa_trace_free(&t);
    assert_int_equal(read_text("# only\n\n#\n", "e", &t, err, sizeof err), 0);
    assert_int_equal(t.nops, 0);
    pa_trace_free(&t);
}

static void test_read_long_line(void **state)
{
    (void)state;
    size_t pad = 100000;
    char *text = malloc(pad + 32);
    assert_non_null(text);
    memset(text, ' ', pad);
    strcpy(text + pad, "m 1 8\nf 1\n");
    pa_trace t;
    char err[64] = "";
    assert_int_equal(read_text(text, "long", &t, err, sizeof err), 0);
    assert_int_equal(t.nops, 2);
    pa_trace_free(&t);
    free(text);
}

typedef struct bad_trace {
    const char *text;
    const char *message;
} bad_trace;

static const bad_trace BAD_TRACES[] = {
    {"m 1 8\nm 1 8\n", "t.trace:2: m: ID 1 is already live"},
    {"c 1 1 8\nc 1 2 8\n", "t.trace:2: c: ID 1 is already live"},
    {"a 1 16 8\n\na 1 16 8\n", "t.trace:3: a: ID 1 is already live"},
    {"m 1 8\na 1 16 8\n", "t.trace:2: a: ID 1 is already live"},
    {"f 7\n", "t.trace:1: f: ID 7 is not live"},
    {"m 1 8\nf 1\nf 1\n", "t.trace:3: f: ID 1 is not live"},
    {"r 5 6 8\n", "t.trace:1: r: OLD_ID 5 is not live"},
    {"m 1 8\nm 2 8\nr 1 2 16\n", "t.trace:3: r: NEW_ID 2 is already live"},
    {"m 1 8\nr 0 1 8\n", "t.trace:2: r: NEW_ID 1 is already live"},
    {"m 1 8\nr 1 0 0\nf 1\n", "t.trace:3: f: ID 1 is not live"},
    {"m 1 8\nr 1 2 8\nf 1\n", "t.trace:3: f: ID 1 is not live"},
    {"m 1 8\nr 1 2 8\nr 1 3 8\n", "t.trace:3: r: OLD_ID 1 is not live"},
    {"# c\nm 1 8\nq\n", "t.trace:3: unknown op \"q\" (expected one of m c r f a)"},
    {"m 1 8\n\n\nm 2\n", "t.trace:4: m: missing SIZE (expected \"m ID SIZE\")"},
    {"m 1 8 9\n", "t.trace:1: m: extra field \"9\" (expected \"m ID SIZE\")"},
    {"m 1 8\r\nm 2 z\r\n", "t.trace:2: m: SIZE \"z\" is not a decimal number"},
    {"a 1 3 8\n", "t.trace:1: a: ALIGN 3 is not a power of two"},
    {"m 1 99999999999999999999\n",
     "t.trace:1: m: SIZE \"99999999999999999999\" is out of range (max 18446744073709551615)"},
};

static void test_read_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD_TRACES / sizeof BAD_TRACES[0]; i++) {
        pa_trace t;
        memset(&t, 0xa5, sizeof t);
        char err[256] = "";
        int rc = read_text(BAD_TRACES[i].text, "t.trace", &t, err, sizeof err);
        if (rc != -1 || strcmp(err, BAD_TRACES[i].message) != 0)
            print_error("trace %zu: rc %d, \"%s\"\n", i, rc, err);
        assert_int_equal(rc, -1);
        assert_string_equal(err, BAD_TRACES[i].message);
        /* nothing is left allocated, and *out is an empty trace */
        assert_null(t.ops);
        assert_int_equal(t.nops, 0);
    }
}

static void test_read_nul_byte(void **state)
{
    (void)state;
    static const char text[] = "m 1 8\nm 2\0 8\n";
    FILE *f = file_with(text, sizeof text - 1);
    pa_trace t;
    char err[128] = "";
    assert_int_equal(pa_trace_read(f, "nul", &t, err, sizeof err), -1);
    fclose(f);
    assert_string_equal(err, "nul:2: NUL byte in line");
}

static void test_read_default_name(void **state)
{
    (void)state;
    pa_trace t;
    char err[128] = "";
    assert_int_equal(read_text("f 3\n", NULL, &t, err, sizeof err), -1);
    assert_string_equal(err, "<trace>:1: f: ID 3 is not live");
}

static void test_read_many_ids(void **state)
{
    (void)state;
    /* Enough live IDs to grow the ID set several times, sparse and dense. */
    FILE *f = tmpfile();
    assert_non_null(f);
    const uint64_t n = 50000;
    for (uint64_t i = 1; i <= n; i++)
        fprintf(f, "m %llu %llu\n", (unsigned long long)(i * 1000003u), (unsigned long long)i % 300);
    for (uint64_t i = 1; i <= n; i += 2)
        fprintf(f, "f %llu\n", (unsigned long long)(i * 1000003u));
    for (uint64_t i = 1; i <= n; i += 2)
        fprintf(f, "m %llu 1\n", (unsigned long long)(i * 1000003u));
    fprintf(f, "m 2000006 1\n"); /* 2 * 1000003 was never freed */
    rewind(f);
    pa_trace t;
    char err[128] = "";
    assert_int_equal(pa_trace_read(f, "many", &t, err, sizeof err), -1);
    assert_string_equal(err, "many:100001: m: ID 2000006 is already live");
    fclose(f);
}

/* Random ops on a few hundred IDs: every live ID's slot is its own, and
 * every slot is below the most IDs live at once. */
static void test_reader_slots(void **state)
{
    (void)state;
    enum { IDS = 300, OPS = 20000 };
    static uint64_t slot_of[IDS + 1]; /* 0: not live, else slot + 1 */
    memset(slot_of, 0, sizeof slot_of);
    size_t cap = OPS * 32, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    uint64_t rng = 88172645463325252ull;
    for (int k = 0; k < OPS; k++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint64_t id = rng % IDS + 1, other = (rng >> 20) % IDS + 1;
        int live = slot_of[id] != 0;
        if (!live)
            len += (size_t)snprintf(text + len, cap - len, "m %llu 8\n", (unsigned long long)id), slot_of[id] = 1;
        else if (rng >> 40 & 1)
            len += (size_t)snprintf(text + len, cap - len, "f %llu\n", (unsigned long long)id), slot_of[id] = 0;
        else if (!slot_of[other])
            len += (size_t)snprintf(text + len, cap - len, "r %llu %llu 9\n", (unsigned long long)id,
                                    (unsigned long long)other),
                slot_of[id] = 0, slot_of[other] = 1;
    }
    memset(slot_of, 0, sizeof slot_of);
    FILE *in = tmpfile();
    assert_non_null(in);
    assert_true(fwrite(text, 1, len, in) == len);
    rewind(in);
    pa_trace_reader *r = pa_trace_reader_new(in, "slots");
    static uint64_t id_in[IDS]; /* by slot: its live ID, 0: none */
    memset(id_in, 0, sizeof id_in);
    pa_trace_op op;
    char err[128];
    size_t peak = 0;
    while (pa_trace_reader_next(r, &op, err, sizeof err) == 1) {
        if (op.kind == PA_TRACE_FREE || op.kind == PA_TRACE_REALLOC) {
            assert_true(slot_of[op.id] == op.slot + 1 && id_in[op.slot] == op.id);
            slot_of[op.id] = 0;
            id_in[op.slot] = 0;
        }
        uint64_t id = op.kind == PA_TRACE_REALLOC ? op.new_id : op.kind == PA_TRACE_FREE ? 0 : op.id;
        uint64_t s = op.kind == PA_TRACE_REALLOC ? op.new_slot : op.slot;
        if (id) {
            assert_true(s < IDS && id_in[s] == 0);
            id_in[s] = id;
            slot_of[id] = s + 1;
        }
        if (pa_trace_reader_live(r) > peak)
            peak = pa_trace_reader_live(r);
    }
    assert_true(pa_trace_reader_slots(r) == peak);
    pa_trace_reader_free(r);
    fclose(in);
    free(text);
}

/* ---- pa_trace_write_op -------------------------------------------------- */

static void test_write_round_trip(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    pa_trace_op ops[] = {
        {PA_TRACE_MALLOC, 1, 0, 0, 0, 16, 0, 0},
        {PA_TRACE_CALLOC, 2, 0, 4, 0, 32, 0, 0},
        {PA_TRACE_REALLOC, 1, 3, 0, 0, UINT64_MAX, 0, 0},
        {PA_TRACE_FREE, 2, 0, 0, 0, 0, 0, 0},
        {PA_TRACE_ALIGNED, 4, 0, 0, 4096, 100, 0, 0},
        {PA_TRACE_FREE, 0, 0, 0, 0, 0, 0, 0},
    };
    size_t n = sizeof ops / sizeof ops[0];
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pa_trace_write_op(f, &ops[i]), 0);
    rewind(f);
    char text[256];
    size_t got = fread(text, 1, sizeof text - 1, f);
    text[got] = '\0';
    assert_string_equal(text, "m 1 16\nc 2 4 32\nr 1 3 18446744073709551615\nf 2\na 4 4096 100\nf 0\n");
    rewind(f);
    pa_trace t;
    char err[128] = "";
    assert_int_equal(pa_trace_read(f, "rt", &t, err, sizeof err), 0);
    fclose(f);
    assert_int_equal(t.nops, n);
    for (size_t i = 0; i < n; i++)
        assert_op_equal(&t.ops[i], &ops[i]);
    pa_trace_free(&t);

    pa_trace_op bogus = {(pa_trace_kind)'z', 1, 0, 0, 0, 1, 0, 0};
    f = tmpfile();
    assert_non_null(f);
    assert_int_equal(pa_trace_write_op(f, &bogus), -1);
    fclose(f);
}

/* ---- the ID map -------------------------------------------------------- */

static void test_u64map_against_reference(void **state)
{
    (void)state;
    enum { KEYS = 3000, STEPS = 200000 };
    static uint64_t ref[KEYS + 1]; /* 0: absent, else value + 1 */
    memset(ref, 0, sizeof ref);
    pa_u64map m;
    pa_u64map_init_heap(&m);
    uint64_t seed = 12345;
    size_t live = 0;
    for (int step = 0; step < STEPS; step++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        uint64_t k = (seed >> 33) % KEYS + 1;
        /* spread keys like addresses so that runs wrap around the table */
        uint64_t key = k << 4;
        uint64_t v;
        if ((seed >> 20) % 3 != 0) {
            uint64_t old = 0;
            int rc = pa_u64map_put(&m, key, step, &old);
            assert_int_equal(rc, ref[k] ? 0 : 1);
            if (ref[k])
                assert_true(old == ref[k] - 1);
            else
                live++;
            ref[k] = (uint64_t)step + 1;
        } else {
            bool had = pa_u64map_remove(&m, key, &v);
            assert_int_equal(had, ref[k] != 0);
            if (had) {
                assert_true(v == ref[k] - 1);
                live--;
            }
            ref[k] = 0;
        }
        assert_int_equal(m.len, live);
        if (step % 9973 == 0) {
            for (uint64_t j = 1; j <= KEYS; j++) {
                bool has = pa_u64map_get(&m, j << 4, &v);
                assert_int_equal(has, ref[j] != 0);
                if (has)
                    assert_true(v == ref[j] - 1);
            }
        }
    }
    assert_false(pa_u64map_get(&m, 0, NULL));
    assert_false(pa_u64map_remove(&m, 0, NULL));
    pa_u64map_clear(&m);
    assert_int_equal(m.len, 0);
    assert_false(pa_u64map_get(&m, 16, NULL));
    assert_int_equal(pa_u64map_put(&m, 16, 1, NULL), 1);
    pa_u64map_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_blank_and_comment),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_parse_err_buffer_edges),
        cmocka_unit_test(test_read_good),
        cmocka_unit_test(test_read_empty),
        cmocka_unit_test(test_read_long_line),
        cmocka_unit_test(test_read_bad),
        cmocka_unit_test(test_read_nul_byte),
        cmocka_unit_test(test_read_default_name),
        cmocka_unit_test(test_read_many_ids),
        cmocka_unit_test(test_reader_slots),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_u64map_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
