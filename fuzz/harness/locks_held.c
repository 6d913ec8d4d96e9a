#include "locks_held.h"

#include <stdio.h>

#include "poolalloc/introspect.h"

unsigned pa_locks_held(char *names, size_t len) {
    unsigned held = pa_introspect_locks_held();
    size_t at = 0;
    if (len)
        names[0] = '\0';
    for (unsigned bit = 1; bit && bit <= held; bit <<= 1) {
        if (!(held & bit) || at >= len)
            continue;
        const char *name = pa_introspect_lock_name(bit);
        int n = snprintf(names + at, len - at, "%s%s", at ? ", " : "", name ? name : "unknown");
        at += n > 0 ? (size_t)n : 0;
    }
    return held;
}
