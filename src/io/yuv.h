/* yuv.h — Y'CbCr planes (as a YUV4MPEG2 frame holds them, io/y4m.h) to and from 8-bit
 * interleaved RGB. The conversion is ITU-R BT.601 (Kr = 0.299, Kb = 0.114), limited range
 * (Y' 16..235, Cb/Cr 16..240) unless the stream says XCOLORRANGE=FULL (then 0..255 for
 * all, as JPEG); this is what ffmpeg assumes for YUV4MPEG2 streams without other colour
 * information. A mono stream without XCOLORRANGE is full range (ffmpeg's gray). Chroma siting and resampling are in yuv.c's header comment.
 */
#ifndef BACKDROP_IO_YUV_H
#define BACKDROP_IO_YUV_H

#include <stdint.h>

#include "io/y4m.h"

/* 1 if the stream's samples are full range (see above). */
int bd_yuv_full_range(const bd_y4m_info *info);

/* planes (bd_y4m_frame_bytes(info)) -> rgb (w x h x 3). mono gives gray RGB. Returns 0,
 * or -1 if out of memory (a few tables of w + h entries). */
int bd_yuv_to_rgb(const bd_y4m_info *info, const uint8_t *planes, uint8_t *rgb);
/* rgb (w x h x 3) -> planes. mono keeps the luma only. Returns 0, or -1 if out of memory
 * (a row of w floats). */
int bd_rgb_to_yuv(const bd_y4m_info *info, const uint8_t *rgb, uint8_t *planes);

#endif
