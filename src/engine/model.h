/* model.h — a loaded DeepLabV3-MobileNetV2: the network's layers resolved from the weights
 * file (engine/weights.h) by model.c, with every channel count derived from tensor shapes.
 *
 * Loading never trusts the file: bd_weights_open() checks the header, sizes, offsets,
 * alignment and checksums; bd_model_load() then checks that every tensor the network needs is
 * there with a consistent shape. On failure both return NULL and write one line naming the
 * file and the problem into err.
 */
#ifndef BACKDROP_MODEL_H
#define BACKDROP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/segmenter.h"
#include "engine/weights.h"

/* ---------------------------------------------------------------- the network ---------- */

#define MNV2_BLOCKS 17        /* expanded_conv, expanded_conv_1 .. expanded_conv_16 */


typedef struct bd_layer {     /* one convolution with batch-norm folded in */
    const float *weight;      /* layout per weights/README.md */
    const float *bias;        /* [cout] */
    int cin, cout;            /* depthwise: cin == cout == channels */
} bd_layer;

typedef struct bd_block {     /* inverted residual block: expand -> depthwise -> project */
    int has_expand;           /* block 0 has none */
    bd_layer expand, depthwise, project;
} bd_block;

struct bd_model {
    bdw_file *file;
    float depth_multiplier;
    int num_classes;
    char class_names[BD_MAX_CLASSES][32];
    int export_output_stride; /* 8 or 16: the default output stride */
    int input_size;           /* e.g. 513 */
    float norm_scale, norm_offset;

    bd_layer stem;            /* 3x3 s2 conv, [3][3][3][C0] */
    bd_block blocks[MNV2_BLOCKS];
    bd_layer image_pooling, aspp0, concat_projection, logits;
    void *packed;             /* optional kernel-specific repacked weights (NULL if none) */
    struct bd_qmodel *q;      /* the int8 network (engine/qmodel.h), NULL if the file has
                                 none (converted from a float model, or version 1) */
};

/* bd_model_load, bd_model_free, bd_model_class_index, ...: engine/segmenter.h */

#endif
