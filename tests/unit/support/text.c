#include <stdlib.h>

#include "pa_test_text.h"

char *pa_test_read_all(FILE *f) {
    if (fflush(f) || fseek(f, 0, SEEK_END))
        return NULL;
    long len = ftell(f);
    if (len < 0)
        return NULL;
    rewind(f);
    char *text = malloc((size_t)len + 1);
    if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
        free(text);
        return NULL;
    }
    if (text)
        text[len] = '\0';
    return text;
}

char *pa_test_slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = pa_test_read_all(f);
    fclose(f);
    return text;
}
