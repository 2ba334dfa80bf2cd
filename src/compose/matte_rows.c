/* matte_rows.c — a matte held as grid coefficients or floats, read row by row in runs of
 * background, subject and mixed pixels (see matte_rows.h); and its full-resolution floats
 * (bd_matte_render). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compose/composite_grid.h"
#include "compose/matte_rows.h"

void bd_matte_free(bd_matte *m)
{
    if (!m) return;
    free(m->owned);
    free(m->coef);
    free(m->runs);
    free(m->nruns);
    free(m->xi);
    free(m->yi);
    free(m->xf);
    free(m->yf);
    free(m);
}

void bd_matte_wrap(bd_matte *m, const float *alpha, int w, int h)
{
    memset(m, 0, sizeof *m);
    m->w = w;
    m->h = h;
    m->alpha = alpha;
}

/* The runs of cell row j from the cells' kinds (kind[i] for cell i, between grid columns i
 * and i + 1), in pixels: cell i covers the columns x with xi[x] == i. */
static int row_runs(const uint8_t *kind, int sw, const int *cx0, bd_matte_run *out)
{
    int n = 0;
    for (int i = 0; i < sw; i++) {
        const int x0 = cx0[i], x1 = cx0[i + 1];
        if (x0 >= x1) continue;
        if (n > 0 && out[n - 1].kind == kind[i] && out[n - 1].x1 == x0) {
            out[n - 1].x1 = x1;
        } else {
            out[n].x0 = x0;
            out[n].x1 = x1;
            out[n].kind = kind[i];
            n++;
        }
    }
    return n;
}

/* The largest and smallest B + A . c over the colours c of the box lo..hi (bytes). */
static inline void bounds(const float *cf, const float lo[3], const float hi[3], float *top,
                          float *bottom)
{
    float t = cf[3], u = cf[3];
    for (int k = 0; k < 3; k++) {
        const float a = cf[k];
        t += a > 0 ? a * hi[k] : a * lo[k];
        u += a > 0 ? a * lo[k] : a * hi[k];
    }
    *top = t;
    *bottom = u;
}

