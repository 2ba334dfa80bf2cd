/* arena.h — one allocation carved into named, 64-byte aligned regions.
 *
 * The network knows every activation size as soon as it knows the input size, so it asks
 * for all its buffers up front (bd_arena_reserve), allocates once (bd_arena_commit), and never
 * calls malloc inside the layer loop. bd_arena_bytes() is the peak activation memory.
 */
#ifndef BACKDROP_ARENA_H
#define BACKDROP_ARENA_H

#include <stddef.h>

#define ARENA_ALIGN 64
#define ARENA_MAX_REGIONS 16

typedef struct bd_arena {
    unsigned char *base;                /* the single allocation (NULL until committed) */
    size_t size;                        /* total bytes */
    int count;
    size_t offset[ARENA_MAX_REGIONS];   /* region start, from base */
    size_t bytes[ARENA_MAX_REGIONS];    /* region size as requested */
} bd_arena;

/* Plan a region of `bytes` bytes; returns its handle (>= 0) or -1 if the table is full or
 * the size overflows. Call before bd_arena_commit. */
int bd_arena_reserve(bd_arena *a, size_t bytes);
/* Allocate the planned regions at once; returns 0 on success, -1 if out of memory. */
int bd_arena_commit(bd_arena *a);
/* Start of a region (64-byte aligned); valid after bd_arena_commit. */
void *bd_arena_get(const bd_arena *a, int handle);
size_t bd_arena_bytes(const bd_arena *a);
void bd_arena_release(bd_arena *a);
/* Hands a region's whole pages back to the system (its contents are lost; the next write
 * takes fresh zeroed pages): memory a finished run no longer needs. */
void bd_arena_discard(const bd_arena *a, int handle);

#endif
