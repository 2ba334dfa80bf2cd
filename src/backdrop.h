/* backdrop.h — the public C API, the one header a C program includes: load a model, segment
 * photos (label map, class probability), make the matte and composite the effects.
 *
 *   char err[256];
 *   bd_model *m = bd_model_load("weights/deeplabv3_mnv2_pascal.bdw", err, sizeof err);
 *   bd_segmenter *s = bd_segmenter_new(m, NULL, err, sizeof err);     // defaults
 *   bd_image img;
 *   bd_image_load("photo.jpg", &img, err, sizeof err);
 *   int person = bd_model_class_index(m, "person");
 *   float *matte = malloc(sizeof(float) * img.w * img.h);
 *   bd_matte_opts mo = bd_matte_defaults();                           // guided filter
 *   bd_segment_matte(s, img.data, img.w, img.h, &person, 1, &mo, matte, NULL, err, sizeof err);
 *   bd_composite_blur(img.data, matte, img.w, img.h, bd_blur_auto_sigma(img.w, img.h),
 *                     img.data);                                      // or _over, _color, ...
 *   bd_image_save("out.jpg", img.data, img.w, img.h, 3, err, sizeof err);
 *   ... bd_segmenter_free(s); bd_model_free(m); bd_image_free(&img); free(matte);
 *
 * Every function that can fail returns 0 (or a pointer) on success and -1 (NULL) with a
 * one-line message in err. The three modules it gathers, from the bottom up:
 *   io/image_io.h       read and write image files (PNG, JPEG, BMP, TGA);
 *   engine/segmenter.h  the model and the segmenter (the network, its pre/post-processing);
 *   compose/compose.h   mattes, the guided filter, the blur and the effects;
 *   compose/stream.h    video: a stream object fed one frame at a time (RGB or Y'CbCr),
 *                       with io/y4m.h (YUV4MPEG2 streams) and io/yuv.h (Y'CbCr <-> RGB).
 */
#ifndef BACKDROP_H
#define BACKDROP_H

#include "io/image_io.h"
#include "engine/segmenter.h"
#include "compose/compose.h"
#include "compose/stream.h"
#include "io/y4m.h"
#include "io/yuv.h"

#endif
