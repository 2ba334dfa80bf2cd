/* matte.c — turns the network's soft class probability into the matte the effects use:
 * optional thresholding (hard 0.5, or Otsu's threshold of the blurred mask as the classic
 * OpenCV recipe does), then the guided filter that snaps the coarse mask to the photo's
 * edges followed by a gain of 3 around 0.5 (the network's probability is often only 0.8
 * inside a person and 0.3 on the background next to it: the gain makes those opaque and
 * clear), then a Gaussian feather, then optional inversion.
 *
 * Why these defaults: the network sees the photo at 513 pixels and predicts at 1/16 of that,
 * so its upsampled probability is right about *where* the subject is but blurry by tens of
 * pixels at the edge. The colour guided filter (radius 1.5 % of the image) moves that edge
 * onto the real one (hair, fingers, collars); its edges are the photo's own, so it needs no
 * feather. Without it, a feather of 0.3 % of the image anti-aliases hard/otsu cuts and
 * softens the plain probability a little. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compose/compose.h"
#include "compose/matte_rows.h"

bd_matte_opts bd_matte_defaults(void)
{
    bd_matte_opts o;
    o.edges = BD_EDGES_SOFT;
    o.guide = BD_GUIDE_COLOR;
    o.guide_radius = 0.0f;
    o.guide_eps = 0.0f;
    o.guide_gain = 0.0f;
    o.feather = -1.0f;
    o.invert = 0;
    return o;
}

static int max_side(int w, int h) { return w > h ? w : h; }

float bd_matte_auto_feather(int w, int h)
{
    float f = 0.003f * (float)max_side(w, h);
    return f < 1.0f ? 1.0f : f;
}

int bd_matte_auto_radius(int w, int h)
{
    int r = (int)lrintf(0.015f * (float)max_side(w, h));
    return r < 2 ? 2 : r;
}

/* The guided filter's grid: fits on at most 512 pixels along the longer side (the network
 * itself looks at 513). */
static int auto_subsample(int w, int h)
{
    int s = (max_side(w, h) + 511) / 512;
    return s < 1 ? 1 : s;
}

int bd_otsu_threshold(const uint64_t hist[256])
{
    double total = 0, sum = 0;
    for (int i = 0; i < 256; i++) {
        total += (double)hist[i];
        sum += (double)i * (double)hist[i];
    }
    double between[256], best = -1.0;
    double wb = 0, sumb = 0;
    for (int t = 0; t < 256; t++) {
        wb += (double)hist[t];
        sumb += (double)t * (double)hist[t];
        const double wf = total - wb;
        between[t] = 0.0;
        if (wb > 0 && wf > 0) {
            const double d = sumb / wb - (sum - sumb) / wf;
            between[t] = wb * wf * d * d;
        }
        if (between[t] > best) best = between[t];
    }
    /* the first run of thresholds reaching the maximum, and its middle */
    int lo = 0;
    while (lo < 255 && between[lo] < best * (1.0 - 1e-12)) lo++;
    int hi = lo;
    while (hi < 255 && between[hi + 1] >= best * (1.0 - 1e-12)) hi++;
    return (lo + hi) / 2;
}

/* Binarise at Otsu's threshold of the mask blurred by a small Gaussian. */
static int otsu_binarise(float *m, int w, int h, float sigma)
{
    const size_t n = (size_t)w * h;
    float *b = malloc(n * sizeof(float));
    if (!b) return -1;
    memcpy(b, m, n * sizeof(float));
    if (bd_gauss_blur_renorm(b, w, h, 1, sigma < 1.0f ? 1.0f : sigma)) {
        free(b);
        return -1;
    }
    uint64_t hist[256] = {0};
    for (size_t i = 0; i < n; i++) {
        float v = b[i] < 0 ? 0 : b[i] > 1 ? 1 : b[i];
        b[i] = v;
        hist[(int)lrintf(v * 255.0f)]++;
    }
    const int t = bd_otsu_threshold(hist);
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) m[i] = lrintf(b[i] * 255.0f) > t ? 1.0f : 0.0f;
    free(b);
    return 0;
}

static void clamp01(float *m, size_t n)
{
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) m[i] = m[i] < 0.0f ? 0.0f : m[i] > 1.0f ? 1.0f : m[i];
}

