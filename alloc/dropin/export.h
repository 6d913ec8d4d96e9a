/* The drop-in's exported names: the library is built with hidden
 * visibility, so only what this marks leaves it. */
#ifndef POOLALLOC_DROPIN_EXPORT_H
#define POOLALLOC_DROPIN_EXPORT_H

#define EXPORT __attribute__((visibility("default")))

#endif
