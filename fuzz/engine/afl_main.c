/* AFL++ persistent shared-memory mode entry point for any target: the test
 * case arrives in __AFL_FUZZ_TESTCASE_BUF, many per fork. Built only with
 * afl-clang-fast / afl-clang-lto, which define the macros. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h> /* read(), which __AFL_FUZZ_TESTCASE_LEN calls */

#include "engine_watch.h"
#include "fuzz_target.h"

/* The build names the target: -DPA_FUZZ_ENTRY=pa_fuzz_default_one. */
#ifndef PA_FUZZ_ENTRY
#error "define PA_FUZZ_ENTRY to the target's run function"
#endif
#include "input.h"
#include "poolalloc/poolalloc.h"

__AFL_FUZZ_INIT();

/* What a process otherwise does on its first input, or on the first that
 * uses the default API, done once before the fork server: AFL++ would see
 * those edges vary between runs of the same input (fuzz/README.md, "AFL++
 * instrumentation scope"). An empty input sets up the harness's buffers and
 * cached settings; a small and a large block make the default heaps behind
 * pa_malloc, the thread's and the shared one. */
static void warm_up(void) {
    PA_FUZZ_ENTRY((const uint8_t *)"", 0);
    pa_free(pa_malloc(1));
    pa_free(pa_malloc((size_t)1 << 20));
}

int main(int argc, char **argv) {
    /* Files named (afl-showmap and afl-cmin with @@, afl-tmin, a person):
     * run each once. afl-fuzz itself names none and feeds shared memory. */
    if (argc > 1) {
        if (pa_engine_watch_start())
            return 2;
        for (int i = 1; i < argc; i++) {
            size_t len;
            uint8_t *data = pa_read_file(argv[i], &len);
            if (!data) {
                fprintf(stderr, "%s: cannot read\n", argv[i]);
                return 2;
            }
            PA_FUZZ_ENTRY(data, len);
            free(data);
        }
        return 0;
    }
    warm_up();
#ifdef __AFL_HAVE_MANUAL_CONTROL
    __AFL_INIT();
#endif
    /* after the fork server's fork: a thread does not survive a fork */
    if (pa_engine_watch_start())
        return 2;
    unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(1000)) {
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        PA_FUZZ_ENTRY(buf, len);
    }
    return 0;
}
