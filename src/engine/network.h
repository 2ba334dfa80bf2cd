/* network.h — the DeepLabV3-MobileNetV2 forward pass: normalised image in, logits out.
 *
 * A bd_network is the plan of one forward pass for one input size and output stride: the
 * size, stride, dilation and padding of every layer, and one arena holding every activation
 * buffer (allocated once in bd_network_new, reused across runs and layers). Running it calls
 * the kernels of whatever bd_kernels table it is given, so any ISA plugs in.
 *
 *   bd_network *net = bd_network_new(model, 513, 513, 16, err, sizeof err);
 *   fill bd_network_input(net) with the 513 x 513 x 3 normalised image (preprocess.h);
 *   bd_network_run(net, kernels, NULL, NULL);
 *   const float *logits = bd_network_logits(net, &fh, &fw, &nc);    33 x 33 x num_classes
 */
#ifndef BACKDROP_NETWORK_H
#define BACKDROP_NETWORK_H

#include <stddef.h>

#include "kernels.h"
#include "engine/model.h"

/* Called after each layer with the TensorFlow scope of the tensor it produced (e.g.
 * "MobilenetV2/expanded_conv_3/expand", ".../depthwise", ".../project", or ".../add" when the
 * residual is fused in; "MobilenetV2/Conv", "AvgPool2D", "image_pooling", "aspp0",
 * "concat_projection", "logits/semantic") and its h x w x c NHWC contents. */
typedef void (*bd_layer_observer)(void *ctx, const char *name, const float *t,
                                  int h, int w, int c);

typedef struct bd_network bd_network;

/* The geometry of one forward pass (bd_network_plan): sizes, strides after the output-stride
 * rule, dilations and TensorFlow SAME padding of every layer. The benchmarks and the XNNPACK
 * peer build their layers from it, so the network's shapes are written down only here. */
typedef struct bd_block_plan {
    int in_h, in_w, out_h, out_w;   /* spatial size in and out of the depthwise conv */
    int stride, dilation;
    int pad_top, pad_left, pad_bottom, pad_right;
    int cin, cexp, cout;            /* block input, expanded (= depthwise), output channels */
    int residual;                   /* the block adds its input to the project output */
} bd_block_plan;

typedef struct bd_net_plan {
    int in_h, in_w, cin, output_stride;
    int stem_h, stem_w, stem_cout;
    int stem_pad_top, stem_pad_left, stem_pad_bottom, stem_pad_right;
    bd_block_plan b[MNV2_BLOCKS];
    int feat_h, feat_w, feat_c;     /* backbone output = logits size */
    /* the largest tensors of the stem and blocks, in elements, which both networks size
     * their buffers by (each adds its head's): a block input or output (the stem's output
     * included), an expanded tensor (the network input included), a depthwise output */
    size_t max_io, max_expanded, max_depthwise;
} bd_net_plan;

/* Fill p for an in_h x in_w input at output stride 8 or 16 (no allocation; the model must
 * be one bd_model_load accepted). */
void bd_network_plan(const bd_model *m, int in_h, int in_w, int output_stride, bd_net_plan *p);
/* MobileNetV2's nominal depthwise stride of block i (0..16), before the output-stride rule. */
int bd_network_nominal_stride(int block);

/* Plan the network for an in_h x in_w input at output stride 8 or 16 and allocate its
 * arena. NULL with a one-line message in err if the sizes, stride or model are unusable or
 * memory runs out. The model must outlive the network. */
bd_network *bd_network_new(const bd_model *m, int in_h, int in_w, int output_stride,
                        char *err, size_t errlen);
void bd_network_free(bd_network *n);

/* Where the caller writes the in_h x in_w x 3 normalised input before bd_network_run. The
 * buffer is reused for activations during the run: write the input again before each run. */
float *bd_network_input(bd_network *n);
/* One forward pass; observer may be NULL. */
void bd_network_run(bd_network *n, const bd_kernels *k, bd_layer_observer observer, void *ctx);
/* The logits of the last run: fh x fw x num_classes, NHWC, valid until the next run. */
const float *bd_network_logits(const bd_network *n, int *fh, int *fw, int *classes);

/* Which blocks an unobserved run computes fused, band by band, instead of layer by layer
 * (see network.c: the results are bit-identical, only the memory traffic differs). AUTO, the
 * default, fuses the blocks whose expanded tensor is too big for the caches; the environment
 * variable BACKDROP_FUSE=none|all sets the default of new networks, for benchmarks. Observed
 * runs always go layer by layer, so the observer sees every layer's tensor. */
typedef enum { BD_FUSE_AUTO = 0, BD_FUSE_NONE, BD_FUSE_ALL } bd_fusion;
void bd_network_set_fusion(bd_network *n, bd_fusion mode);
/* The default of new networks (float and int8): $BACKDROP_FUSE=none|all, else auto. */
bd_fusion bd_fusion_from_env(void);

/* Bytes of activation memory the arena holds (the peak: nothing else is allocated). */
size_t bd_network_arena_bytes(const bd_network *n);
/* Hands back the pages of every buffer but the logits (bd_arena_discard): the network's
 * working memory between runs. The next run works as ever. */
void bd_network_release_scratch(bd_network *n);
int bd_network_input_h(const bd_network *n);
int bd_network_input_w(const bd_network *n);
int bd_network_output_stride(const bd_network *n);
const bd_net_plan *bd_network_get_plan(const bd_network *n);

/* The benchmarks' synthetic input, normalised as a real image would be: h x w x 3 bytes from
 * the 32-bit LCG s = s * 1664525 + 1013904223 (s0 = 0x12345678), byte = s >> 24, in HWC
 * order, each written as byte * scale + offset. `backdrop bench`, bench/ and
 * bench/peer_opencv.py time the network on these same bytes. */
void bd_network_bench_input(float *x, int h, int w, float scale, float offset);

#endif
