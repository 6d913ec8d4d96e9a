/* C reproducers. */
#define _POSIX_C_SOURCE 200809L
#include "reproducer_write.h"

#include <stdlib.h>
#include <string.h>

/* Text that cannot end the comment it is put in. */
static void comment_text(FILE *out, const char *text) {
    fputs(" * ", out);
    for (const char *p = text; *p; p++) {
        if (*p == '*' && p[1] == '/') {
            fputs("* /", out);
            p++;
        } else if (*p == '\n') {
            fputs(p[1] ? "\n * " : "\n", out);
        } else {
            fputc(*p, out);
        }
    }
}

int pa_reproducer_write(FILE *out, pa_target t, const uint8_t *data, size_t len,
                        const char *signature, const char *source) {
    fprintf(out, "/* Regression reproducer for fuzz target \"%s\"", pa_target_name(t));
    fprintf(out, "%s%s.\n", signature && *signature ? ", failure " : "", signature ? signature : "");
    const char *base = strrchr(source, '/');
    fprintf(out, " * From %s, by pa-fuzz-replay --reproducer. It passes (exit 0) once the\n",
            base ? base + 1 : source);
    fprintf(out, " * bug is fixed; it runs the full invariant checker after every op.\n *\n");
    char *text = NULL;
    size_t tlen = 0;
    FILE *m = open_memstream(&text, &tlen);
    if (m) {
        if (t == PA_TARGET_TRACE_PARSER) {
            fputs("The input (trace text):\n", m);
            for (size_t i = 0; i < len; i++)
                fputc(data[i] == '\n' || (data[i] >= 0x20 && data[i] < 0x7f) ? data[i] : '?', m);
            fputc('\n', m);
        } else {
            pa_input in;
            pa_input_decode(t, data, len, &in);
            pa_input_print(m, t, &in, 1);
            pa_input_free(&in);
        }
        fclose(m);
        comment_text(out, text);
        free(text);
    }
    fputs(" */\n#include <stddef.h>\n\n#include \"reproducer_run.h\"\n\n", out);
    fprintf(out, "static const unsigned char input[%zu] = {", len ? len : 1);
    for (size_t i = 0; i < len; i++)
        fprintf(out, "%s0x%02x,", i % 12 ? " " : "\n    ", data[i]);
    if (!len)
        fputs("0", out);
    fputs("\n};\n\n", out);
    fprintf(out, "int main(void) {\n    return pa_reproducer_run(\"%s\", input, %zu);\n}\n",
            pa_target_name(t), len);
    return ferror(out) ? -1 : 0;
}
