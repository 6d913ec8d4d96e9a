/* pa-ops: the op language's two forms, both ways.
 *   pa-ops decode [--target T] IN [OUT]   bytes -> text
 *   pa-ops encode [--target T] IN [OUT]   text -> canonical bytes
 * "-" or no OUT: stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"

static const char USAGE[] =
    "usage: pa-ops decode|encode [--target default|config|fault|misuse] [--numbered] IN [OUT]\n"
    "  decode   bytes -> text; encode   text -> canonical bytes\n"
    "  OUT '-' or absent: standard output\n"
    "exit status: 0 done, 1 IN is malformed text, 2 usage or I/O error\n";

/* IN's contents in the other form to out: 0, or 1 (malformed text). */
static int convert(int encode, pa_target target, int numbered, const char *in_path, const uint8_t *data,
                   size_t len, FILE *out) {
    pa_input in;
    if (!encode) {
        pa_input_decode(target, data, len, &in);
        pa_input_print(out, target, &in, numbered);
        pa_input_free(&in);
        return 0;
    }
    char err[300];
    if (pa_input_parse_text(target, (const char *)data, &in, err, sizeof err)) {
        fprintf(stderr, "%s:%s\n", in_path, err);
        return 1;
    }
    uint8_t *buf;
    size_t blen;
    int rc = 0;
    if (pa_input_encode(target, &in, &buf, &blen, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", in_path, err);
        rc = 1;
    } else {
        fwrite(buf, 1, blen, out);
        free(buf);
    }
    pa_input_free(&in);
    return rc;
}

int main(int argc, char **argv) {
    pa_cli cli = {"pa-ops", USAGE, argc, argv};
    if (argc >= 2 && pa_cli_is_help(argv[1]))
        return pa_cli_help(&cli);
    if (argc < 2)
        return pa_cli_error(&cli, "decode or encode?");
    const char *mode = argv[1], *in_path = NULL, *out_path = NULL;
    if (mode[0] == '-' && mode[1])
        return pa_cli_error(&cli, "unknown option %s", mode);
    if (strcmp(mode, "decode") && strcmp(mode, "encode"))
        return pa_cli_error(&cli, "unknown command \"%s\" (decode or encode)", mode);
    int target = PA_TARGET_DEFAULT, numbered = 0;
    for (int i = 2; i < argc; i++) {
        if (pa_cli_is_help(argv[i])) {
            return pa_cli_help(&cli);
        } else if (!strcmp(argv[i], "--target")) {
            const char *name = pa_cli_operand(&cli, &i);
            if (!name)
                return PA_CLI_USAGE;
            target = pa_target_from_name(name);
            if (target < 0 || !pa_target_is_heap((pa_target)target))
                return pa_cli_error(&cli, "target %s has no op encoding", name);
        } else if (!strcmp(argv[i], "--numbered")) {
            numbered = 1;
        } else if (pa_cli_positional(&cli, argv[i], &in_path, &out_path, "one IN and at most one OUT")) {
            return PA_CLI_USAGE;
        }
    }
    if (!in_path)
        return pa_cli_error(&cli, "no IN file");
    size_t len;
    uint8_t *data = pa_read_file(in_path, &len);
    if (!data) {
        fprintf(stderr, "pa-ops: cannot read %s\n", in_path);
        return 2;
    }
    FILE *out = !out_path || !strcmp(out_path, "-") ? stdout : fopen(out_path, "wb");
    if (!out) {
        fprintf(stderr, "pa-ops: cannot write %s\n", out_path);
        free(data);
        return 2;
    }
    int rc = convert(!strcmp(mode, "encode"), (pa_target)target, numbered, in_path, data, len, out);
    free(data);
    if (out != stdout && fclose(out)) {
        fprintf(stderr, "pa-ops: cannot write %s\n", out_path);
        return 2;
    }
    return rc;
}
