/* Text helpers shared by the unit and checker tests: whole files and
 * streams as strings, and a strict JSON checker. No cmocka and no heap:
 * every function answers failure in its return value. */
#ifndef PA_TEST_TEXT_H
#define PA_TEST_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Everything f holds, from its start, as a NUL-terminated malloc'd string
 * (the caller frees it); NULL when it cannot be read. */
char *pa_test_read_all(FILE *f);
/* The whole file at path, the same way. */
char *pa_test_slurp(const char *path);

/* 1 when text is exactly one JSON value (RFC 8259 syntax), else 0. */
int pa_test_json_valid(const char *text);
/* The unsigned integer a key of the top-level object holds; -1 if the key is
 * missing, not at the top level or not an unsigned integer. */
int pa_test_json_top_u64(const char *text, const char *key, unsigned long long *out);
/* The same for a key of the object that is element index of the array
 * under a top-level key. */
int pa_test_json_element_u64(const char *text, const char *array, size_t index, const char *key,
                             unsigned long long *out);
/* How many elements the array under a top-level key has; -1 if none. */
long pa_test_json_top_array_len(const char *text, const char *key);

#endif
