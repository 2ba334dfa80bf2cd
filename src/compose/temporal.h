/* temporal.h — temporal smoothing of the class probability for video, on the matte grid.
 *
 * Each frame, per grid cell, the smoothed probability P follows the network's p by
 *     P_t = P_{t-1} + k (p_t - P_{t-1}),   k = 1 - A g(d),   g(d) = 1 / (1 + (d / tau)^2)
 * where d is how much the picture changed there: the absolute difference between this
 * frame and the last of the mean luma over the 5 x 5 cells around the cell (sensor noise
 * averages out over those 25 s^2 pixels and reads as "still"; a moving edge does not), and
 * tau = BD_TEMPORAL_TAU luma levels. Still parts (d << tau) keep a fraction A of their
 * history each frame, an exponential average over about 1 / (1 - A) frames that stops
 * the matte shimmering; where the picture moved (d >> tau) k -> 1 and the matte follows
 * the frame at once, without lag (a cut changes every cell: k -> 1 everywhere). A = 0 is
 * off (P = p). The first frame starts afresh.
 */
#ifndef BACKDROP_COMPOSE_TEMPORAL_H
#define BACKDROP_COMPOSE_TEMPORAL_H

#include <stdint.h>

#define BD_TEMPORAL_TAU 4.0f          /* luma levels (0..255) of "the picture moved" */
#define BD_TEMPORAL_DEFAULT 0.85f     /* --smooth's default A */

typedef struct bd_temporal bd_temporal;

/* State for a grid of sw x sh cells of s x s pixels of a w x h frame, strength A in
 * [0, 0.99]. NULL if out of memory. */
bd_temporal *bd_temporal_new(int w, int h, int s, int sw, int sh, float strength);
void bd_temporal_free(bd_temporal *t);
/* Forgets the history (the next frame starts afresh). */
void bd_temporal_reset(bd_temporal *t);

/* Smooths prob (sw x sh, in place) given this frame rgb (w x h x 3). */
void bd_temporal_update(bd_temporal *t, const uint8_t *rgb, float *prob);

/* The mean of the last update's k over the grid (1 = no smoothing), for statistics. */
float bd_temporal_last_gain(const bd_temporal *t);

#endif
