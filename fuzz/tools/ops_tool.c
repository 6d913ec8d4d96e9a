/* pa-ops: the op language's two forms, both ways.
 *   pa-ops decode [--target T] IN [OUT]   bytes -> text
 *   pa-ops encode [--target T] IN [OUT]   text -> canonical bytes
 * "-" or no OUT: stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

static int usage(void) {
    fputs("usage: pa-ops decode|encode [--target default|config|fault|misuse] [--numbered] IN [OUT]\n", stderr);
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 3)
        return usage();
    const char *mode = argv[1], *in_path = NULL, *out_path = NULL;
    int target = PA_TARGET_DEFAULT, numbered = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--target") && i + 1 < argc) {
            target = pa_target_from_name(argv[++i]);
            if (target < 0 || !pa_target_is_heap((pa_target)target)) {
                fprintf(stderr, "pa-ops: target %s has no op encoding\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--numbered")) {
            numbered = 1;
        } else if (!in_path) {
            in_path = argv[i];
        } else if (!out_path) {
            out_path = argv[i];
        } else {
            return usage();
        }
    }
    if (!in_path)
        return usage();
    size_t len;
    uint8_t *data = pa_read_file(in_path, &len);
    if (!data) {
        fprintf(stderr, "pa-ops: cannot read %s\n", in_path);
        return 2;
    }
    FILE *out = !out_path || !strcmp(out_path, "-") ? stdout : fopen(out_path, "wb");
    if (!out) {
        fprintf(stderr, "pa-ops: cannot write %s\n", out_path);
        return 2;
    }
    pa_input in;
    int rc = 0;
    if (!strcmp(mode, "decode")) {
        pa_input_decode((pa_target)target, data, len, &in);
        pa_input_print(out, (pa_target)target, &in, numbered);
    } else if (!strcmp(mode, "encode")) {
        char err[300];
        uint8_t *buf;
        size_t blen;
        if (pa_input_parse_text((pa_target)target, (const char *)data, &in, err, sizeof err)) {
            fprintf(stderr, "%s:%s\n", in_path, err);
            rc = 1;
        } else if (pa_input_encode((pa_target)target, &in, &buf, &blen, err, sizeof err)) {
            fprintf(stderr, "%s: %s\n", in_path, err);
            rc = 1;
        } else {
            fwrite(buf, 1, blen, out);
            free(buf);
        }
    } else {
        return usage();
    }
    pa_input_free(&in);
    free(data);
    if (out != stdout && fclose(out)) {
        fprintf(stderr, "pa-ops: cannot write %s\n", out_path);
        return 2;
    }
    return rc;
}
