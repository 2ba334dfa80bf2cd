/* model.c — turns a validated weights file into a bd_model: parses the metadata, resolves
 * every canonical tensor of weights/README.md into its layer and checks that the shapes fit
 * together the way DeepLabV3-MobileNetV2 needs them to.
 *
 * Channel counts are never assumed (depth multiplier 1.0, 0.5 or a tiny synthetic model all
 * load the same way): each comes from a tensor's shape and must agree with every other
 * tensor that mentions it:
 *   stem [3,3,3,C0] -> block i: expand [Cin,Cexp] (not in block 0, where Cexp = Cin),
 *   depthwise [3,3,Cexp], project [Cexp,Cout], next Cin = Cout -> image_pooling [C16,Pp],
 *   aspp0 [C16,Pa] -> concat_projection [Pp+Pa,P] -> logits [P,num_classes].
 * Every bias is [cout]. A tensor the network would not use is an error too, so a file is
 * never half-used by accident. Errors are one line "PATH: problem".
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model.h"
#include "engine/qmodel.h"

#define ANY (-1)   /* a dimension whose size the shape check learns instead of checking */

typedef struct loader {       /* state while resolving one model */
    bd_model *m;
    char *used;               /* [tensor_count] 1 once a tensor is taken by a layer */
    char *err;
    size_t errlen;
} loader;

static int fail(loader *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bd_file_verror(L->err, L->errlen, L->m->file->path, fmt, ap);
    va_end(ap);
    return 0;
}

/* ------------------------------------------------------------------ metadata ---------- */

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi || isspace((unsigned char)*s))
        return 0;
    *out = v;
    return 1;
}

static int parse_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || fabs(v) > 1e30 ||
        isspace((unsigned char)*s))
        return 0;
    *out = (float)v;
    return 1;
}

/* Fetches a required key into buf (large enough for the whole metadata text). */
static int need_key(loader *L, const char *key, char *buf, size_t buflen)
{
    if (!bd_weights_meta(L->m->file, key, buf, buflen))
        return fail(L, "metadata has no '%s'", key);
    return 1;
}

static int split_class_names(loader *L, const char *list)
{
    bd_model *m = L->m;
    int n = 0;
    for (const char *p = list;; n++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (n >= m->num_classes)
            return fail(L, "metadata lists more class names than num_classes=%d",
                        m->num_classes);
        if (len == 0)
            return fail(L, "metadata: class name %d is empty", n);
        if (len >= sizeof m->class_names[0])
            return fail(L, "metadata: class name %d ('%.*s') is %zu characters, at most %zu",
                        n, (int)len, p, len, sizeof m->class_names[0] - 1);
        memcpy(m->class_names[n], p, len);
        m->class_names[n][len] = '\0';
        if (!comma)
            break;
        p = comma + 1;
    }
    if (n + 1 != m->num_classes)
        return fail(L, "metadata lists %d class names, num_classes is %d", n + 1,
                    m->num_classes);
    return 1;
}

