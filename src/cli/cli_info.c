/* cli_info.c — `backdrop info [FILE]`: what a weights file holds, for people checking a
 * conversion or learning the network: its metadata, the channels of every MobileNetV2 block,
 * the parameter count and each tensor's shape and value range. Loading goes through
 * cli_load_model(), so this also tells whether the engine accepts the file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/model.h"
#include "engine/network.h"
#include "engine/qmodel.h"


static void usage(FILE *to)
{
    fprintf(to, "usage: backdrop info [FILE]\n"
                "  Print a weights file's metadata, block channels and tensors.\n"
                "  FILE defaults to %s.\n",
            cli_default_model());
}

static void print_meta(const bd_model *m)
{
    const bdw_file *f = m->file;
    char v[256];
    const char *how = f->mapped == 2 ? "embedded in the executable"
                      : f->mapped ? "mapped" : "read into memory";
    printf("file              %s (%zu bytes, format version %u, %s)\n", f->path, f->size,
           f->version, how);
    printf("network           %s\n", bd_weights_meta(f, "network", v, sizeof v) ? v : "?");
    printf("source file       %s\n", bd_weights_meta(f, "source_file", v, sizeof v) ? v : "(unknown)");
    printf("source format     %s\n",
           bd_weights_meta(f, "source_format", v, sizeof v) ? v : "(unknown)");
    printf("source sha256     %s\n",
           bd_weights_meta(f, "source_sha256", v, sizeof v) ? v : "(unknown)");
    printf("converter         %s\n", bd_weights_meta(f, "converter", v, sizeof v) ? v : "(unknown)");
    double dm = m->depth_multiplier;
    printf(dm * 10 == (int)(dm * 10) ? "depth multiplier  %.1f\n" : "depth multiplier  %g\n", dm);
    printf("classes           %d:", m->num_classes);
    for (int i = 0; i < m->num_classes; i++)
        printf("%s %d %s", i ? "," : "", i, m->class_names[i]);
    printf("\n");
    printf("output stride     %d (as exported; 8 and 16 both run)\n", m->export_output_stride);
    printf("input size        %d x %d\n", m->input_size, m->input_size);
    printf("normalisation     input = v * %.9g %c %g  (v = 0..255)\n", m->norm_scale,
           m->norm_offset < 0 ? '-' : '+', fabs(m->norm_offset));
    if (bd_weights_meta(f, "bn_epsilon", v, sizeof v))
        printf("batch-norm eps    %s\n", v);
    if (m->q)
        printf("precisions        int8 f32 (--precision int8|f32: the uint8 network as TFLite "
               "computes it, the default, or its exact float dequantisation)\n"
               "int8 input        q = round(x / %.9g) + %d\n", m->q->input.scale,
               (int)m->q->input.zp);
    else
        printf("precisions        f32 (a float model: no int8 network in this file)\n");
}

static void print_blocks(const bd_model *m)
{
    printf("\nstem              3x3 stride 2 conv, 3 -> %d channels\n", m->stem.cout);
    printf("block  stride  in  expanded  out  residual\n");
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block *b = &m->blocks[i];
        int in = b->depthwise.cin, out = b->project.cout;
        if (b->has_expand)
            in = b->expand.cin;
        int stride = bd_network_nominal_stride(i);
        int residual = stride == 1 && in == out;   /* the block adds its input back */
        printf("%5d  %6d  %4d  %8d  %4d  %s\n", i, stride, in, b->depthwise.cout, out,
               residual ? "yes" : "no");
    }
    printf("head              image_pooling %d->%d, aspp0 %d->%d, concat_projection %d->%d, "
           "logits %d->%d\n",
           m->image_pooling.cin, m->image_pooling.cout, m->aspp0.cin, m->aspp0.cout,
           m->concat_projection.cin, m->concat_projection.cout, m->logits.cin, m->logits.cout);
}

static void print_tensors(const bd_model *m)
{
    const bdw_file *f = m->file;
    size_t params = 0, qparams = 0;
    for (int i = 0; i < f->tensor_count; i++) {
        if (f->tensors[i].dtype == BDW_DTYPE_F32)
            params += f->tensors[i].count;
        else
            qparams += f->tensors[i].count;
    }
    printf("\nparameters        %zu (%.2f MB float32) in %d tensors\n", params,
           (double)params * 4 / 1e6, f->tensor_count);
    if (qparams)
        printf("int8 parameters   %zu (uint8 weights, int32 biases) beside them\n", qparams);
    printf("%-28s %-16s %9s %11s %11s %11s\n", "tensor", "shape", "count", "min", "max",
           "mean |w|");
    for (int i = 0; i < f->tensor_count; i++) {
        const bdw_tensor *t = &f->tensors[i];
        char shape[64];
        size_t at = 0;
        for (int d = 0; d < t->ndim; d++)
            at += (size_t)snprintf(shape + at, sizeof shape - at, "%s%d", d ? "x" : "",
                                   t->shape[d]);
        float lo = INFINITY, hi = -INFINITY;
        double sum_abs = 0;
        size_t bad = 0;
        for (size_t k = 0; k < t->count; k++) {
            float x = t->dtype == BDW_DTYPE_F32 ? t->data[k]
                    : t->dtype == BDW_DTYPE_U8 ? (float)((const uint8_t *)t->raw)[k]
                                               : (float)((const int32_t *)t->raw)[k];
            if (!isfinite(x)) {
                bad++;
                continue;
            }
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
            sum_abs += fabs(x);
        }
        printf("%-28s %-16s %9zu %11.4g %11.4g %11.4g", t->name, shape, t->count, lo, hi,
               sum_abs / (double)t->count);
        if (bad)
            printf("  (%zu not finite!)", bad);
        printf("\n");
    }
}

int cli_info(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return BD_EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "backdrop info: unknown option '%s' (try backdrop info --help)\n",
                    argv[i]);
            return BD_EXIT_USAGE;
        }
        if (path) {
            fprintf(stderr, "backdrop info: one weights file at a time ('%s' and '%s')\n",
                    path, argv[i]);
            return BD_EXIT_USAGE;
        }
        path = argv[i];
    }
    static char err[CLI_ERRLEN];
    char *found = cli_model_path(path, err, sizeof err);
    bd_model *m = found ? cli_load_model(found, err, sizeof err) : NULL;
    free(found);
    if (!m) {
        fprintf(stderr, "backdrop: %s\n", err);
        return BD_EXIT_FAIL;
    }
    print_meta(m);
    print_blocks(m);
    print_tensors(m);
    bd_model_free(m);
    return BD_EXIT_OK;
}