bd_matte *bd_matte_from_coef(float *coef, const uint8_t *range, const uint8_t *rgb, int w,
                          int h, int s, int clamp, int invert)
{
    bd_matte *m = calloc(1, sizeof *m);
    if (!m) {
        free(coef);
        return NULL;
    }
    const int sw = (w + s - 1) / s, sh = (h + s - 1) / s;
    const size_t n = (size_t)sw * sh;
    m->w = w;
    m->h = h;
    m->rgb = rgb;
    m->s = s;
    m->sw = sw;
    m->sh = sh;
    m->coef = coef;
    m->clamp = clamp;
    m->invert = invert;
    m->xi = malloc((size_t)w * sizeof(int));
    m->yi = malloc((size_t)h * sizeof(int));
    m->xf = malloc((size_t)w * sizeof(float));
    m->yf = malloc((size_t)h * sizeof(float));
    m->runs = malloc(n * sizeof(bd_matte_run));
    m->nruns = malloc((size_t)sh * sizeof(int));
    int *cx0 = malloc((size_t)(sw + 1) * sizeof(int));
    if (!m->xi || !m->yi || !m->xf || !m->yf || !m->runs || !m->nruns || !cx0) {
        free(cx0);
        bd_matte_free(m);
        return NULL;
    }
    bd_grid_coords(w, sw, s, m->xi, m->xf);
    bd_grid_coords(h, sh, s, m->yi, m->yf);
    for (int i = 0, x = 0; i <= sw; i++) {   /* first column of each cell */
        while (x < w && m->xi[x] < i) x++;
        cx0[i] = x;
    }
    /* A cell (grid points i..i+1, j..j+1, clamped) is 0 (1) when each corner's B + A . RGB
     * is <= 0 (>= 1) for every colour its pixels may have: those of blocks i..i+1 x j..j+1
     * (a pixel of block b lies in cell b - 1 or b), or any colour without range. */
    #pragma omp parallel
    {
        uint8_t *kind = malloc((size_t)sw);
        #pragma omp for schedule(static)
        for (int j = 0; j < sh; j++) {
            const int j1 = j + 1 < sh ? j + 1 : sh - 1;
            for (int i = 0; kind && i < sw; i++) {
                const int i1 = i + 1 < sw ? i + 1 : sw - 1;
                const size_t corner[4] = {(size_t)j * sw + i, (size_t)j * sw + i1,
                                          (size_t)j1 * sw + i, (size_t)j1 * sw + i1};
                float lo[3] = {0, 0, 0}, hi[3] = {255, 255, 255};
                if (range) {
                    for (int k = 0; k < 3; k++) {
                        int l = 255, u = 0;
                        for (int c = 0; c < 4; c++) {
                            const uint8_t *rg = range + corner[c] * 6;
                            if (rg[k] < l) l = rg[k];
                            if (rg[3 + k] > u) u = rg[3 + k];
                        }
                        lo[k] = (float)l;
                        hi[k] = (float)u;
                    }
                }
                int all_bg = clamp, all_fg = clamp;
                for (int c = 0; c < 4 && (all_bg || all_fg); c++) {
                    float t, u;
                    bounds(coef + corner[c] * 4, lo, hi, &t, &u);
                    all_bg &= t <= 0.0f;
                    all_fg &= u >= 1.0f;
                }
                int kd = all_bg ? RUN_BG : all_fg ? RUN_FG : RUN_MIXED;
                if (invert && kd != RUN_MIXED) kd = kd == RUN_BG ? RUN_FG : RUN_BG;
                kind[i] = (uint8_t)kd;
            }
            if (kind) {
                m->nruns[j] = row_runs(kind, sw, cx0, m->runs + (size_t)j * sw);
            } else {                  /* out of memory for sw bytes: one mixed run */
                m->runs[(size_t)j * sw] = (bd_matte_run){0, w, RUN_MIXED};
                m->nruns[j] = 1;
            }
        }
        free(kind);
    }
    free(cx0);
    return m;
}

/* ------------------------------------------------------------------ reading ----------- */

int bd_matte_reader_init(bd_matte_reader *r, const bd_matte *m)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->cached = -1;
    r->whole = (bd_matte_run){0, m->w, RUN_MIXED};
    if (m->alpha) return 0;
    r->ua = malloc((size_t)m->w * 4 * sizeof(float));
    r->ub = malloc((size_t)m->w * 4 * sizeof(float));
    r->alpha = malloc((size_t)m->w * sizeof(float));
    r->px = malloc((size_t)m->w * 3 * sizeof(float));
    if (!r->ua || !r->ub || !r->alpha || !r->px) {
        bd_matte_reader_free(r);
        return -1;
    }
    return 0;
}

void bd_matte_reader_free(bd_matte_reader *r)
{
    free(r->ua);
    free(r->ub);
    free(r->alpha);
    free(r->px);
    r->ua = r->ub = r->alpha = r->px = NULL;
}

const bd_matte_run *bd_matte_reader_runs(bd_matte_reader *r, int y, int *n)
{
    const bd_matte *m = r->m;
    if (m->alpha) {
        *n = 1;
        return &r->whole;
    }
    const int j = m->yi[y];
    *n = m->nruns[j];
    return m->runs + (size_t)j * m->sw;
}

/* Grid rows g and g + 1 interpolated along x over the mixed runs of cell row g, as planes
 * (ua + c * w: coefficient c), so the per-pixel loop below vectorises. */
