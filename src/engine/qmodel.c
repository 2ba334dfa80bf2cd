/* qmodel.c — resolves the integer network of a weights file (weights/README.md, "int8") into
 * a bd_qmodel: the uint8 / int32 tensors beside each float layer, and the quant.* metadata,
 * checked the way model.c checks the float layers, plus the quantisation chain (each layer's
 * input scale and zero point are its producer's output ones, exactly: a file that breaks the
 * chain would make the integer graph compute something else than the model).
 * The multipliers (QuantizeMultiplier of the real rescale factors) are derived here once.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/network.h"
#include "engine/qmodel.h"

typedef struct qloader {
    bd_model *m;
    bd_qmodel *q;
    char *used;
    char *err;
    size_t errlen;
    char value[512];
} qloader;

static int qfail(qloader *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bd_file_verror(L->err, L->errlen, L->m->file->path, fmt, ap);
    va_end(ap);
    return 0;
}

/* ------------------------------------------------------------------ metadata ---------- */

/* Splits the value of key into at most max comma-separated fields (in L->value). */
static int fields(qloader *L, const char *key, char **f, int want)
{
    if (!bd_weights_meta(L->m->file, key, L->value, sizeof L->value))
        return qfail(L, "metadata has no '%s' (needed to run as int8)", key);
    int n = 0;
    for (char *p = L->value;; n++) {
        if (n == want)
            return qfail(L, "metadata '%s' has more than %d fields", key, want);
        f[n] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    if (n + 1 != want)
        return qfail(L, "metadata '%s' has %d fields, expected %d", key, n + 1, want);
    return 1;
}

static int parse_qparam(qloader *L, const char *key, const char *s, const char *z, bd_qparam *out)
{
    char *end;
    errno = 0;
    float scale = strtof(s, &end);
    if (errno || end == s || *end || !isfinite(scale) || !(scale > 0.0f) || scale > 1e6f)
        return qfail(L, "metadata '%s': scale '%s' is not a positive number", key, s);
    errno = 0;
    long zp = strtol(z, &end, 10);
    if (errno || end == z || *end || zp < 0 || zp > 255)
        return qfail(L, "metadata '%s': zero point '%s' is not 0..255", key, z);
    out->scale = scale;
    out->zp = (int32_t)zp;
    return 1;
}

static int parse_act(qloader *L, const char *key, const char *s, int *act)
{
    if (!strcmp(s, "none"))
        *act = 0;
    else if (!strcmp(s, "relu"))
        *act = 1;
    else if (!strcmp(s, "relu6"))
        *act = 2;
    else
        return qfail(L, "metadata '%s': activation '%s' (none, relu or relu6)", key, s);
    return 1;
}

static int need_pair(qloader *L, const char *key, bd_qparam *out)
{
    char *f[2];
    return fields(L, key, f, 2) && parse_qparam(L, key, f[0], f[1], out);
}

static int same(bd_qparam a, bd_qparam b) { return a.scale == b.scale && a.zp == b.zp; }

/* ------------------------------------------------------------------ tensors ----------- */

static const bdw_tensor *need_int(qloader *L, const char *name, int dtype, const bdw_tensor *like,
                                  int count)
{
    const bdw_file *f = L->m->file;
    const bdw_tensor *t = bd_weights_find(f, name);
    if (!t)
        return qfail(L, "missing tensor '%s' (needed to run as int8)", name), NULL;
    if (t->dtype != dtype)
        return qfail(L, "tensor '%s' is not %s", name, dtype == BDW_DTYPE_U8 ? "uint8" : "int32"),
               NULL;
    int ok = like ? t->ndim == like->ndim : t->ndim == 1 && t->shape[0] == count;
    for (int d = 0; ok && like && d < t->ndim; d++)
        ok = t->shape[d] == like->shape[d];
    if (!ok)
        return qfail(L, "tensor '%s' does not have the shape of its float layer", name), NULL;
    L->used[t - f->tensors] = 1;
    return t;
}

/* quant.<prefix> and <prefix>.qweight / .qbias into ql; the layer must read `in`. */
static int need_qlayer(qloader *L, bd_qlayer *ql, const char *prefix, bd_qparam in)
{
    char key[BDW_MAX_NAME + 8], name[BDW_MAX_NAME + 8];
    char *f[7];
    snprintf(key, sizeof key, "quant.%s", prefix);
    if (!fields(L, key, f, 7) || !parse_qparam(L, key, f[0], f[1], &ql->in) ||
        !parse_qparam(L, key, f[2], f[3], &ql->w) || !parse_qparam(L, key, f[4], f[5], &ql->out) ||
        !parse_act(L, key, f[6], &ql->act))
        return 0;
    if (!same(ql->in, in))
        return qfail(L, "metadata '%s': the layer reads scale %.9g zero point %d, but its input "
                        "has scale %.9g zero point %d", key, ql->in.scale, ql->in.zp, in.scale,
                     in.zp);
    snprintf(name, sizeof name, "%s.weight", prefix);
    const bdw_tensor *fw = bd_weights_find(L->m->file, name);
    snprintf(name, sizeof name, "%s.qweight", prefix);
    const bdw_tensor *w = need_int(L, name, BDW_DTYPE_U8, fw, 0);
    if (!w)
        return 0;
    snprintf(name, sizeof name, "%s.qbias", prefix);
    const bdw_tensor *b = need_int(L, name, BDW_DTYPE_I32, NULL, w->shape[w->ndim - 1]);
    if (!b)
        return 0;
    ql->weight = (const uint8_t *)w->raw;
    ql->bias = (const int32_t *)b->raw;
    bd_qu8_conv_setup(&ql->conv, ql->in.scale, ql->in.zp, ql->w.scale, ql->w.zp, ql->out.scale,
                      ql->out.zp, ql->act);
    return 1;
}

static int need_add(qloader *L, bd_qblock *b, int i, bd_qparam skip)
{
    char key[32];
    char *f[7];
    bd_qparam s, p;
    int act;
    snprintf(key, sizeof key, "quant.block%d.add", i);
    if (!fields(L, key, f, 7) || !parse_qparam(L, key, f[0], f[1], &s) ||
        !parse_qparam(L, key, f[2], f[3], &p) || !parse_qparam(L, key, f[4], f[5], &b->add_out) ||
        !parse_act(L, key, f[6], &act))
        return 0;
    if (!same(s, skip) || !same(p, b->project.out))
        return qfail(L, "metadata '%s': the add's inputs are not quantised like the block input "
                        "and the project output", key);
    b->has_add = 1;
    bd_qu8_add_setup(&b->add, s.scale, s.zp, p.scale, p.zp, b->add_out.scale, b->add_out.zp, act);
    return 1;
}

static int resolve(qloader *L)
{
    bd_model *m = L->m;
    bd_qmodel *q = L->q;
    char prefix[32];
    if (!need_pair(L, "quant.input", &q->input) || !need_qlayer(L, &q->stem, "stem", q->input))
        return 0;
    bd_qparam x = q->stem.out;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        bd_qblock *b = &q->blocks[i];
        bd_qparam t = x;
        if (m->blocks[i].has_expand) {
            snprintf(prefix, sizeof prefix, "block%d.expand", i);
            if (!need_qlayer(L, &b->expand, prefix, t))
                return 0;
            t = b->expand.out;
        }
        snprintf(prefix, sizeof prefix, "block%d.depthwise", i);
        if (!need_qlayer(L, &b->depthwise, prefix, t))
            return 0;
        snprintf(prefix, sizeof prefix, "block%d.project", i);
        if (!need_qlayer(L, &b->project, prefix, b->depthwise.out))
            return 0;
        /* a residual exactly where the float network has one: stride-1 blocks whose channel
         * count does not change (the stride rule never changes which, see network.c) */
        int cin = i ? m->blocks[i].expand.cin : m->stem.cout;
        int residual = bd_network_nominal_stride(i) == 1 && m->blocks[i].project.cout == cin;
        snprintf(prefix, sizeof prefix, "quant.block%d.add", i);
        if (residual) {
            if (!need_add(L, b, i, x))
                return 0;
            x = b->add_out;
        } else {
            if (bd_weights_meta(m->file, prefix, NULL, 0))
                return qfail(L, "metadata '%s': block %d has no residual", prefix, i);
            x = b->project.out;
        }
    }
    if (!need_pair(L, "quant.pool", &q->pool))
        return 0;
    if (!same(q->pool, x))
        return qfail(L, "metadata 'quant.pool': the average pool must keep its input's "
                        "quantisation");
    if (!need_qlayer(L, &q->image_pooling, "image_pooling", q->pool) ||
        !need_qlayer(L, &q->aspp0, "aspp0", x) || !need_pair(L, "quant.concat", &q->concat))
        return 0;
    if (!same(q->aspp0.out, q->concat))
        return qfail(L, "metadata 'quant.concat': aspp0's output must already be in the "
                        "concatenation's quantisation");
    bd_qu8_requant_setup(&q->pool_to_concat, q->image_pooling.out.scale, q->concat.scale,
                         q->concat.zp);
    return need_qlayer(L, &q->concat_projection, "concat_projection", q->concat) &&
           need_qlayer(L, &q->logits, "logits", q->concat_projection.out);
}

