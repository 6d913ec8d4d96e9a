/* A strict recursive-descent JSON syntax checker, enough to say that the
 * statistics printer writes one well-formed object and to read its numbers. */
#include <string.h>

#include "pa_test_text.h"

typedef struct cursor {
    const char *p;
    int depth;
    /* lookup of one key at the top level */
    const char *key;
    const char *found;   /* where its value starts */
} cursor;

static int value(cursor *c);

static void ws(cursor *c) {
    while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
        c->p++;
}

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static int is_hex(char ch) {
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* On success start and len delimit the raw contents between the quotes. */
static int string(cursor *c, const char **start, size_t *len) {
    if (*c->p != '"')
        return 0;
    const char *s = ++c->p;
    for (;;) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '"')
            break;
        if (ch < 0x20)
            return 0;
        if (ch == '\\') {
            c->p++;
            if (*c->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!is_hex(c->p[i]))
                        return 0;
                c->p += 4;
            } else if (!strchr("\"\\/bfnrt", *c->p) || !*c->p) {
                return 0;
            }
        }
        c->p++;
    }
    *start = s;
    *len = (size_t)(c->p - s);
    c->p++;
    return 1;
}

static int number(cursor *c) {
    if (*c->p == '-')
        c->p++;
    if (*c->p == '0')
        c->p++;
    else if (is_digit(*c->p))
        while (is_digit(*c->p))
            c->p++;
    else
        return 0;
    if (*c->p == '.') {
        c->p++;
        if (!is_digit(*c->p))
            return 0;
        while (is_digit(*c->p))
            c->p++;
    }
    if (*c->p == 'e' || *c->p == 'E') {
        c->p++;
        if (*c->p == '+' || *c->p == '-')
            c->p++;
        if (!is_digit(*c->p))
            return 0;
        while (is_digit(*c->p))
            c->p++;
    }
    return 1;
}

static int literal(cursor *c, const char *word) {
    size_t n = strlen(word);
    if (strncmp(c->p, word, n))
        return 0;
    c->p += n;
    return 1;
}

static int members(cursor *c, char close, int is_object) {
    c->p++;
    ws(c);
    if (*c->p == close) {
        c->p++;
        return 1;
    }
    for (;;) {
        ws(c);
        if (is_object) {
            const char *k;
            size_t klen;
            if (!string(c, &k, &klen))
                return 0;
            ws(c);
            if (*c->p != ':')
                return 0;
            c->p++;
            ws(c);
            if (c->depth == 1 && c->key && strlen(c->key) == klen && !strncmp(k, c->key, klen))
                c->found = c->p;
        }
        if (!value(c))
            return 0;
        ws(c);
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p != close)
            return 0;
        c->p++;
        return 1;
    }
}

static int value(cursor *c) {
    ws(c);
    int ok;
    const char *s;
    size_t n;
    switch (*c->p) {
    case '{':
    case '[':
        if (++c->depth > 64)
            return 0;
        ok = members(c, *c->p == '{' ? '}' : ']', *c->p == '{');
        c->depth--;
        return ok;
    case '"':
        return string(c, &s, &n);
    case 't':
        return literal(c, "true");
    case 'f':
        return literal(c, "false");
    case 'n':
        return literal(c, "null");
    default:
        return number(c);
    }
}

static const char *parse(const char *text, const char *key) {
    cursor c = {text, 0, key, NULL};
    if (!value(&c))
        return NULL;
    ws(&c);
    if (*c.p)
        return NULL;
    return key ? c.found : text;
}

int pa_test_json_valid(const char *text) { return parse(text, NULL) != NULL; }

/* The unsigned integer starting at v; -1 if none. */
static int read_u64(const char *v, unsigned long long *out) {
    if (!v || !is_digit(*v))
        return -1;
    unsigned long long x = 0;
    for (; is_digit(*v); v++)
        x = x * 10 + (unsigned long long)(*v - '0');
    if (*v == '.' || *v == 'e' || *v == 'E')
        return -1;
    *out = x;
    return 0;
}

int pa_test_json_top_u64(const char *text, const char *key, unsigned long long *out) {
    return read_u64(parse(text, key), out);
}

int pa_test_json_element_u64(const char *text, const char *array, size_t index, const char *key,
                             unsigned long long *out) {
    const char *v = parse(text, array);
    if (!v || *v != '[')
        return -1;
    cursor c = {v + 1, 2, NULL, NULL};
    for (size_t i = 0; i < index; i++) {
        if (!value(&c))
            return -1;
        ws(&c);
        if (*c.p != ',')
            return -1;
        c.p++;
    }
    ws(&c);
    /* The element alone: its own members are at depth 1. */
    cursor e = {c.p, 0, key, NULL};
    if (*c.p != '{' || !value(&e))
        return -1;
    return read_u64(e.found, out);
}

long pa_test_json_top_array_len(const char *text, const char *key) {
    const char *v = parse(text, key);
    if (!v || *v != '[')
        return -1;
    /* count the top-level elements of the array by re-parsing them */
    cursor c = {v + 1, 2, NULL, NULL};
    ws(&c);
    if (*c.p == ']')
        return 0;
    long n = 0;
    for (;;) {
        if (!value(&c))
            return -1;
        n++;
        ws(&c);
        if (*c.p == ']')
            return n;
        if (*c.p != ',')
            return -1;
        c.p++;
    }
}
