/* Misuse reports of the default API's heaps (thread heaps, the shared
 * heap). The harness never misuses that API, so a report is the allocator
 * failing to recognise its own block: it goes to the running executor,
 * which fails the op with MISUSE_REPORTED and the report's message, where
 * the library's default would print and abort, naming no op. */
#include "exec_internal.h"

#include <stdio.h>
#include <stdlib.h>

#include "thread_switch.h"

static exec *running;

static void on_default_misuse(void *ctx, const pa_misuse *m) {
    (void)ctx;
    if (running) {
        ex_on_misuse(running, m);
        return;
    }
    fprintf(stderr, "poolalloc: %s (outside a run of the executor)\n", m->message);
    abort();
}

void ex_default_misuse_begin(exec *ex) {
    pa_thread_switch_misuse(on_default_misuse, NULL);
    running = ex;
}

void ex_default_misuse_end(void) { running = NULL; }
