/* compose.h — the compositor: turns a photo and a soft subject mask (the matte) into the
 * effects of the backdrop CLI (bokeh blur, background replacement, gray, cutout).
 *
 * Everything here works on plain buffers so it can be tested on synthetic images and used
 * without the network:
 *  - images are 8-bit interleaved RGB (w x h x 3, row-major, no padding) unless stated;
 *  - a matte is w x h floats in [0, 1]: 1 = subject (kept as is), 0 = background.
 * All operations cost O(1) per pixel whatever the radius (box filters by running sums),
 * parallelise over rows / columns with OpenMP, and return 0 on success, -1 when out of
 * memory (nothing else can fail: callers check sizes).
 *
 * Files: blur.c (Gaussian), matte.c (matte refinement), guided_filter.c (guided filter, box
 * mean), matte_rows.c (compact mattes, read in runs), composite_grid.c (the reduced grid of
 * large photos), effects.c (the compositions),
 * fit_cover.c (background scaling); matte_segment.c ties the matte to the segmenter
 * (bd_segment_matte, below). Part of the public API (src/backdrop.h).
 */
#ifndef BACKDROP_COMPOSE_H
#define BACKDROP_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/segmenter.h"

/* ------------------------------------------------------------------- blur.c ---------- */

/* Gaussian blur of an interleaved float image (w x h x c, 1 <= c <= 32), in place.
 * Three passes per axis of an "extended box" filter (a box of radius r plus fractional end
 * taps), chosen so the variance is exactly sigma^2 per axis for any sigma > 0; the shape is
 * a close approximation of the Gaussian. Samples outside the image count as 0, so a blur
 * darkens near the borders: blur a weight channel too and divide (normalised convolution),
 * as bd_composite_blur does. sigma <= 0 leaves the image unchanged. */
int bd_gauss_blur(float *img, int w, int h, int c, float sigma);

/* The same blur with the border effect divided out (each axis is divided by the blur of a
 * line of ones), as if the image continued with its own weighted average: the blur of a
 * constant image is that constant. For mattes, whose subject often touches a border. */
int bd_gauss_blur_renorm(float *img, int w, int h, int c, float sigma);

/* ------------------------------------------------------------------- matte.c --------- */

typedef enum {
    BD_EDGES_SOFT = 0,    /* the class probability itself */
    BD_EDGES_HARD = 1,    /* binary: probability >= 0.5 */
    BD_EDGES_OTSU = 2,    /* binary: Otsu threshold of the (lightly blurred) probability */
} bd_edges;

typedef enum { BD_GUIDE_NONE = 0, BD_GUIDE_GRAY = 1, BD_GUIDE_COLOR = 2 } bd_guide;

typedef struct bd_matte_opts {
    bd_edges edges;
    bd_guide guide;       /* edge-aware refinement with a guided filter, or none */
    float guide_radius;   /* box radius in pixels of the original image; <= 0: automatic */
    float guide_eps;      /* regularisation, on [0,1] intensities; <= 0: automatic (1e-3) */
    float guide_gain;     /* after the guided filter: alpha = (q - 0.5) * gain + 0.5, clamped;
                             the network is rarely sure (p ~ 0.8 inside a person, 0.3 on the
                             background next to it): this makes them opaque and clear;
                             <= 0: automatic (3: 0.33 -> 0, 0.67 -> 1) */
    float feather;        /* Gaussian feather: sigma = feather / 2 pixels; < 0: automatic,
                             0: none */
    int invert;           /* swap subject and background */
} bd_matte_opts;

/* The defaults: soft edges, colour guided filter (gain 3), automatic radius, no feather. */
bd_matte_opts bd_matte_defaults(void);

/* Refines the class probability prob (w x h, in [0,1]) into a matte, in place, following
 * opts; rgb (w x h x 3) is the guide for the guided filter (may be NULL when opts->guide
 * is BD_GUIDE_NONE). Order: threshold (hard/otsu) -> guided filter + gain -> feather ->
 * invert. The feather defaults to none after the guided filter (its edges are the photo's
 * own), else to bd_matte_auto_feather. */
int bd_matte_refine(float *matte, const uint8_t *rgb, int w, int h, const bd_matte_opts *opts);

/* The same from a probability given on the reduced grid of a large photo (sw x sh, each
 * grid pixel the s x s block of the photo it covers; see bd_matte_grid): thresholds work on
 * the grid, the guided filter fits there and applies at full resolution, otherwise the
 * grid is upsampled bilinearly. matte is w x h. This is what keeps a 12-megapixel photo
 * cheap: the network's probability is never computed per full-resolution pixel. */
int bd_matte_from_grid(const float *prob, int sw, int sh, int s, const uint8_t *rgb, int w,
                       int h, const bd_matte_opts *opts, float *matte);

/* The grid for a w x h photo: returns s = ceil(longer side / 512) (1 up to 512 pixels) and
 * the grid size ceil(w / s) x ceil(h / s). */
int bd_matte_grid(int w, int h, int *sw, int *sh);

/* Otsu's threshold of the 256-bin histogram hist: the bin t maximising the between-class
 * variance of {bins <= t} and {bins > t}; ties pick the middle of the best plateau. */
int bd_otsu_threshold(const uint64_t hist[256]);

/* Guided filter (He, Sun, Tang): edge-preserving smoothing of p (w x h) steered by the
 * image rgb (w x h x 3 bytes, used as I = rgb / 255: its BT.601 luma when guide is
 * BD_GUIDE_GRAY, the three channels when BD_GUIDE_COLOR), box radius r, regularisation eps:
 * q = mean(a) . I + mean(b) with a, b the least-squares fit of p ~ a . I + b in each
 * (2r+1)^2 window (a = (Sigma + eps U)^-1 cov(I, p), b = mean(p) - a . mean(I)).
 * subsample s >= 1 fits a, b on an s-times smaller grid with radius r / s and applies them,
 * bilinearly upsampled, at full resolution ("fast guided filter"). out may equal p. */
int bd_guided_filter(const uint8_t *rgb, bd_guide guide, const float *p, int w, int h,
                     int r, float eps, int subsample, float *out);
/* The same with p given on the s-times smaller grid (ceil(w/s) x ceil(h/s)); gain > 0
 * returns clamp((q - 0.5) * gain + 0.5, 0, 1) instead of q, in the same pass. */
int bd_guided_filter_grid(const uint8_t *rgb, bd_guide guide, const float *p_small, int w,
                          int h, int r, float eps, int s, float gain, float *out);

/* Box mean over the (2r+1)^2 window clipped to the image (divided by the pixels present),
 * of an interleaved float image (w x h x c), in place. */
int bd_box_mean(float *img, int w, int h, int c, int r);

/* The automatic feather and guided-filter radius for an image of this size. */
float bd_matte_auto_feather(int w, int h);
int bd_matte_auto_radius(int w, int h);

/* ------------------------------------------------------------------ effects.c -------- */

/* The default bokeh strength: Gaussian sigma = 0.015 x the longer image side. */
float bd_blur_auto_sigma(int w, int h);

/* Bokeh: out = alpha * rgb + (1 - alpha) * B, where B is the Gaussian blur (sigma) of the
 * background only: blur(rgb * wt) / blur(wt) with wt = max(0, 1 - 2 alpha) (pixels mostly
 * subject carry subject colours even at a soft edge, so they get no weight) + a 1e-4 floor
 * so the division never fails (deep inside the subject B is then a blur of the subject,
 * which alpha = 1 hides). The sharp subject therefore never bleeds into the blur.
 * Large sigmas are computed on a k-times reduced grid (box-averaged, blurred, bilinearly
 * upsampled, sigma corrected for both), which keeps the cost one pass over the image.
 * out may be rgb (in place), as for bd_composite_over, _color and _gray. */
int bd_composite_blur(const uint8_t *rgb, const float *alpha, int w, int h, float sigma,
                      uint8_t *out);

/* Subject over another picture: out = alpha * rgb + (1 - alpha) * bg, bg already w x h x 3
 * (see bd_fit_cover). */
void bd_composite_over(const uint8_t *rgb, const float *alpha, int w, int h,
                       const uint8_t *bg, uint8_t *out);

/* Subject over a solid colour. */
void bd_composite_color(const uint8_t *rgb, const float *alpha, int w, int h,
                        const uint8_t color[3], uint8_t *out);

/* Subject in colour, background in gray: out = alpha * rgb + (1 - alpha) * Y with the
 * ITU-R BT.601 luma Y = round(0.299 R + 0.587 G + 0.114 B), computed exactly in integers. */
void bd_composite_gray(const uint8_t *rgb, const float *alpha, int w, int h, uint8_t *out);
uint8_t bd_luma601(uint8_t r, uint8_t g, uint8_t b);

