/* What the recorder's files share: the lock that orders the trace (every
 * call into recorder_output.h and the pointer table is made under it) and
 * the mark of an interposed function. */
#ifndef PA_RECORDER_H
#define PA_RECORDER_H

#include <pthread.h>

#define EXPORT __attribute__((visibility("default")))

extern pthread_mutex_t rec_lock;

#endif
