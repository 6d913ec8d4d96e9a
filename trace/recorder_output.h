/* The recorder's trace file: its name (PA_TRACE_OUT), created new so that
 * nothing is ever overwritten, its header, and the buffered op lines.
 * Every call is made under the recorder's lock. */
#ifndef PA_RECORDER_OUTPUT_H
#define PA_RECORDER_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

/* "pa_trace_recorder: what" on stderr, through write(2). */
void rec_complain(const char *what);
/* One op line: the letter and up to three numbers (nothing once dead). */
void rec_emit(char kind, int nargs, uint64_t a0, uint64_t a1, uint64_t a2);
/* The buffered lines go out now (the file is opened first if need be). */
void rec_flush(void);
/* Recording has stopped for good: no file, or a write failed. */
bool rec_output_dead(void);
void rec_output_stop(void);
/* The constructor ran: libc (getenv) is usable, the file can be opened. */
void rec_output_started(void);
/* After the exit destructor: every line is written at once. */
void rec_output_write_through(void);
/* In a forked child: the unflushed lines are the parent's; the child's
 * first line opens a file of its own. */
void rec_output_forked(void);

#endif
