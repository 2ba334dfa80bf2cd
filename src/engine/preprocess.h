/* preprocess.h — turn a decoded RGB image into the network input, exactly as DeepLab's demo
 * (and the golden reference) does:
 *   1. target size: scale so the longer side is S (the input size, e.g. 513), truncating;
 *   2. resize with an exact integer area (box) filter, rounding half up;
 *   3. normalise each byte v to float32(v) * scale + offset (2/255 and -1: -1..1);
 *   4. pad bottom/right to S x S with 0.0 (the mean pixel 127.5 after normalising).
 */
#ifndef BACKDROP_PREPROCESS_H
#define BACKDROP_PREPROCESS_H

#include <stdint.h>

/* Step 1: r = (double)S / max(w, h); tw = (int)(r * w), th = (int)(r * h) (each at least 1).
 * Done in double like the reference, which is not always floor(S * short / long): 225x25 at
 * S = 513 gives 513x56, not 513x57. */
void bd_preprocess_target_size(int w, int h, int size, int *tw, int *th);

/* Step 2: area-resize src (w x h x channels bytes) to dst (tw x th x channels). Along an axis
 * with n inputs and m outputs, output j takes input i with the integer weight
 * max(0, min((j+1)n, (i+1)m) - max(jn, im)) (the overlap of their spans on a common scale);
 * out = round-half-up(sum of weight products * P / (h * w)). Works for down- and up-scaling.
 * Returns 0, or -1 if out of memory. */
int bd_preprocess_resize_area(const uint8_t *src, int w, int h, int channels,
                           uint8_t *dst, int tw, int th);

/* Steps 3 and 4: rgb (tw x th x 3 bytes) -> frame (frame_w x frame_h x 3 floats), image in
 * the top-left corner, the rest 0.0f. */
void bd_preprocess_normalise_pad(const uint8_t *rgb, int tw, int th, float *frame,
                              int frame_w, int frame_h, float scale, float offset);

/* All four steps: an RGB image w x h into an S x S frame; the resized size is returned in
 * *tw, *th. Returns 0, or -1 if out of memory. */
int bd_preprocess_image(const uint8_t *rgb, int w, int h, int size, float scale, float offset,
                     float *frame, int *tw, int *th);

#endif
