/* The op watchdog of the fuzz drivers: names the op under way when a run
 * stops making progress or crashes, where otherwise only an engine's
 * timeout or a bare signal would tell.
 *  - OP_HANG: an op (with its checks) has not finished after a limit
 *    (PA_OP_TIMEOUT seconds, default 10, far above any legitimate op; 0
 *    turns the watchdog off): the report names the op and the locks of the
 *    allocator held, then the process aborts.
 *  - OP_CRASH: SIGSEGV or SIGBUS while an op runs: the report names the op,
 *    then the signal goes on to the handler before (a sanitizer's) or kills.
 * A thread of its own watches and writes the reports, so marking an op
 * costs a few stores and the signal handler only wakes that thread. */
#ifndef PA_FUZZ_OP_WATCH_H
#define PA_FUZZ_OP_WATCH_H

#include <stddef.h>

#include "ops.h"

#define PA_OP_WATCH_SECONDS 10

/* Starts the watchdog with the limit in PA_OP_TIMEOUT (whole seconds) or
 * the default; 0 when it runs or is off, -1 with a message on stderr for a
 * malformed value or a thread that cannot start. Once per process: later
 * calls do nothing. */
int pa_op_watch_start_env(void);
/* The same with a limit given (tests); 0: off. */
int pa_op_watch_start(unsigned seconds);

/* The input being run, named in the reports (a path; NULL: the engine's
 * current input); the string must outlive the run. */
void pa_op_watch_input(const char *name);
/* Op index of nops starts (its checks belong to it until the next mark);
 * op and cfg must stay valid until then. */
void pa_op_watch_op(size_t index, size_t nops, const pa_op *op, const pa_config *cfg);
/* The run's teardown starts, after its nops ops. */
void pa_op_watch_teardown(size_t nops);
/* No run under way: nothing to watch. */
void pa_op_watch_idle(void);

#endif
