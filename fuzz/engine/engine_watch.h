/* The op watchdog (fuzz/harness/op_watch.h: OP_HANG, OP_CRASH) for the
 * engines' entry points: the heap targets' programs have it
 * (PA_FUZZ_OP_WATCH); the contract's, built from the same files, do not. */
#ifndef PA_FUZZ_ENGINE_WATCH_H
#define PA_FUZZ_ENGINE_WATCH_H

#ifdef PA_FUZZ_OP_WATCH
#include "op_watch.h"
static inline int pa_engine_watch_start(void) { return pa_op_watch_start_env(); }
static inline void pa_engine_watch_input(const char *path) { pa_op_watch_input(path); }
#else
static inline int pa_engine_watch_start(void) { return 0; }
static inline void pa_engine_watch_input(const char *path) { (void)path; }
#endif

#endif
