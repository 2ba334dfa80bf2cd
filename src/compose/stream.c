/* stream.c — the video stream object (stream.h): segmenter + temporal smoothing + compact
 * matte + effect, per frame, with everything sized once for the stream's frame size.
 *
 * The network's probability is asked for on the matte grid (at most BD_STREAM_GRID = 256
 * pixels a side: half the photos' bd_matte_grid, which makes the matte 3x cheaper at 720p:
 * 9 against 28 ms), smoothed there over time (temporal.c), and the compact matte is made
 * from it with the current frame as the guided filter's guide, so edges follow the frame
 * being shown while the class decision is steady.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/stream.h"
#include "compose/temporal.h"
#include "engine/model.h"
#include "engine/preprocess.h"
#include "io/clock.h"
#include "io/yuv.h"

struct bd_stream {
    const bd_model *m;
    bd_segmenter *seg;
    bd_temporal *temporal;
    bd_stream_opts o;
    int w, h, s, sw, sh, tw, th, input_size;
    uint8_t *resized;            /* the frame at the network's input size (s > 1) */
    float *last_prob;            /* --every: the last probability the network gave */
    long seg_frames, comp_frames;
    uint8_t *rgb_in, *rgb_out;   /* process_yuv's RGB frames */
    float *prob;                 /* process_*'s grid */
    bd_stream_stats st;
};

bd_stream_opts bd_stream_defaults(void)
{
    bd_stream_opts o;
    memset(&o, 0, sizeof o);
    o.matte = bd_matte_defaults();
    o.fx.kind = BD_FX_BLUR;
    o.fx.sigma = -1;
    o.smooth = BD_TEMPORAL_DEFAULT;
    o.every = 1;
    return o;
}

void bd_stream_free(bd_stream *s)
{
    if (!s) return;
    bd_segmenter_free(s->seg);
    bd_temporal_free(s->temporal);
    free(s->resized);
    free(s->last_prob);
    free(s->rgb_in);
    free(s->rgb_out);
    free(s->prob);
    free(s);
}

bd_stream *bd_stream_new(const bd_model *m, int w, int h, const bd_stream_opts *opts,
                         char *err, size_t errlen)
{
    if (w < 1 || h < 1 || (long long)w * h > BD_Y4M_MAX_PIXELS) {
        snprintf(err, errlen, "frame size %dx%d is unusable", w, h);
        return NULL;
    }
    bd_stream *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->m = m;
    s->o = opts ? *opts : bd_stream_defaults();
    if (s->o.every < 1) s->o.every = 1;
    if (s->o.nclasses == 0) {
        s->o.classes[0] = bd_model_class_index(m, "person");
        s->o.nclasses = 1;
        if (s->o.classes[0] < 0) {
            snprintf(err, errlen, "the model has no 'person' class: name the subject's classes");
            goto fail;
        }
    }
    if (s->o.fx.kind == BD_FX_CUTOUT) {
        snprintf(err, errlen, "a video stream has no alpha channel: no cutout");
        goto fail;
    }
    if (s->o.fx.kind == BD_FX_BLUR && s->o.fx.sigma < 0) s->o.fx.sigma = bd_blur_auto_sigma(w, h);
    s->w = w;
    s->h = h;
    /* the video grid: at most BD_STREAM_GRID pixels a side (the network's logits are 33 x
     * 33 at OS 16; the guided filter brings the frame's own edges back at full size) */
    const int longer = w > h ? w : h;
    s->s = (longer + BD_STREAM_GRID - 1) / BD_STREAM_GRID;
    s->sw = (w + s->s - 1) / s->s;
    s->sh = (h + s->s - 1) / s->s;
    /* Every frame has the same shape, so the network input is cut to it: the resized
     * frame's shorter side rounded up to 16k + 1 (513 x 289 for 16:9, not 513 x 513 with
     * 44 % padding): the network costs in proportion. */
    bd_segmenter_opts so = s->o.seg;
    const int size = so.input_size > 0 ? so.input_size : m->input_size;
    bd_preprocess_target_size(w, h, size, &s->tw, &s->th);
    if (!so.input_width && !so.input_height) {
        const int tight_w = (s->tw - 1 + 15) / 16 * 16 + 1, tight_h = (s->th - 1 + 15) / 16 * 16 + 1;
        so.input_width = tight_w < size ? tight_w : size;
        so.input_height = tight_h < size ? tight_h : size;
    }
    if (!(s->seg = bd_segmenter_new(m, &so, err, errlen))) goto fail;
    s->input_size = size;
    const size_t grid = (size_t)s->sw * s->sh;
    s->resized = malloc((size_t)s->tw * s->th * 3);
    s->last_prob = malloc(grid * sizeof(float));
    s->prob = malloc(grid * sizeof(float));
    s->temporal = bd_temporal_new(w, h, s->s, s->sw, s->sh, s->o.smooth);
    if (!s->resized || !s->last_prob || !s->prob || !s->temporal) {
        snprintf(err, errlen, "out of memory for %dx%d frames", w, h);
        goto fail;
    }
    return s;
fail:
    bd_stream_free(s);
    return NULL;
}

