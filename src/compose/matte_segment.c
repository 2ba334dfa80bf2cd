/* matte_segment.c — from a photo to its matte in one call (declared in backdrop.h): runs the
 * segmenter and refines its class probability into the matte the effects use.
 *
 * For a large photo the probability is asked for on the matte grid (bd_matte_grid: at most
 * 512 pixels on the longer side) rather than per full-resolution pixel: a softmax over 21
 * classes for each of 12 million pixels would cost more than the network itself, and the
 * network's 33x33 logits carry no detail such a grid loses. The guided filter then
 * brings the photo's full-resolution edges back (bd_matte_from_grid), or stays on the grid
 * as coefficients the effects apply per pixel (bd_matte_new, bd_segment_matte_compact).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "compose/compose.h"
#include "engine/preprocess.h"
#include "io/clock.h"

/* The matte as floats (matte) or compact (*compact). */
static int segment(bd_segmenter *seg, const uint8_t *rgb, int w, int h, const int *classes,
                   int nclasses, const bd_matte_opts *opts, float *matte, bd_matte **compact,
                   bd_matte_times *times, char *err, size_t errlen)
{
    bd_matte_times t = {0};
    bd_segmenter_info info;
    int sw, sh, tw, th, rc = -1;
    const int s = bd_matte_grid(w, h, &sw, &sh);
    uint8_t *resized = NULL;
    float *prob = NULL;
    double t0 = bd_now_ms();

    if (s == 1) {
        if (bd_segmenter_run(seg, rgb, w, h, err, errlen)) goto done;
    } else {
        /* the segmenter's own preprocessing, split so the results come out on the grid */
        bd_segmenter_get_info(seg, &info);
        bd_preprocess_target_size(w, h, info.input_size, &tw, &th);
        resized = malloc((size_t)tw * th * 3);
        if (!resized || bd_preprocess_resize_area(rgb, w, h, 3, resized, tw, th)) {
            snprintf(err, errlen, "out of memory resizing a %dx%d image", w, h);
            goto done;
        }
        t.preprocess_ms = bd_now_ms() - t0;
        if (bd_segmenter_run_resized(seg, resized, tw, th, sw, sh, err, errlen)) goto done;
    }
    bd_segmenter_get_info(seg, &info);
    t.preprocess_ms += info.preprocess_ms;
    t.network_ms = info.network_ms;

    t0 = bd_now_ms();
    prob = malloc((size_t)sw * sh * sizeof(float));
    if (!prob) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (bd_segmenter_mask(seg, classes, nclasses, prob, NULL, err, errlen)) goto done;
    t.mask_ms = bd_now_ms() - t0;

    t0 = bd_now_ms();
    if (compact ? !(*compact = bd_matte_new(prob, sw, sh, s, rgb, w, h, opts))
                : bd_matte_from_grid(prob, sw, sh, s, rgb, w, h, opts, matte)) {
        snprintf(err, errlen, "out of memory refining the matte");
        goto done;
    }
    t.refine_ms = bd_now_ms() - t0;
    rc = 0;
done:
    if (times) *times = t;
    free(resized);
    free(prob);
    return rc;
}

int bd_segment_matte(bd_segmenter *seg, const uint8_t *rgb, int w, int h, const int *classes,
                     int nclasses, const bd_matte_opts *opts, float *matte,
                     bd_matte_times *times, char *err, size_t errlen)
{
    return segment(seg, rgb, w, h, classes, nclasses, opts, matte, NULL, times, err, errlen);
}

int bd_segment_matte_compact(bd_segmenter *seg, const uint8_t *rgb, int w, int h,
                             const int *classes, int nclasses, const bd_matte_opts *opts,
                             bd_matte **matte, bd_matte_times *times, char *err,
                             size_t errlen)
{
    *matte = NULL;
    return segment(seg, rgb, w, h, classes, nclasses, opts, NULL, matte, times, err, errlen);
}
