/* qnetwork_internal.h — private to src/engine/qnetwork*.c: the int8 network object (its
 * plan, its arena of uint8 activations, the packed 1x1 and depthwise weights, the ADD tables) and the fused execution of
 * a block (qnetwork_fused.c), which qnetwork.c's layer list calls where it pays. */
#ifndef BACKDROP_ENGINE_QNETWORK_INTERNAL_H
#define BACKDROP_ENGINE_QNETWORK_INTERNAL_H

#include "engine/arena.h"
#include "engine/qnetwork.h"

enum { Q_PING, Q_PONG, Q_EXPANDED, Q_DEPTHWISE, Q_INPUT, Q_LOGITS_U8, Q_LOGITS, Q_SMALL, Q_COUNT };

/* The layers whose weights a table may pack, as one matrix product each: index 2i + 1 is
 * block i's project, 2i its expand, except index 0 (block 0 has no expand), which is the
 * stem as a k = 3 x 3 x cin matrix product over im2col rows (its HWIO weights are already
 * that k x n matrix); then the four head convolutions. */
#define MAX_PW (2 * MNV2_BLOCKS + 4)

struct bd_qnetwork {
    const bd_model *m;
    const bd_qmodel *q;
    bd_net_plan plan;
    bd_arena arena;
    int buf[Q_COUNT];
    size_t cap_depthwise, cap_expanded; /* bytes of those buffers */
    bd_fusion fusion;                 /* which blocks run fused (bd_qnetwork_set_fusion) */
    /* the 1x1 weights packed for one int8 table (packed at its first run) */
    const bd_qu8_kernels *packed_for;
    unsigned char *packed;
    void *pw[MAX_PW];                 /* per 1x1 layer: its packed weights, or NULL */
    void *dw[MNV2_BLOCKS];            /* per block: its packed depthwise weights, or NULL */
    uint8_t *add_lut[MNV2_BLOCKS];    /* per block: its residual ADD as a table, or NULL */
    int32_t *proj_bias0;              /* concat_projection's packed bias as packed */
    int32_t *proj_bias;               /* its bias with the pooled half folded in (per run) */
};

static inline void *bd_qnetwork_buffer(const bd_qnetwork *n, int which)
{
    return bd_arena_get(&n->arena, n->buf[which]);
}

/* 1x1 layer idx (see MAX_PW) on m rows of kk channels into nn: packed if the table packs it. */
void bd_qnetwork_pw_run(const bd_qnetwork *n, const bd_qu8_kernels *k, int idx, const uint8_t *in,
                        int m, int kk, uint8_t *out, int nn);

/* Block i's depthwise: rows x in_w x cexp input rows (pad_top of the padding above them)
 * into out_rows output rows, on the packed weights where the table packs them. */
void bd_qnetwork_dw_run(const bd_qnetwork *n, const bd_qu8_kernels *k, int i, const uint8_t *in,
                        int rows, uint8_t *out, int out_rows, int pad_top);

/* Block i's residual ADD, out = ADD(x, y) on count values (out may be y). */
void bd_qnetwork_add_run(const bd_qnetwork *n, const bd_qu8_kernels *k, int i, const uint8_t *x,
                         const uint8_t *y, size_t count, uint8_t *out);

/* Runs block i (x -> y) fused, band by band, if that pays for this block (qnetwork_fused.c
 * says when) and the scratch holds one band per thread: returns 1. Returns 0, having done
 * nothing, when the block is to run layer by layer. */
int bd_qnetwork_block_fused(const bd_qnetwork *n, const bd_qu8_kernels *k, int i,
                            const uint8_t *x, uint8_t *y);

#endif
