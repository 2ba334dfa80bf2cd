/* stream.h — video: a stream object that turns frames into composited frames one at a
 * time, holding the network (its plan and activation memory, made once) and the temporal
 * state of the matte (compose/temporal.h). Declared to users through backdrop.h.
 *
 *   bd_stream_opts o = bd_stream_defaults();         // blur, person, guided edges, smooth
 *   o.fx.kind = BD_FX_COLOR; memcpy(o.fx.color, "\xff\xff\xff", 3);
 *   bd_stream *s = bd_stream_new(model, 1280, 720, &o, err, sizeof err);
 *   for each frame:  bd_stream_process_rgb(s, rgb, NULL, out, err, sizeof err);
 *              or:   bd_stream_process_yuv(s, &y4m_info, planes, NULL, out_planes, ...);
 *   bd_stream_free(s);
 *
 * Frames must come in order (the smoothing follows time). A pipeline may run the two
 * halves of a frame on different threads: bd_stream_segment (the network: frame t) may run
 * while bd_stream_composite (the matte and the effect: frame t - 1) does, each called in
 * frame order; neither may run twice at once.
 */
#ifndef BACKDROP_COMPOSE_STREAM_H
#define BACKDROP_COMPOSE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "compose/compose.h"
#include "engine/segmenter.h"
#include "io/y4m.h"

#define BD_STREAM_GRID 256          /* the matte grid's longer side, at most */

typedef struct bd_stream_opts {
    bd_segmenter_opts seg;       /* output stride, input size, threads of the network */
    int classes[BD_MAX_CLASSES]; /* the subject's classes; nclasses 0: "person" */
    int nclasses;
    bd_matte_opts matte;         /* edges (bd_matte_defaults) */
    bd_fx fx;                    /* the effect: BD_FX_BLUR (sigma < 0: automatic), OVER
                                    (the background is passed with each frame), COLOR,
                                    GRAY or MASK (output w x h bytes, 255 = subject) */
    float smooth;                /* temporal smoothing strength A, 0 = off (temporal.h) */
    int every;                   /* run the network on every N-th frame only (>= 1); the
                                    others reuse its probability */
} bd_stream_opts;

/* Blur, person, bd_matte_defaults, smooth BD_TEMPORAL_DEFAULT, every frame. */
bd_stream_opts bd_stream_defaults(void);

typedef struct bd_stream bd_stream;

/* A stream of w x h frames. The model must outlive it. NULL with a message on error. */
bd_stream *bd_stream_new(const bd_model *m, int w, int h, const bd_stream_opts *opts,
                         char *err, size_t errlen);
void bd_stream_free(bd_stream *s);

/* One RGB frame (w x h x 3) -> out (w x h x 3, or w x h for MASK; out may be rgb for the
 * RGB effects). bg: this frame's background for BD_FX_OVER (w x h x 3), else NULL. */
int bd_stream_process_rgb(bd_stream *s, const uint8_t *rgb, const uint8_t *bg, uint8_t *out,
                          char *err, size_t errlen);
/* One Y'CbCr frame as a YUV4MPEG2 stream holds it (fmt: layout and range; w, h as the
 * stream's) -> out in the same layout (bd_y4m_frame_bytes(fmt)), or for MASK a w x h
 * luma plane (full range: 255 = subject). */
int bd_stream_process_yuv(bd_stream *s, const bd_y4m_info *fmt, const uint8_t *planes,
                          const uint8_t *bg, uint8_t *out, char *err, size_t errlen);

/* The two halves. prob is the matte grid (bd_stream_grid: sw x sh floats). */
void bd_stream_grid(const bd_stream *s, int *sw, int *sh);
/* The network's probability of the subject for this frame (or the last one it ran on,
 * with --every). */
int bd_stream_segment(bd_stream *s, const uint8_t *rgb, float *prob, char *err,
                      size_t errlen);
/* Temporal smoothing of prob (in place), matte, effect: rgb -> out as in
 * bd_stream_process_rgb. */
int bd_stream_composite(bd_stream *s, const uint8_t *rgb, float *prob, const uint8_t *bg,
                        uint8_t *out, char *err, size_t errlen);

typedef struct bd_stream_stats {
    long frames, network_runs;
    double network_ms, mask_ms;            /* bd_stream_segment: the network, the softmax */
    double smooth_ms, matte_ms, effect_ms; /* bd_stream_composite */
} bd_stream_stats;
void bd_stream_get_stats(const bd_stream *s, bd_stream_stats *st);

#endif