static void cache_cell_row(bd_matte_reader *r, int g)
{
    const bd_matte *m = r->m;
    const int g1 = g + 1 < m->sh ? g + 1 : g, sw = m->sw, w = m->w;
    const float *ga = m->coef + (size_t)g * sw * 4, *gb = m->coef + (size_t)g1 * sw * 4;
    const bd_matte_run *run = m->runs + (size_t)g * sw;
    for (int k = 0; k < m->nruns[g]; k++) {
        if (run[k].kind != RUN_MIXED) continue;
        for (int x = run[k].x0; x < run[k].x1; x++) {
            const int i0 = m->xi[x], i1 = i0 + 1 < sw ? i0 + 1 : i0;
            const float f = m->xf[x];
            for (int c = 0; c < 4; c++) {
                float a = ga[i0 * 4 + c], b = ga[i1 * 4 + c];
                r->ua[(size_t)c * w + x] = a + f * (b - a);
                a = gb[i0 * 4 + c];
                b = gb[i1 * 4 + c];
                r->ub[(size_t)c * w + x] = a + f * (b - a);
            }
        }
    }
    r->cached = g;
}

const float *bd_matte_reader_alpha(bd_matte_reader *r, int y, int x0, int x1)
{
    const bd_matte *m = r->m;
    const int w = m->w;
    if (m->alpha) return m->alpha + (size_t)y * w;
    const int g = m->yi[y];
    if (r->cached != g) cache_cell_row(r, g);
    const float f = m->yf[y];
    const float lo = m->clamp ? 0.0f : -INFINITY, hi = m->clamp ? 1.0f : INFINITY;
    const float *restrict a0 = r->ua, *restrict a1 = a0 + w, *restrict a2 = a1 + w,
                *restrict a3 = a2 + w;
    const float *restrict b0 = r->ub, *restrict b1 = b0 + w, *restrict b2 = b1 + w,
                *restrict b3 = b2 + w;
    float *restrict q = r->alpha;
    if (!m->rgb) {                /* no guide: A = 0, the bilinear upsampling of B */
        #pragma omp simd
        for (int x = x0; x < x1; x++) {
            float v = a3[x] + f * (b3[x] - a3[x]);
            v = v < lo ? lo : v;
            q[x] = v > hi ? hi : v;
        }
    } else {
        const uint8_t *restrict px = m->rgb + (size_t)y * w * 3;
        /* the pixels as three planes of floats, so the loop below runs on whole vectors */
        float *restrict pr = r->px, *restrict pg = pr + w, *restrict pb = pg + w;
        for (int x = x0; x < x1; x++) {
            pr[x] = px[3 * x];
            pg[x] = px[3 * x + 1];
            pb[x] = px[3 * x + 2];
        }
        #pragma omp simd
        for (int x = x0; x < x1; x++) {
            float v = a3[x] + f * (b3[x] - a3[x]) + (a0[x] + f * (b0[x] - a0[x])) * pr[x] +
                      (a1[x] + f * (b1[x] - a1[x])) * pg[x] + (a2[x] + f * (b2[x] - a2[x])) * pb[x];
            v = v < lo ? lo : v;
            q[x] = v > hi ? hi : v;
        }
    }
    if (m->invert)
        #pragma omp simd
        for (int x = x0; x < x1; x++) q[x] = 1.0f - q[x];
    return q;
}

/* ------------------------------------------------------------------ rendering --------- */

int bd_matte_render(const bd_matte *m, float *out)
{
    const int w = m->w, h = m->h;
    if (m->alpha) {
        if (out != m->alpha) memcpy(out, m->alpha, (size_t)w * h * sizeof(float));
        return 0;
    }
    int failed = 0;
    #pragma omp parallel
    {
        bd_matte_reader r;
        const int ok = !bd_matte_reader_init(&r, m);
        if (!ok) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!ok) continue;
            int n;
            const bd_matte_run *run = bd_matte_reader_runs(&r, y, &n);
            float *o = out + (size_t)y * w;
            for (int k = 0; k < n; k++) {
                const int x0 = run[k].x0, x1 = run[k].x1;
                if (run[k].kind == RUN_MIXED) {
                    const float *a = bd_matte_reader_alpha(&r, y, x0, x1);
                    memcpy(o + x0, a + x0, (size_t)(x1 - x0) * sizeof(float));
                } else {
                    const float v = run[k].kind == RUN_FG ? 1.0f : 0.0f;
                    for (int x = x0; x < x1; x++) o[x] = v;
                }
            }
        }
        if (ok) bd_matte_reader_free(&r);
    }
    return failed ? -1 : 0;
}