void bd_stream_grid(const bd_stream *s, int *sw, int *sh)
{
    *sw = s->sw;
    *sh = s->sh;
}

int bd_stream_segment(bd_stream *s, const uint8_t *rgb, float *prob, char *err, size_t errlen)
{
    const size_t grid = (size_t)s->sw * s->sh;
    if (s->seg_frames++ % s->o.every != 0) {
        memcpy(prob, s->last_prob, grid * sizeof(float));
        return 0;
    }
    double t0 = bd_now_ms();
    /* the segmenter's own preprocessing, split so its results come out on the grid */
    if (bd_preprocess_resize_area(rgb, s->w, s->h, 3, s->resized, s->tw, s->th)) {
        snprintf(err, errlen, "out of memory resizing a frame");
        return -1;
    }
    if (bd_segmenter_run_resized(s->seg, s->resized, s->tw, s->th, s->sw, s->sh, err, errlen))
        return -1;
    double t1 = bd_now_ms();
    if (bd_segmenter_mask(s->seg, s->o.classes, s->o.nclasses, prob, NULL, err, errlen))
        return -1;
    double t2 = bd_now_ms();
    memcpy(s->last_prob, prob, grid * sizeof(float));
    s->st.network_runs++;
    s->st.network_ms += t1 - t0;
    s->st.mask_ms += t2 - t1;
    return 0;
}

int bd_stream_composite(bd_stream *s, const uint8_t *rgb, float *prob, const uint8_t *bg,
                        uint8_t *out, char *err, size_t errlen)
{
    if (s->o.fx.kind == BD_FX_OVER && !bg) {
        snprintf(err, errlen, "no background for frame %ld", s->comp_frames + 1);
        return -1;
    }
    double t0 = bd_now_ms();
    bd_temporal_update(s->temporal, rgb, prob);
    double t1 = bd_now_ms();
    bd_matte *mt = bd_matte_new(prob, s->sw, s->sh, s->s, rgb, s->w, s->h, &s->o.matte);
    double t2 = bd_now_ms();
    bd_fx fx = s->o.fx;
    if (fx.kind == BD_FX_OVER) fx.bg = bg;
    if (!mt || bd_matte_effect(rgb, mt, &fx, out)) {
        bd_matte_free(mt);
        snprintf(err, errlen, "out of memory compositing frame %ld", s->comp_frames + 1);
        return -1;
    }
    bd_matte_free(mt);
    double t3 = bd_now_ms();
    s->comp_frames++;
    s->st.frames++;
    s->st.smooth_ms += t1 - t0;
    s->st.matte_ms += t2 - t1;
    s->st.effect_ms += t3 - t2;
    return 0;
}

int bd_stream_process_rgb(bd_stream *s, const uint8_t *rgb, const uint8_t *bg, uint8_t *out,
                          char *err, size_t errlen)
{
    if (bd_stream_segment(s, rgb, s->prob, err, errlen)) return -1;
    return bd_stream_composite(s, rgb, s->prob, bg, out, err, errlen);
}

int bd_stream_process_yuv(bd_stream *s, const bd_y4m_info *fmt, const uint8_t *planes,
                          const uint8_t *bg, uint8_t *out, char *err, size_t errlen)
{
    if (fmt->w != s->w || fmt->h != s->h) {
        snprintf(err, errlen, "frame is %dx%d, the stream %dx%d", fmt->w, fmt->h, s->w, s->h);
        return -1;
    }
    const size_t n = (size_t)s->w * s->h * 3;
    if ((!s->rgb_in && !(s->rgb_in = malloc(n))) || (!s->rgb_out && !(s->rgb_out = malloc(n))) ||
        bd_yuv_to_rgb(fmt, planes, s->rgb_in)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const int mask = s->o.fx.kind == BD_FX_MASK;
    if (bd_stream_process_rgb(s, s->rgb_in, bg, mask ? out : s->rgb_out, err, errlen)) return -1;
    if (!mask && bd_rgb_to_yuv(fmt, s->rgb_out, out)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void bd_stream_get_stats(const bd_stream *s, bd_stream_stats *st) { *st = s->st; }
