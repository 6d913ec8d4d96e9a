/* What recorder_victim does, shared with test_recorder. */
#ifndef PA_TRACE_RECORDER_VICTIM_H
#define PA_TRACE_RECORDER_VICTIM_H

#define VICTIM_BEGIN 777001u
#define VICTIM_END 777002u
#define VICTIM_BEFORE_FORK 777003u
#define VICTIM_CHILD 777004u
#define VICTIM_PARENT 777005u
#define VICTIM_IMAGE 777010u /* + the image's number in an exec chain */
#define VICTIM_THREADS 4
#define VICTIM_THREAD_ITERS 20000

#endif