int bd_matte_grid(int w, int h, int *sw, int *sh)
{
    const int s = auto_subsample(w, h);
    *sw = (w + s - 1) / s;
    *sh = (h + s - 1) / s;
    return s;
}

/* The matte of the grid probability p_small; a feathered matte is rendered into dst when
 * given (else into a buffer of its own). NULL if out of memory. */
static bd_matte *build(const float *p_small, int sw, int sh, int s, const uint8_t *rgb, int w,
                       int h, const bd_matte_opts *o, float *dst)
{
    const size_t ns = (size_t)sw * sh, n = (size_t)w * h;
    float *q = malloc(ns * sizeof(float)), *c4 = NULL;
    uint8_t *range = NULL;        /* the blocks' colour ranges (guided filter) */
    if (!q) return NULL;
    memcpy(q, p_small, ns * sizeof(float));
    clamp01(q, ns);
    if (o->edges == BD_EDGES_HARD) {
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < ns; i++) q[i] = q[i] >= 0.5f ? 1.0f : 0.0f;
    } else if (o->edges == BD_EDGES_OTSU) {
        if (otsu_binarise(q, sw, sh, 0.004f * (float)max_side(w, h) / (float)s)) goto fail;
    }
    const int guided = o->guide != BD_GUIDE_NONE && rgb;
    if (guided) {
        const int r = o->guide_radius > 0 ? (int)lrintf(o->guide_radius)
                                          : bd_matte_auto_radius(w, h);
        const float eps = o->guide_eps > 0 ? o->guide_eps : 1e-3f;
        const float gain = o->guide_gain > 0 ? o->guide_gain : 3.0f;
        range = malloc(ns * 6);   /* optional: without it, cells are judged for any colour */
        c4 = bd_guided_coef(rgb, o->guide, NULL, q, w, h, r, eps, s, gain, range);
    } else if ((c4 = malloc(ns * 4 * sizeof(float)))) {   /* bilinear upsampling of q */
        for (size_t i = 0; i < ns; i++) {
            c4[i * 4] = c4[i * 4 + 1] = c4[i * 4 + 2] = 0.0f;
            c4[i * 4 + 3] = q[i];
        }
    }
    free(q);
    q = NULL;
    if (!c4) {
        free(range);
        return NULL;
    }
    /* The guided filter's edges are the photo's own: no feather unless asked for. */
    const float feather = o->feather >= 0 ? o->feather : guided ? 0.0f
                                                                : bd_matte_auto_feather(w, h);
    bd_matte *m = bd_matte_from_coef(c4, range, guided ? rgb : NULL, w, h, s, 1,
                                  feather > 0 ? 0 : o->invert);
    free(range);
    if (!m || !(feather > 0)) return m;

    /* Feathered: the matte in full, blurred, kept as floats. */
    bd_matte *f = calloc(1, sizeof *f);
    float *a = dst ? dst : malloc(n * sizeof(float));
    if (!f || !a || bd_matte_render(m, a) || bd_gauss_blur_renorm(a, w, h, 1, feather * 0.5f)) {
        bd_matte_free(m);
        free(f);
        if (a != dst) free(a);
        return NULL;
    }
    bd_matte_free(m);
    clamp01(a, n);
    if (o->invert) {
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) a[i] = 1.0f - a[i];
    }
    bd_matte_wrap(f, a, w, h);
    if (a != dst) f->owned = a;
    return f;
fail:
    free(q);
    return NULL;
}

bd_matte *bd_matte_new(const float *p_small, int sw, int sh, int s, const uint8_t *rgb, int w,
                       int h, const bd_matte_opts *o)
{
    return build(p_small, sw, sh, s, rgb, w, h, o, NULL);
}

int bd_matte_from_grid(const float *p_small, int sw, int sh, int s, const uint8_t *rgb, int w,
                       int h, const bd_matte_opts *o, float *m)
{
    bd_matte *mt = build(p_small, sw, sh, s, rgb, w, h, o, m);
    const int rc = !mt ? -1 : mt->alpha == m ? 0 : bd_matte_render(mt, m);
    bd_matte_free(mt);
    return rc;
}

int bd_matte_refine(float *m, const uint8_t *rgb, int w, int h, const bd_matte_opts *o)
{
    return bd_matte_from_grid(m, w, h, 1, rgb, w, h, o, m);
}
