/* segmenter.c — the embeddable API (backdrop.h): a segmenter ties a model, a planned network
 * (float, or the int8 one of engine/qnetwork.h) and a kernel table together and runs
 * image -> preprocess -> network -> results. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/segmenter.h"
#include "engine/model.h"
#include "kernels.h"
#include "engine/network.h"
#include "engine/postprocess.h"
#include "engine/preprocess.h"
#include "engine/qnetwork.h"
#include "io/clock.h"
#include "io/threads.h"

struct bd_segmenter {
    const bd_model *m;
    const bd_kernels *k;
    bd_network *net;            /* f32 */
    bd_qnetwork *qnet;          /* int8 (exactly one of the two) */
    const bd_qu8_kernels *qk;
    int size, threads, release_after_run;
    int in_w, in_h;             /* the network input: size x size unless asked otherwise */
    int tw, th, ow, oh;         /* last run: resized and original sizes */
    int has_result;
    double preprocess_ms, network_ms;
};

bd_segmenter *bd_segmenter_new(const bd_model *m, const bd_segmenter_opts *opts,
                               char *err, size_t errlen)
{
    bd_segmenter_opts o = {0};
    if (opts)
        o = *opts;
    if (!o.kernels && !(o.kernels = bd_kernels_select(err, errlen)))
        return NULL;
    if (o.output_stride == 0)
        o.output_stride = m->export_output_stride;
    if (o.input_size == 0)
        o.input_size = m->input_size;
    if (o.input_width == 0)
        o.input_width = o.input_size;
    if (o.input_height == 0)
        o.input_height = o.input_size;
    if (o.input_size < 17 || o.input_size > 4097 || o.input_width < 17 ||
        o.input_width > 4097 || o.input_height < 17 || o.input_height > 4097) {
        snprintf(err, errlen, "input size must be 17..4097, not %dx%d", o.input_width,
                 o.input_height);
        return NULL;
    }
    if (o.threads < 0 || o.threads > BD_MAX_THREADS) {
        snprintf(err, errlen, "thread count must be 1..%d, not %d", BD_MAX_THREADS, o.threads);
        return NULL;
    }
    if (o.threads == 0)              /* OpenMP's default, capped (io/threads.h) */
        o.threads = bd_threads_default();
    bd_segmenter *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->m = m;
    s->k = o.kernels;
    s->size = o.input_size;
    s->in_w = o.input_width;
    s->in_h = o.input_height;
    s->threads = o.threads;
    s->release_after_run = o.release_after_run;
    if (o.precision == BD_PRECISION_DEFAULT)      /* int8 wherever the file has it */
        o.precision = m->q ? BD_PRECISION_INT8 : BD_PRECISION_F32;
    if (o.precision == BD_PRECISION_INT8) {
        s->qk = bd_qu8_kernels_select(err, errlen);
        if (s->qk && (s->qnet = bd_qnetwork_new(m, s->in_h, s->in_w, o.output_stride,
                                                err, errlen)) &&
            bd_qnetwork_prepare(s->qnet, s->qk)) {
            snprintf(err, errlen, "out of memory packing the int8 weights");
            bd_qnetwork_free(s->qnet);
            s->qnet = NULL;
        }
        if (s->qnet)            /* the float tensors are not read by the int8 network */
            bd_weights_release(m->file, BDW_DTYPE_F32);
    } else if (o.precision == BD_PRECISION_F32) {
        s->net = bd_network_new(m, s->in_h, s->in_w, o.output_stride, err, errlen);
    } else {
        snprintf(err, errlen, "unknown precision %d", (int)o.precision);
    }
    if (!s->net && !s->qnet) {
        free(s);
        return NULL;
    }
    return s;
}

static float *net_input(bd_segmenter *s)
{
    return s->qnet ? bd_qnetwork_input(s->qnet) : bd_network_input(s->net);
}

static const float *net_logits(const bd_segmenter *s, int *fh, int *fw, int *nc)
{
    return s->qnet ? bd_qnetwork_logits(s->qnet, fh, fw, nc) : bd_network_logits(s->net, fh, fw, nc);
}

void bd_segmenter_free(bd_segmenter *s)
{
    if (!s)
        return;
    bd_network_free(s->net);
    bd_qnetwork_free(s->qnet);
    free(s);
}

static int check_size(int w, int h, char *err, size_t errlen)
{
    if (w < 1 || h < 1 || (long long)w * h > (1LL << 31) / 4) {
        snprintf(err, errlen, "image size %dx%d is unusable", w, h);
        return -1;
    }
    return 0;
}

static void run_network(bd_segmenter *s)
{
    if (s->threads > 0)
        omp_set_num_threads(s->threads);
    double t0 = bd_now_ms();
    if (s->qnet)
        bd_qnetwork_run(s->qnet, s->qk, NULL, NULL);
    else
        bd_network_run(s->net, s->k, NULL, NULL);
    if (s->release_after_run) {
        if (s->qnet)
            bd_qnetwork_release_scratch(s->qnet);
        else
            bd_network_release_scratch(s->net);
    }
    s->network_ms = bd_now_ms() - t0;
    s->has_result = 1;
}

