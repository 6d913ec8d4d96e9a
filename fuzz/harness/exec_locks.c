/* LOCK_HELD: after each op (and each call of the default_heap op), no
 * process-wide lock of the allocator is held. The harness runs one thread,
 * and every API call takes and releases its locks within the call: one left
 * held is a call that forgot to let go, and the next call that takes it
 * would wait forever (a hang with no name). */
#include "exec_internal.h"

#include "locks_held.h"

int ex_check_locks(exec *ex, const char *after) {
    char names[64];
    if (!pa_locks_held(names, sizeof names))
        return 0;
    return ex_fail(ex, "LOCK_HELD", "after %s, a lock of the allocator is still held (%s): "
                   "the next call that takes it would wait forever", after, names);
}
