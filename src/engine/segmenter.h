/* segmenter.h — the engine's public face: load a model, segment photos, read the label map,
 * the class probability or the logits at the photo's own resolution (segmenter.c runs
 * pre-processing, the network and post-processing for it). Part of the public API
 * (src/backdrop.h); the model's and network's insides are in engine/model.h, engine/network.h.
 *
 * Every function that can fail returns 0 on success (or a non-NULL pointer) and -1 (NULL)
 * with a one-line message in err. A segmenter is not thread-safe (it owns its activation
 * memory); use one per thread. Its kernels are parallel inside (OpenMP).
 */
#ifndef BACKDROP_ENGINE_SEGMENTER_H
#define BACKDROP_ENGINE_SEGMENTER_H

#include <stddef.h>
#include <stdint.h>

typedef struct bd_model bd_model;       /* a loaded weights file: engine/model.h */
#define BD_MAX_CLASSES 256              /* the most classes a model may have */
typedef struct bd_kernels bd_kernels;   /* a kernel table: kernels/kernels.h */

/* Maps and checks a weights file (weights/README.md) and resolves the network's layers. */
bd_model *bd_model_load(const char *path, char *err, size_t errlen);
/* The same for a weights file in memory (64-byte aligned, e.g. linked into the program);
 * name is used in messages; base must outlive the model. */
bd_model *bd_model_load_memory(const uint8_t *base, size_t size, const char *name, char *err,
                               size_t errlen);
void bd_model_free(bd_model *m);
/* Index of a class by name (case-insensitive), or -1; the number of classes; the name of
 * class i (NULL when out of range). */
int bd_model_class_index(const bd_model *m, const char *name);
int bd_model_num_classes(const bd_model *m);
const char *bd_model_class_name(const bd_model *m, int i);

/* Which arithmetic runs the network. f32: the float network (every file). int8: the
 * uint8 network exactly as TFLite's reference integer kernels compute it (files converted
 * from a uint8 model; `backdrop info` lists a file's precisions). DEFAULT is int8 for the
 * files that have it (0.33-0.68x the f32 time, README "Benchmarks"), f32 for the others. */
typedef enum { BD_PRECISION_DEFAULT = 0, BD_PRECISION_F32, BD_PRECISION_INT8 } bd_precision;

typedef struct bd_segmenter_opts {
    int output_stride;          /* 8 (slower, finer) or 16; 0: the model's exported one */
    int input_size;             /* side of the square network input; 0: the model's (513) */
    int input_width;            /* a non-square input, for images all of one shape (video: */
    int input_height;           /* a 16:9 frame needs 513 x 289, not 513 x 513): 0 = input_size;
                                   only bd_segmenter_run_resized takes such an input */
    int threads;                /* OpenMP threads; 0: OpenMP's default (all cores) */
    const bd_kernels *kernels;  /* NULL: bd_kernels_select() (best for this CPU or
                                   $BACKDROP_ISA); with int8 the float post-processing's */
    bd_precision precision;     /* 0: default (int8 where the file has it, else f32) */
    int release_after_run;      /* 1: hand the network's working memory back after each run
                                   (its results stay), so a photo job's peak memory is the
                                   network's or the compositor's, not their sum; the next
                                   run takes the pages again (about 1 ms). Video: leave 0 */
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

/* The same for an image already resized to the target size (bd_preprocess_target_size) of an
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
    const char *precision;      /* "f32" or "int8" */
    int output_stride, input_size, threads;
    int input_width, input_height;  /* the network input (input_size when square) */
    size_t arena_bytes;         /* activation memory: the network's peak */
    double preprocess_ms, network_ms;   /* of the last run */
} bd_segmenter_info;

void bd_segmenter_get_info(const bd_segmenter *s, bd_segmenter_info *info);

#endif