int bd_segmenter_run(bd_segmenter *s, const uint8_t *rgb, int w, int h,
                     char *err, size_t errlen)
{
    s->has_result = 0;
    if (check_size(w, h, err, errlen))
        return -1;
    if (s->in_w != s->size || s->in_h != s->size) {
        snprintf(err, errlen, "a %dx%d network input takes resized images "
                 "(bd_segmenter_run_resized)", s->in_w, s->in_h);
        return -1;
    }
    if (s->threads > 0)
        omp_set_num_threads(s->threads);
    double t0 = bd_now_ms();
    if (bd_preprocess_image(rgb, w, h, s->size, s->m->norm_scale, s->m->norm_offset,
                         net_input(s), &s->tw, &s->th)) {
        snprintf(err, errlen, "out of memory resizing a %dx%d image", w, h);
        return -1;
    }
    s->preprocess_ms = bd_now_ms() - t0;
    s->ow = w;
    s->oh = h;
    run_network(s);
    return 0;
}

int bd_segmenter_run_resized(bd_segmenter *s, const uint8_t *rgb, int tw, int th,
                             int orig_w, int orig_h, char *err, size_t errlen)
{
    s->has_result = 0;
    if (check_size(orig_w, orig_h, err, errlen))
        return -1;
    if (tw < 1 || th < 1 || tw > s->in_w || th > s->in_h) {
        snprintf(err, errlen, "resized image %dx%d does not fit the %dx%d input",
                 tw, th, s->in_w, s->in_h);
        return -1;
    }
    double t0 = bd_now_ms();
    bd_preprocess_normalise_pad(rgb, tw, th, net_input(s), s->in_w, s->in_h,
                             s->m->norm_scale, s->m->norm_offset);
    s->preprocess_ms = bd_now_ms() - t0;
    s->tw = tw;
    s->th = th;
    s->ow = orig_w;
    s->oh = orig_h;
    run_network(s);
    return 0;
}

const float *bd_segmenter_logits(const bd_segmenter *s, int *fh, int *fw, int *classes)
{
    return net_logits(s, fh, fw, classes);
}

int bd_segmenter_labels(const bd_segmenter *s, uint8_t *labels, char *err, size_t errlen)
{
    if (!s->has_result) {
        snprintf(err, errlen, "no segmentation to take labels from (run first)");
        return -1;
    }
    int fh, fw, nc;
    const float *logits = net_logits(s, &fh, &fw, &nc);
    float scale;
    int32_t zp;
    /* int8: the uint8 graph's own end (uint8 resize + argmax), so the labels are TFLite's */
    if (s->qnet ? bd_postprocess_labels_u8(bd_qnetwork_logits_u8(s->qnet, &scale, &zp), fw, fh,
                                           nc, s->in_w, s->in_h, s->tw, s->th, s->ow, s->oh,
                                           labels)
                : bd_postprocess_labels(s->k, logits, fw, fh, nc, s->in_w, s->in_h, s->tw,
                                        s->th, s->ow, s->oh, labels)) {
        snprintf(err, errlen, "out of memory computing labels");
        return -1;
    }
    return 0;
}

int bd_segmenter_mask(const bd_segmenter *s, const int *classes, int n,
                      float *mask, uint8_t *mask_u8, char *err, size_t errlen)
{
    if (!s->has_result) {
        snprintf(err, errlen, "no segmentation to take a mask from (run first)");
        return -1;
    }
    int fh, fw, nc;
    const float *logits = net_logits(s, &fh, &fw, &nc);
    uint8_t chosen[BD_MAX_CLASSES] = {0};
    for (int i = 0; i < n; i++) {
        if (classes[i] < 0 || classes[i] >= nc) {
            snprintf(err, errlen, "class %d is not in 0..%d", classes[i], nc - 1);
            return -1;
        }
        chosen[classes[i]] = 1;
    }
    if (bd_postprocess_soft_mask(logits, fw, fh, nc, s->in_w, s->in_h, s->tw, s->th,
                              s->ow, s->oh, chosen, mask, mask_u8)) {
        snprintf(err, errlen, "out of memory computing the mask");
        return -1;
    }
    return 0;
}

void bd_segmenter_get_info(const bd_segmenter *s, bd_segmenter_info *info)
{
    info->isa = s->qnet ? s->qk->isa : s->k->isa;
    info->precision = s->qnet ? "int8" : "f32";
    info->output_stride = s->qnet ? bd_qnetwork_plan(s->qnet)->output_stride
                                  : bd_network_output_stride(s->net);
    info->input_size = s->size;
    info->input_width = s->in_w;
    info->input_height = s->in_h;
    info->threads = s->threads > 0 ? s->threads : omp_get_max_threads();
    info->arena_bytes = s->qnet ? bd_qnetwork_arena_bytes(s->qnet) : bd_network_arena_bytes(s->net);
    info->preprocess_ms = s->preprocess_ms;
    info->network_ms = s->network_ms;
}
