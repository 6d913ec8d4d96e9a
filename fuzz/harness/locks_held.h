/* The allocator's process-wide locks held now, by name, for the reports
 * of the lock check (exec_locks.c) and the op watchdog (op_watch.c). */
#ifndef PA_FUZZ_LOCKS_HELD_H
#define PA_FUZZ_LOCKS_HELD_H

#include <stddef.h>

/* The mask pa_introspect_locks_held gives; names gets the held locks' names
 * ("shared heap, orphan list"), or "" when none is held. */
unsigned pa_locks_held(char *names, size_t len);

#endif
