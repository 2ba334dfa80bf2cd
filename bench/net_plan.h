/* net_plan.h — the layer geometry of DeepLabV3-MobileNetV2 for one input size and output
 * stride, for the benchmark programs that run the network's layers themselves
 * (bench_kernels.c: each kernel on the network's own shapes; peer_xnnpack.c: the same
 * network in XNNPACK). Channel counts come from the loaded model; strides from
 * MobileNetV2's table; the output-stride rule and TensorFlow SAME padding as in
 * MODEL_NOTES.md and src/network.c. Both programs check these shapes against what
 * network_run() reports through its layer observer, so a drift cannot go unnoticed.
 * Header-only (each bench program is one .c file). */
#ifndef BACKDROP_NET_PLAN_H
#define BACKDROP_NET_PLAN_H

#include "model.h"

/* MobileNetV2's nominal depthwise strides, blocks 0..16 (expanded_conv .. _16). */
static const int net_plan_stride[MNV2_BLOCKS] = {1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1};

typedef struct {
    int in_h, in_w, out_h, out_w;   /* spatial size in and out of the depthwise conv */
    int stride, dilation;
    int pad_top, pad_left, pad_bottom, pad_right;
    int cin, cexp, cout;            /* block input, expanded (= depthwise), output channels */
    int residual;
} net_plan_block;

typedef struct {
    int in_h, in_w, cin;            /* network input */
    int stem_h, stem_w, stem_cout;
    int stem_pad_top, stem_pad_left, stem_pad_bottom, stem_pad_right;
    net_plan_block b[MNV2_BLOCKS];
    int feat_h, feat_w, feat_c;     /* backbone output = logits size */
} net_plan;

/* TensorFlow SAME for a 3x3 kernel: out = ceil(in / stride), the padding split with the
 * smaller half before. */
static inline void net_plan_same(int in, int stride, int dilation, int *out, int *before,
                                 int *after)
{
    int extent = 2 * dilation + 1;
    *out = (in + stride - 1) / stride;
    int total = (*out - 1) * stride + extent - in;
    if (total < 0) total = 0;
    *before = total / 2;
    *after = total - total / 2;
}

static inline void net_plan_make(const bd_model *m, int in_h, int in_w, int output_stride,
                                 net_plan *p)
{
    p->in_h = in_h;
    p->in_w = in_w;
    p->cin = m->stem.cin;
    p->stem_cout = m->stem.cout;
    net_plan_same(in_h, 2, 1, &p->stem_h, &p->stem_pad_top, &p->stem_pad_bottom);
    net_plan_same(in_w, 2, 1, &p->stem_w, &p->stem_pad_left, &p->stem_pad_right);
    int h = p->stem_h, w = p->stem_w, c = m->stem.cout, running = 2, rate = 1;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block *mb = &m->blocks[i];
        net_plan_block *b = &p->b[i];
        int s = net_plan_stride[i];
        if (running == output_stride) {          /* at the output stride: dilate instead */
            b->stride = 1;
            b->dilation = rate;
            rate *= s;
        } else {
            b->stride = s;
            b->dilation = 1;
            running *= s;
        }
        b->in_h = h;
        b->in_w = w;
        net_plan_same(h, b->stride, b->dilation, &b->out_h, &b->pad_top, &b->pad_bottom);
        net_plan_same(w, b->stride, b->dilation, &b->out_w, &b->pad_left, &b->pad_right);
        b->cin = c;
        b->cexp = mb->depthwise.cin;
        b->cout = mb->project.cout;
        b->residual = b->stride == 1 && b->cout == c;
        h = b->out_h;
        w = b->out_w;
        c = b->cout;
    }
    p->feat_h = h;
    p->feat_w = w;
    p->feat_c = c;
}

#endif
