/* PA_ASSERT(cond): a precondition or internal invariant that no caller and
 * no input can break, only a bug in alloc/. Checked when PA_ASSERTS is
 * defined (debug, sanitizer and fuzz builds: see alloc/CMakeLists.txt),
 * where a failure prints the condition and aborts; compiled out otherwise,
 * so release builds pay nothing (the condition is still type-checked). */
#ifndef POOLALLOC_PA_ASSERT_H
#define POOLALLOC_PA_ASSERT_H

#ifdef PA_ASSERTS
#include <stdio.h>
#include <stdlib.h>

#define PA_ASSERT(cond)                                                                                          \
    ((cond) ? (void)0                                                                                            \
            : (fprintf(stderr, "poolalloc: %s:%d: internal assertion failed: %s\n", __FILE__, __LINE__, #cond), \
               abort()))
#else
#define PA_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif
