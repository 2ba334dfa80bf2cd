/* backdrop.h — the embeddable C API: load a model, segment photos, get a label map or a
 * soft mask at the photo's own resolution.
 *
 *   char err[256];
 *   bd_model *m = model_load("weights/deeplabv3_mnv2_pascal.bdw", err, sizeof err);
 *   bd_segmenter *s = bd_segmenter_new(m, NULL, err, sizeof err);     // defaults
 *   bd_image img;                                                     // image_io.h
 *   image_load("photo.jpg", &img, err, sizeof err);
 *   bd_segmenter_run(s, img.data, img.w, img.h, err, sizeof err);
 *   uint8_t *labels = malloc((size_t)img.w * img.h);                  // class ids
 *   bd_segmenter_labels(s, labels, err, sizeof err);
 *   int person = model_class_index(m, "person");
 *   float *mask = malloc(sizeof(float) * img.w * img.h);              // P(person)
 *   bd_segmenter_mask(s, &person, 1, mask, NULL, err, sizeof err);
 *   ... bd_segmenter_free(s); model_free(m);
 *
 * Every function that can fail returns 0 on success and -1 with a one-line message in err.
 * A segmenter is not thread-safe (it owns its activation memory); use one per thread. Its
 * kernels are parallel inside (OpenMP).
 */
#ifndef BACKDROP_H
#define BACKDROP_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "model.h"

typedef struct bd_segmenter_opts {
    int output_stride;          /* 8 (slower, finer) or 16; 0: the model's exported one */
    int input_size;             /* side of the square network input; 0: the model's (513) */
    int threads;                /* OpenMP threads; 0: OpenMP's default (all cores) */
    const bd_kernels *kernels;  /* NULL: bd_kernels_select() (best for this CPU or
                                   $BACKDROP_ISA) */
} bd_segmenter_opts;

typedef struct bd_segmenter bd_segmenter;

/* Plans the network and allocates all its memory once. opts may be NULL (defaults). The
 * model must outlive the segmenter. */
bd_segmenter *bd_segmenter_new(const bd_model *m, const bd_segmenter_opts *opts,
                               char *err, size_t errlen);
void bd_segmenter_free(bd_segmenter *s);

/* Segments an 8-bit RGB image (w x h x 3, row-major): resize (longest side to the input
 * size), normalise, pad, run the network. The result stays in the segmenter for
 * bd_segmenter_labels / bd_segmenter_mask until the next run. */
int bd_segmenter_run(bd_segmenter *s, const uint8_t *rgb, int w, int h,
                     char *err, size_t errlen);

/* The same for an image already resized to the target size (preprocess_target_size) of an
 * orig_w x orig_h original: results come out at orig_w x orig_h. */
int bd_segmenter_run_resized(bd_segmenter *s, const uint8_t *rgb, int tw, int th,
                             int orig_w, int orig_h, char *err, size_t errlen);

/* Class id of every pixel of the last image (w x h bytes, 0 .. num_classes-1). */
int bd_segmenter_labels(const bd_segmenter *s, uint8_t *labels, char *err, size_t errlen);

/* Probability that each pixel belongs to any of the n classes (softmax over the bilinearly
 * interpolated logits, summed over those classes), at the image's resolution. Either
 * output may be NULL: mask gets floats in 0..1, mask_u8 bytes round(255 p). */
int bd_segmenter_mask(const bd_segmenter *s, const int *classes, int n,
                      float *mask, uint8_t *mask_u8, char *err, size_t errlen);

/* The logits of the last run (fh x fw x classes NHWC, covering the padded square input). */
const float *bd_segmenter_logits(const bd_segmenter *s, int *fh, int *fw, int *classes);

typedef struct bd_segmenter_info {
    const char *isa;            /* kernels in use: "scalar", "avx2", ... */
    int output_stride, input_size, threads;
    size_t arena_bytes;         /* activation memory: the network's peak */
    double preprocess_ms, network_ms;   /* of the last run */
} bd_segmenter_info;

void bd_segmenter_get_info(const bd_segmenter *s, bd_segmenter_info *info);

/* ---------------------------------------------------------------- the compositor ----- *
 * Effects on an 8-bit RGB photo and its matte (w x h floats, 1 = subject, 0 = background),
 * all in composite.h: bd_composite_blur (bokeh without halo), bd_composite_over (another
 * picture, see bd_fit_cover), bd_composite_color, bd_composite_gray, bd_composite_cutout
 * (RGBA), bd_matte_to_u8; matte refinement: bd_matte_refine, bd_guided_filter, ...
 *
 *   float *matte = malloc(sizeof(float) * img.w * img.h);
 *   bd_matte_opts mo = bd_matte_defaults();                  // guided filter, soft edges
 *   bd_segment_matte(s, img.data, img.w, img.h, &person, 1, &mo, matte, NULL, err, sizeof err);
 *   bd_composite_blur(img.data, matte, img.w, img.h, bd_blur_auto_sigma(img.w, img.h), out);
 */
#include "composite.h"

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
/* The same as a compact matte (composite.h: bd_matte_new), for bd_matte_effect: a large
 * photo's matte is then never written out per pixel. *matte is freed with bd_matte_free;
 * rgb must outlive it. */
int bd_segment_matte_compact(bd_segmenter *s, const uint8_t *rgb, int w, int h,
                             const int *classes, int n, const bd_matte_opts *opts,
                             bd_matte **matte, bd_matte_times *times, char *err,
                             size_t errlen);

#endif