/* Cutout: out is w x h x 4 RGBA, RGB = rgb, A = round(255 alpha). */
void bd_composite_cutout(const uint8_t *rgb, const float *alpha, int w, int h, uint8_t *out);

/* The matte as an 8-bit gray image: out[i] = round(255 alpha[i]). */
void bd_matte_to_u8(const float *alpha, int w, int h, uint8_t *out);

/* ------------------------------------------------------- compact mattes (matte_rows.c) */

/* A matte kept the way bd_matte_from_grid computes it, without writing it out per pixel:
 * the guided filter's coefficients on the grid (alpha = clamp(A . RGB + B) with A, B
 * bilinear between grid points), the grid cells that are 0 or 1 for any colour marked as
 * such; a feathered matte is kept as floats. The effects (bd_matte_effect) read it row by
 * row, compute alpha only in the mixed cells, leave the subject alone and fill the
 * background: for a 12-megapixel photo no 48 MB float matte is written and read back.
 * A matte refers to the photo rgb it was made from (which must outlive it); an effect
 * written over that photo (out == rgb) uses the matte up. */
typedef struct bd_matte bd_matte;

/* bd_matte_from_grid's matte, compact. NULL if out of memory. */
bd_matte *bd_matte_new(const float *prob, int sw, int sh, int s, const uint8_t *rgb, int w,
                       int h, const bd_matte_opts *opts);
/* Its w x h floats. */
int bd_matte_render(const bd_matte *m, float *alpha);
void bd_matte_free(bd_matte *m);

typedef enum {
    BD_FX_BLUR,           /* bd_composite_blur with sigma */
    BD_FX_OVER,           /* bd_composite_over with bg */
    BD_FX_COLOR,          /* bd_composite_color with color */
    BD_FX_GRAY,           /* bd_composite_gray */
    BD_FX_CUTOUT,         /* bd_composite_cutout: out is w x h x 4 */
    BD_FX_MASK,           /* bd_matte_to_u8: out is w x h */
} bd_fx_kind;

typedef struct bd_fx {
    bd_fx_kind kind;
    float sigma;          /* BD_FX_BLUR */
    const uint8_t *bg;    /* BD_FX_OVER: w x h x 3 */
    uint8_t color[3];     /* BD_FX_COLOR */
} bd_fx;

/* The effect on photo rgb (w x h x 3) with the compact matte m: the same pixels as the
 * bd_composite_* function on bd_matte_render's floats. out may be rgb for the RGB effects.
 * Returns 0, or -1 if out of memory. */
int bd_matte_effect(const uint8_t *rgb, const bd_matte *m, const bd_fx *fx, uint8_t *out);

/* Scales bg (bw x bh x c) to COVER w x h with the aspect ratio kept and crops the centre:
 * scale s = max(w / bw, h / bh); output pixel x samples the source at
 * (x + 0.5 + (bw s - w) / 2) / s - 0.5. Shrinking (s < 1) averages the exact source area
 * each output pixel covers (box filter); enlarging interpolates bilinearly. */
int bd_fit_cover(const uint8_t *bg, int bw, int bh, int c, uint8_t *out, int w, int h);

/* Parses a colour: "#RRGGBB", "RRGGBB", "#RGB" or a name (white, black, gray, red, green,
 * blue). Returns 0 and fills rgb, or -1. */
int bd_parse_color(const char *s, uint8_t rgb[3]);

/* ------------------------------------------- the matte of a photo (matte_segment.c) -- */

typedef struct bd_matte_times {
    double preprocess_ms, network_ms, mask_ms, refine_ms;
} bd_matte_times;

/* Segments the photo and turns the probability of the n classes into its matte (w x h),
 * refined as opts says (src/matte_segment.c). Large photos get the probability on the
 * matte grid (bd_matte_grid), never per full-resolution pixel; the segmenter's labels are
 * then on that grid too. times may be NULL. */
int bd_segment_matte(bd_segmenter *s, const uint8_t *rgb, int w, int h, const int *classes,
                     int n, const bd_matte_opts *opts, float *matte, bd_matte_times *times,
                     char *err, size_t errlen);
/* The same as a compact matte (bd_matte_new, above), for bd_matte_effect: a large
 * photo's matte is then never written out per pixel. *matte is freed with bd_matte_free;
 * rgb must outlive it. */
int bd_segment_matte_compact(bd_segmenter *s, const uint8_t *rgb, int w, int h,
                             const int *classes, int n, const bd_matte_opts *opts,
                             bd_matte **matte, bd_matte_times *times, char *err,
                             size_t errlen);

#endif