static int parse_meta(loader *L)
{
    bd_model *m = L->m;
    size_t buflen = strlen(m->file->meta) + 1;
    char *v = malloc(buflen);
    if (!v)
        return fail(L, "out of memory");
    long n;
    int ok = 0;
    if (!need_key(L, "network", v, buflen))
        goto out;
    if (strcmp(v, "deeplabv3_mobilenetv2")) {
        fail(L, "network '%s' is not supported (only deeplabv3_mobilenetv2)", v);
        goto out;
    }
    if (!need_key(L, "depth_multiplier", v, buflen))
        goto out;
    if (!parse_float(v, &m->depth_multiplier) || !(m->depth_multiplier > 0)) {
        fail(L, "metadata: depth_multiplier '%s' is not a positive number", v);
        goto out;
    }
    if (!need_key(L, "num_classes", v, buflen))
        goto out;
    if (!parse_int(v, 1, BD_MAX_CLASSES, &n)) {
        fail(L, "metadata: num_classes '%s' is not a number in 1..%d", v, BD_MAX_CLASSES);
        goto out;
    }
    m->num_classes = (int)n;
    if (!need_key(L, "class_names", v, buflen) || !split_class_names(L, v))
        goto out;
    if (!need_key(L, "output_stride", v, buflen))
        goto out;
    if (!parse_int(v, 8, 16, &n) || (n != 8 && n != 16)) {
        fail(L, "metadata: output_stride '%s' is not 8 or 16", v);
        goto out;
    }
    m->export_output_stride = (int)n;
    if (!need_key(L, "input_size", v, buflen))
        goto out;
    if (!parse_int(v, 1, 8192, &n)) {
        fail(L, "metadata: input_size '%s' is not a number in 1..8192", v);
        goto out;
    }
    m->input_size = (int)n;
    if (!need_key(L, "norm_scale", v, buflen))
        goto out;
    if (!parse_float(v, &m->norm_scale) || m->norm_scale == 0) {
        fail(L, "metadata: norm_scale '%s' is not a nonzero number", v);
        goto out;
    }
    if (!need_key(L, "norm_offset", v, buflen))
        goto out;
    if (!parse_float(v, &m->norm_offset)) {
        fail(L, "metadata: norm_offset '%s' is not a number", v);
        goto out;
    }
    ok = 1;
out:
    free(v);
    return ok;
}

/* ------------------------------------------------------------------ tensors ----------- */

static void format_shape(char *out, size_t outlen, int ndim, const int *dims)
{
    size_t at = 0;
    out[0] = '\0';
    for (int d = 0; d < ndim && at < outlen; d++) {
        int n = dims[d] == ANY ? snprintf(out + at, outlen - at, "%s?", d ? "," : "")
                               : snprintf(out + at, outlen - at, "%s%d", d ? "," : "", dims[d]);
        if (n < 0)
            break;
        at += (size_t)n;
    }
}

/* The tensor NAME with ndim dimensions matching want (ANY matches any size), or NULL with
 * the error written. Marks it used. */
static const bdw_tensor *need_tensor(loader *L, const char *name, int ndim, const int *want)
{
    const bdw_file *f = L->m->file;
    const bdw_tensor *t = bd_weights_find(f, name);
    if (!t) {
        fail(L, "missing tensor '%s'", name);
        return NULL;
    }
    if (t->dtype != BDW_DTYPE_F32) {
        fail(L, "tensor '%s' is not float32", name);
        return NULL;
    }
    int ok = t->ndim == ndim;
    for (int d = 0; ok && d < ndim; d++)
        ok = want[d] == ANY || want[d] == t->shape[d];
    if (!ok) {
        char have[64], expect[64];
        format_shape(have, sizeof have, t->ndim, t->shape);
        format_shape(expect, sizeof expect, ndim, want);
        fail(L, "tensor '%s' has shape [%s], expected [%s]", name, have, expect);
        return NULL;
    }
    L->used[t - f->tensors] = 1;
    return t;
}

/* PREFIX.weight of the given shape and PREFIX.bias [last dimension] into layer. For the
 * depthwise and stem layouts cin is the second last dimension, otherwise the first. */
static int need_layer(loader *L, bd_layer *layer, const char *prefix, int ndim, const int *want)
{
    char name[BDW_MAX_NAME];
    snprintf(name, sizeof name, "%s.weight", prefix);
    const bdw_tensor *w = need_tensor(L, name, ndim, want);
    if (!w)
        return 0;
    int cout = w->shape[ndim - 1];
    snprintf(name, sizeof name, "%s.bias", prefix);
    const bdw_tensor *b = need_tensor(L, name, 1, (const int[]){cout});
    if (!b)
        return 0;
    layer->weight = w->data;
    layer->bias = b->data;
    layer->cout = cout;
    layer->cin = ndim == 2 ? w->shape[0] : w->shape[ndim - 2];
    return 1;
}

