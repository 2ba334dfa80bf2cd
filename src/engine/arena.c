/* arena.c — plan named regions, then allocate them all with one aligned allocation
 * (see arena.h). */
#define _DEFAULT_SOURCE 1              /* madvise */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/arena.h"

static size_t round_up(size_t n)
{
    return (n + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
}

int bd_arena_reserve(bd_arena *a, size_t bytes)
{
    if (a->count >= ARENA_MAX_REGIONS || a->base || bytes > SIZE_MAX / 2 - a->size)
        return -1;
    int h = a->count++;
    a->offset[h] = a->size;
    a->bytes[h] = bytes;
    a->size += round_up(bytes ? bytes : 1);
    return h;
}

int bd_arena_commit(bd_arena *a)
{
    if (a->base)
        return 0;
    a->base = aligned_alloc(ARENA_ALIGN, a->size ? a->size : ARENA_ALIGN);
    if (!a->base)
        return -1;
    return 0;
}

void *bd_arena_get(const bd_arena *a, int handle)
{
    return a->base + a->offset[handle];
}

size_t bd_arena_bytes(const bd_arena *a)
{
    return a->size;
}

void bd_arena_release(bd_arena *a)
{
    free(a->base);
    memset(a, 0, sizeof *a);
}

void bd_arena_discard(const bd_arena *a, int handle)
{
    if (!a->base || handle < 0 || handle >= a->count)
        return;
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const uintptr_t b0 = (uintptr_t)(a->base + a->offset[handle]), b1 = b0 + a->bytes[handle];
    const uintptr_t lo = (b0 + page - 1) / page * page, hi = b1 / page * page;
    if (hi > lo)                  /* whole pages only: a neighbour's bytes stay */
        madvise((void *)lo, hi - lo, MADV_DONTNEED);
}
