/* model.h — a loaded DeepLabV3-MobileNetV2: the weights file (weights.c) and the network's
 * layers resolved from it (model.c), with every channel count derived from tensor shapes.
 *
 * Loading never trusts the file: weights_open() checks the header, sizes, offsets,
 * alignment and checksums; model_load() then checks that every tensor the network needs is
 * there with a consistent shape. On failure both return NULL and write one line naming the
 * file and the problem into err.
 */
#ifndef BACKDROP_MODEL_H
#define BACKDROP_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- the weights file ---- */

#define BDW_MAX_NAME 80
#define BDW_MAX_DIMS 4

typedef struct bdw_tensor {
    char name[BDW_MAX_NAME];
    int ndim;
    int shape[BDW_MAX_DIMS];
    size_t count;              /* number of floats */
    const float *data;         /* points into the mapped file, 64-byte aligned */
} bdw_tensor;

typedef struct bdw_file {
    char *path;                 /* as given (malloc'd) */
    const uint8_t *base;       /* whole file (mmap'd or read) */
    size_t size;
    int mapped;                /* 1: munmap on close, 0: free */
    uint32_t version;
    char *meta;                /* NUL-terminated copy of the metadata text */
    int tensor_count;
    bdw_tensor *tensors;
} bdw_file;

bdw_file *weights_open(const char *path, char *err, size_t errlen);
void weights_close(bdw_file *f);
const bdw_tensor *weights_find(const bdw_file *f, const char *name);
/* Value of metadata key, copied into out (NUL-terminated); returns 0 if absent. */
int weights_meta(const bdw_file *f, const char *key, char *out, size_t outlen);

/* ---------------------------------------------------------------- the network ---------- */

#define MNV2_BLOCKS 17        /* expanded_conv, expanded_conv_1 .. expanded_conv_16 */
#define BD_MAX_CLASSES 256

typedef struct bd_layer {     /* one convolution with batch-norm folded in */
    const float *weight;      /* layout per weights/README.md */
    const float *bias;        /* [cout] */
    int cin, cout;            /* depthwise: cin == cout == channels */
} bd_layer;

typedef struct bd_block {     /* inverted residual block: expand -> depthwise -> project */
    int has_expand;           /* block 0 has none */
    bd_layer expand, depthwise, project;
} bd_block;

typedef struct bd_model {
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
} bd_model;

bd_model *model_load(const char *path, char *err, size_t errlen);
void model_free(bd_model *m);

/* Index of a class by name (case-insensitive), or -1. */
int model_class_index(const bd_model *m, const char *name);

#endif
