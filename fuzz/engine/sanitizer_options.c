/* Sanitizer defaults of every fuzz binary: a calloc that must fail reaches
 * the system allocator with an impossible size, which is to return NULL. */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void) {
    return "allocator_may_return_null=1:abort_on_error=1:detect_leaks=1";
}

const char *__ubsan_default_options(void) {
    return "print_stacktrace=1:halt_on_error=1";
}
