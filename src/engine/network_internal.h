/* network_internal.h — private to src/engine/network*.c: the network object (its plan and
 * its one arena of activation buffers) and the fused execution of a block
 * (network_fused.c), which network.c's layer list calls where it pays. */
#ifndef BACKDROP_ENGINE_NETWORK_INTERNAL_H
#define BACKDROP_ENGINE_NETWORK_INTERNAL_H

#include "engine/arena.h"
#include "engine/network.h"

enum { BUF_PING, BUF_PONG, BUF_EXPANDED, BUF_DEPTHWISE, BUF_LOGITS, BUF_SMALL, BUF_COUNT };

struct bd_network {
    const bd_model *m;
    bd_net_plan plan;                   /* every layer's size, stride, dilation, padding */
    bd_arena arena;
    int buf[BUF_COUNT];                 /* arena handles */
    size_t cap_ping, cap_expanded, cap_depthwise; /* floats in those buffers */
    bd_fusion fusion;                   /* which blocks run fused (bd_network_set_fusion) */
};

static inline float *bd_network_buffer(const bd_network *n, int which)
{
    return bd_arena_get(&n->arena, n->buf[which]);
}

/* Runs block i (x -> y) fused, band by band, if that pays for this block (network_fused.c
 * says when) and the scratch holds one band per thread: returns 1. Returns 0, having done
 * nothing, when the block is to run layer by layer. With stem_in (the network input; block
 * 0 only, which has no expand conv), the stem runs inside the bands too and x is not read. */
int bd_network_block_fused(const bd_network *n, const bd_kernels *k, int i, const float *x,
                           float *y, const float *stem_in);

#endif
