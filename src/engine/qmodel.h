/* qmodel.h — the integer network of a weights file converted from a uint8 model: its uint8
 * weights, int32 biases and the scale / zero point of every tensor (weights/README.md,
 * "int8"), with the fixed-point multipliers the int8 kernels need derived once at load.
 *
 * bd_model_load() fills model->q when the file's metadata lists int8 among its precisions
 * (NULL otherwise); every quantisation is checked: scales positive and finite, zero points
 * 0..255, each layer reading what its producer wrote, shapes equal to the float tensors'.
 */
#ifndef BACKDROP_QMODEL_H
#define BACKDROP_QMODEL_H

#include <stdint.h>

#include "engine/model.h"
#include "kernels_quant.h"

typedef struct bd_qparam {       /* real = scale * (q - zp) */
    float scale;
    int32_t zp;
} bd_qparam;

typedef struct bd_qlayer {
    const uint8_t *weight;       /* layout as the float layer's */
    const int32_t *bias;
    bd_qparam in, w, out;
    int act;                     /* 0 none, 1 relu, 2 relu6 (bd_act) */
    bd_qu8_conv conv;            /* zero points and requantisation for the kernels */
} bd_qlayer;

typedef struct bd_qblock {
    bd_qlayer expand, depthwise, project;
    int has_add;                 /* the residual ADD (its own op in the integer graph) */
    bd_qparam add_out;
    bd_qu8_add_params add;
} bd_qblock;

typedef struct bd_qmodel {
    bd_qparam input;             /* the network input */
    bd_qlayer stem;
    bd_qblock blocks[MNV2_BLOCKS];
    bd_qlayer image_pooling, aspp0, concat_projection, logits;
    bd_qparam pool, concat;
    bd_qu8_requant pool_to_concat;   /* QUANTIZE of image_pooling's output into the concat */
} bd_qmodel;

/* Resolves the int8 tensors and quant.* metadata of m->file into a new m->q, marking the
 * tensors it takes in used[]; 0 with "PATH: problem" in err on failure. */
int bd_qmodel_resolve(bd_model *m, char *used, char *err, size_t errlen);
void bd_qmodel_free(bd_qmodel *q);

#endif
