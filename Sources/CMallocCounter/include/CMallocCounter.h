#ifndef KEYSCOPE_MALLOC_COUNTER_H
#define KEYSCOPE_MALLOC_COUNTER_H
#include <stdint.h>

/// Number of allocation calls (malloc, calloc, realloc, posix_memalign,
/// aligned_alloc, memalign) made by this process since it started.
/// Only linked into the benchmark executable, which interposes the allocator.
uint64_t ks_allocation_count(void);

#endif