/* Every convolution's float32 requantisation where it is provably exact (the SIMD kernels'
 * faster form, bd_qu8_requant_float); the depthwise ones round as their reference does. */
static void float_requants(const bd_model *m, bd_qmodel *q)
{
    bd_qu8_requant_float(&q->stem.conv.rq, 0);
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        if (m->blocks[i].has_expand)
            bd_qu8_requant_float(&q->blocks[i].expand.conv.rq, 0);
        bd_qu8_requant_float(&q->blocks[i].depthwise.conv.rq, 1);
        bd_qu8_requant_float(&q->blocks[i].project.conv.rq, 0);
    }
    bd_qu8_requant_float(&q->image_pooling.conv.rq, 0);
    bd_qu8_requant_float(&q->aspp0.conv.rq, 0);
    bd_qu8_requant_float(&q->concat_projection.conv.rq, 0);
    bd_qu8_requant_float(&q->logits.conv.rq, 0);
}

int bd_qmodel_resolve(bd_model *m, char *used, char *err, size_t errlen)
{
    qloader *L = calloc(1, sizeof *L);
    bd_qmodel *q = calloc(1, sizeof *q);
    if (!L || !q) {
        free(L);
        free(q);
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", m->file->path);
        return 0;
    }
    *L = (qloader){.m = m, .q = q, .used = used, .err = err, .errlen = errlen};
    int ok = resolve(L);
    free(L);
    if (!ok) {
        free(q);
        return 0;
    }
    float_requants(m, q);
    m->q = q;
    return 1;
}

void bd_qmodel_free(bd_qmodel *q)
{
    free(q);
}