static int resolve_layers(loader *L)
{
    bd_model *m = L->m;
    char prefix[BDW_MAX_NAME];
    if (!need_layer(L, &m->stem, "stem", 4, (const int[]){3, 3, 3, ANY}))
        return 0;
    int cin = m->stem.cout;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        bd_block *b = &m->blocks[i];
        int cexp = cin;
        b->has_expand = i > 0;
        if (b->has_expand) {
            snprintf(prefix, sizeof prefix, "block%d.expand", i);
            if (!need_layer(L, &b->expand, prefix, 2, (const int[]){cin, ANY}))
                return 0;
            cexp = b->expand.cout;
        } else if (bd_weights_find(m->file, "block0.expand.weight")) {
            return fail(L, "tensor 'block0.expand.weight' is unexpected: block 0 has no "
                           "expansion");
        }
        snprintf(prefix, sizeof prefix, "block%d.depthwise", i);
        if (!need_layer(L, &b->depthwise, prefix, 3, (const int[]){3, 3, cexp}))
            return 0;
        b->depthwise.cin = cexp;
        snprintf(prefix, sizeof prefix, "block%d.project", i);
        if (!need_layer(L, &b->project, prefix, 2, (const int[]){cexp, ANY}))
            return 0;
        cin = b->project.cout;
    }
    if (!need_layer(L, &m->image_pooling, "image_pooling", 2, (const int[]){cin, ANY}) ||
        !need_layer(L, &m->aspp0, "aspp0", 2, (const int[]){cin, ANY}))
        return 0;
    int concat = m->image_pooling.cout + m->aspp0.cout;
    if (!need_layer(L, &m->concat_projection, "concat_projection", 2,
                    (const int[]){concat, ANY}) ||
        !need_layer(L, &m->logits, "logits", 2,
                    (const int[]){m->concat_projection.cout, m->num_classes}))
        return 0;

    /* precisions=f32,int8: the file also holds the int8 network (qmodel.c) */
    char prec[64];
    if (bd_weights_meta(m->file, "precisions", prec, sizeof prec)) {
        if (strcmp(prec, "f32") && strcmp(prec, "f32,int8"))
            return fail(L, "metadata: precisions '%s' (this build runs f32 and f32,int8)", prec);
        if (!strcmp(prec, "f32,int8") && !bd_qmodel_resolve(m, L->used, L->err, L->errlen))
            return 0;
    }
    for (int i = 0; i < m->file->tensor_count; i++)
        if (!L->used[i])
            return fail(L, "tensor '%s' is not part of the network", m->file->tensors[i].name);
    return 1;
}

/* ------------------------------------------------------------------ public API -------- */

static bd_model *model_from(bdw_file *f, char *err, size_t errlen)
{
    if (!f)
        return NULL;
    bd_model *m = calloc(1, sizeof *m);
    char *used = calloc((size_t)f->tensor_count, 1);
    if (!m || !used) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", f->path);
        free(m);
        free(used);
        bd_weights_close(f);
        return NULL;
    }
    m->file = f;
    loader L = {m, used, err, errlen};
    int ok = parse_meta(&L) && resolve_layers(&L);
    free(used);
    if (!ok) {
        bd_model_free(m);
        return NULL;
    }
    return m;
}

bd_model *bd_model_load(const char *path, char *err, size_t errlen)
{
    return model_from(bd_weights_open(path, err, errlen), err, errlen);
}

bd_model *bd_model_load_memory(const uint8_t *base, size_t size, const char *name, char *err,
                               size_t errlen)
{
    return model_from(bd_weights_open_memory(base, size, name, err, errlen), err, errlen);
}

void bd_model_free(bd_model *m)
{
    if (!m)
        return;
    bd_weights_close(m->file);
    free(m->packed);   /* whoever fills `packed` allocates it with malloc */
    bd_qmodel_free(m->q);
    free(m);
}

int bd_model_class_index(const bd_model *m, const char *name)
{
    if (!m || !name)
        return -1;
    for (int i = 0; i < m->num_classes; i++) {
        const char *a = m->class_names[i], *b = name;
        while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b))
            a++, b++;
        if (!*a && !*b)
            return i;
    }
    return -1;
}

int bd_model_num_classes(const bd_model *m)
{
    return m ? m->num_classes : 0;
}

const char *bd_model_class_name(const bd_model *m, int i)
{
    return m && i >= 0 && i < m->num_classes ? m->class_names[i] : NULL;
}
