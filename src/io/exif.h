/* exif.h — a JPEG's EXIF orientation (1..8) and the pixel turn it asks for (exif.c). */
#ifndef BACKDROP_IO_EXIF_H
#define BACKDROP_IO_EXIF_H

#include <stddef.h>
#include <stdint.h>

/* The Orientation tag of the first APP1 Exif segment before the image data: 1..8, or 1
 * when there is none or the segment is malformed. Never reads outside buf. */
int bd_exif_orientation(const uint8_t *buf, size_t len);

/* Turns *pixels (w x h x channels, malloc'd) upright for orientation 1..8: a new buffer
 * replaces it (the old one is freed) and *w, *h are swapped for 5..8. 0, or -1 if out of
 * memory (the image is then unchanged). */
int bd_exif_apply(uint8_t **pixels, int *w, int *h, int channels, int orientation);

#endif
