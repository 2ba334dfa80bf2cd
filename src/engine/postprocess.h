/* postprocess.h — from logits (fh x fw x classes, covering the padded S x S frame) back to
 * the original image:
 *   labels: upsample + argmax over the resized crop (kernel upsample_argmax), then nearest
 *           resize with align_corners to the original size (bd_postprocess_nearest);
 *   soft mask: probability that each original pixel belongs to a set of classes.
 */
#ifndef BACKDROP_POSTPROCESS_H
#define BACKDROP_POSTPROCESS_H

#include <stdint.h>

#include "kernels.h"

/* Nearest-neighbour resize with TensorFlow's align_corners semantics (one byte per pixel):
 * dst[y][x] = src[sy][sx] with sy = min(roundf(y * s), sh - 1), s = float32((sh-1)/(dh-1))
 * (0 when dh == 1), roundf rounding halves away from zero; likewise x. */
void bd_postprocess_nearest(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh);

/* Labels at the original resolution ow x oh: the kernel's fused upsample + argmax of the
 * logits (fw x fh x classes) to the frame_w x frame_h frame, over the tw x th crop holding
 * the image, then bd_postprocess_nearest to ow x oh. Returns 0, or -1 if out of memory. */
int bd_postprocess_labels(const bd_kernels *k, const float *logits, int fw, int fh, int classes,
                       int frame_w, int frame_h, int tw, int th, int ow, int oh,
                       uint8_t *labels);

/* The same from the int8 network's uint8 logits, exactly as the uint8 graph ends: its uint8
 * bilinear resize and argmax (bd_qu8_upsample_argmax) over the crop, then the nearest resize. */
int bd_postprocess_labels_u8(const uint8_t *logits, int fw, int fh, int classes, int frame_w,
                             int frame_h, int tw, int th, int ow, int oh, uint8_t *labels);

/* Soft mask at the original resolution ow x oh. The image was resized to tw x th and sits
 * in the top-left of the S x S frame (frame_w x frame_h) that the logits (fw x fh x classes)
 * cover with align_corners. Each original pixel is mapped to continuous logit coordinates
 * (original -> resized with align_corners, resized -> logits with align_corners), the
 * logits are bilinearly interpolated there, and softmax over the classes gives
 *     mask = sum over the chosen classes of exp(l_c) / sum over all classes of exp(l_c).
 * chosen[c] != 0 marks the chosen classes. mask is ow x oh floats in 0..1; mask_u8 (either
 * may be NULL) gets round(255 * mask). Returns 0, or -1 if out of memory. */
int bd_postprocess_soft_mask(const float *logits, int fw, int fh, int classes,
                          int frame_w, int frame_h, int tw, int th, int ow, int oh,
                          const uint8_t *chosen, float *mask, uint8_t *mask_u8);

/* The PASCAL VOC colour of class c: the bits of c spread over the colour channels, most
 * significant first (bit 0 -> red, bit 1 -> green, bit 2 -> blue, then the next three bits
 * one place lower), so 0 is black, 15 (person) is (192, 128, 128). */
void bd_postprocess_voc_color(int c, uint8_t rgb[3]);

#endif
