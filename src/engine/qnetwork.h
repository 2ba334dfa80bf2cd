/* qnetwork.h — the int8 forward pass of a uint8 DeepLabV3-MobileNetV2: the same network
 * table and plan as the float one (network_plan), uint8 activations in the arena, TFLite's
 * integer semantics bit for bit (kernels_quant.h), and the uint8 logits dequantised into
 * floats for the float post-processing.
 *
 *   bd_qnetwork *net = bd_qnetwork_new(model, 513, 513, 16, err, sizeof err);  model->q != NULL
 *   fill bd_qnetwork_input(net) with the normalised float input (as for the float network);
 *   bd_qnetwork_run(net, &bd_qu8_kernels_ref, NULL, NULL);
 *   const float *logits = bd_qnetwork_logits(net, &fh, &fw, &nc);   real values
 */
#ifndef BACKDROP_QNETWORK_H
#define BACKDROP_QNETWORK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/network.h"
#include "engine/qmodel.h"
#include "kernels_quant.h"

/* Called after each integer op with the TFLite tensor name it produced (the golden_int8
 * names without the "opNN:" prefix, e.g. "MobilenetV2/expanded_conv_3/expand/Relu6",
 * ".../project/add_fold", ".../add", "AvgPool2D/AvgPool", "aspp0/Relu", "image_pooling/Relu",
 * "ResizeBilinear", "ResizeBilinear1" (the QUANTIZE), "concat", "concat_projection/Relu",
 * "logits/semantic/BiasAdd") and its h x w x c uint8 contents. The input is reported first
 * as "MobilenetV2/MobilenetV2/input". */
typedef void (*bd_qlayer_observer)(void *ctx, const char *name, const uint8_t *t, int h, int w,
                                   int c);

typedef struct bd_qnetwork bd_qnetwork;

bd_qnetwork *bd_qnetwork_new(const bd_model *m, int in_h, int in_w, int output_stride,
                             char *err, size_t errlen);
void bd_qnetwork_free(bd_qnetwork *n);
float *bd_qnetwork_input(bd_qnetwork *n);
/* Packs the 1x1 weights for table k (done by the first run with k otherwise): 0, or -1 if
 * out of memory (runs then fall back to the scalar table). */
int bd_qnetwork_prepare(bd_qnetwork *n, const bd_qu8_kernels *k);
/* Which blocks run fused (as bd_network_set_fusion; qnetwork_fused.c says when). */
void bd_qnetwork_set_fusion(bd_qnetwork *n, bd_fusion mode);
void bd_qnetwork_run(bd_qnetwork *n, const bd_qu8_kernels *k, bd_qlayer_observer obs, void *ctx);
const float *bd_qnetwork_logits(const bd_qnetwork *n, int *fh, int *fw, int *classes);
/* The uint8 logits of the last run and their quantisation. */
const uint8_t *bd_qnetwork_logits_u8(const bd_qnetwork *n, float *scale, int32_t *zp);
size_t bd_qnetwork_arena_bytes(const bd_qnetwork *n);
/* As bd_network_release_scratch: every buffer but the logits and the pooled vector. */
void bd_qnetwork_release_scratch(bd_qnetwork *n);
const bd_net_plan *bd_qnetwork_plan(const bd_qnetwork *n);

#endif
