/* synth_model.h — writes small, valid backdrop weights files (.bdw) from C, so tests can run
 * the loader and the network on models of any (small) channel counts without the real ones.
 *
 * Header-only (static inline functions); independent of src/ (its own CRC-32C), so it
 * also checks the loader's reading of weights/README.md, which it follows exactly: 64-byte
 * header, key=value metadata, 8-aligned directory of 128-byte entries, every tensor at a
 * 64-byte aligned offset, zero padding, CRC-32C everywhere, file ending with the last tensor.
 *
 * Simplest use:
 *     synth_spec s;
 *     synth_spec_tiny(&s);                 // awkward channel counts, 3 classes (or
 *     s.seed = 7;                          // synth_spec_scaled(&s, 0.5) for the real plan)
 *     synth_model_write("/tmp/x.bdw", &s); // 0 on success
 *     bd_model *m = bd_model_load("/tmp/x.bdw", err, sizeof err);
 *
 * To make a broken file, go one level down: synth_layout_from_spec() gives the tensor list
 * and metadata text, which you may edit (synth_layout_remove(), change a shape, rewrite the
 * metadata) before synth_layout_bytes() turns it into the file's bytes with correct
 * checksums; flip bytes in that buffer, optionally synth_reseal() to make the checksums
 * right again, and synth_write_bytes() it.
 *
 * Weights are pseudo-random, uniform in +-sqrt(6 / fan_in) (so activations stay O(1) through
 * the 17 blocks); biases uniform in +-0.1. Each tensor's values depend only on the seed and
 * its name: synth_value(seed, name, k) is element k.
 */
#ifndef BACKDROP_SYNTH_MODEL_H
#define BACKDROP_SYNTH_MODEL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNTH_BLOCKS 17
#define SYNTH_MAX_TENSORS 128

typedef struct synth_spec {
    int stem;                 /* C0, the stem's output channels (32 in the real d=1.0 net) */
    int expanded[SYNTH_BLOCKS]; /* Cexp of block i; block 0 has no expansion: ignored there */
    int out[SYNTH_BLOCKS];    /* Cout of block i (block i's input is block i-1's output) */
    int head;                 /* image_pooling, aspp0 and concat_projection width (256 real) */
    int num_classes;
    const char *class_names;  /* comma-separated, or NULL: VOC names, then "classN" */
    float depth_multiplier;   /* only written to the metadata */
    int output_stride;        /* metadata: 8 or 16 */
    int input_size;           /* metadata: e.g. 513 */
    uint32_t seed;            /* pseudo-random weights */
} synth_spec;

typedef struct synth_tensor {
    char name[80];
    int ndim;
    int shape[4];
} synth_tensor;

typedef struct synth_layout {     /* what synth_layout_bytes() will write, in file order */
    synth_tensor tensors[SYNTH_MAX_TENSORS];
    int count;
    char meta[8192];              /* the metadata text, "key=value\n" lines */
    uint32_t seed;
} synth_layout;

/* ------------------------------------------------------------------ specs ------------- */

static const char *const synth_voc_names[21] = {
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat",
    "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
    "sheep", "sofa", "train", "tvmonitor"};

/* Common metadata defaults. */
static inline void synth_spec_defaults_(synth_spec *s)
{
    memset(s, 0, sizeof *s);
    s->output_stride = 16;
    s->input_size = 513;
    s->depth_multiplier = 1.0f;
    s->seed = 1;
}

/* A tiny model with deliberately awkward channel counts (not multiples of 4 or 8, residual
 * blocks included), a head of 6 and the 3 classes background, person, cat. */
static inline void synth_spec_tiny(synth_spec *s)
{
    static const int out[SYNTH_BLOCKS] = {3, 5, 5, 6, 6, 6, 9, 9, 9, 9, 7, 7, 7, 12, 12, 12, 10};
    synth_spec_defaults_(s);
    s->stem = 4;
    int in = s->stem;
    for (int i = 0; i < SYNTH_BLOCKS; i++) {
        s->expanded[i] = i ? 2 * in + 1 : in;
        s->out[i] = out[i];
        in = out[i];
    }
    s->head = 6;
    s->num_classes = 3;
    s->class_names = "background,person,cat";
    s->depth_multiplier = 0.125f;
    s->input_size = 65;
}

/* TF's make_divisible(v, 8) with min_depth 8. */
static inline int synth_make_divisible_(double v)
{
    int n = (int)(v + 4) / 8 * 8;
    if (n < 8)
        n = 8;
    if (n < 0.9 * v)
        n += 8;
    return n;
}

/* MobileNetV2's real channel plan at depth multiplier d (1.0 gives the real network's
 * shapes, 0.5 the dm05 ones), head 256, the 21 VOC classes. */
static inline void synth_spec_scaled(synth_spec *s, double d)
{
    static const int out[SYNTH_BLOCKS] = {16, 24, 24, 32, 32, 32, 64, 64, 64, 64,
                                          96, 96, 96, 160, 160, 160, 320};
    synth_spec_defaults_(s);
    s->stem = synth_make_divisible_(32 * d);
    int in = s->stem;
    for (int i = 0; i < SYNTH_BLOCKS; i++) {
        s->expanded[i] = i ? synth_make_divisible_(in * 6.0) : in;
        s->out[i] = synth_make_divisible_(out[i] * d);
        in = s->out[i];
    }
    s->head = 256;
    s->num_classes = 21;
    s->depth_multiplier = (float)d;
}

/* ------------------------------------------------------------------ layout ------------ */

static inline void synth_add_(synth_layout *l, const char *name, int ndim, int d0, int d1,
                              int d2, int d3)
{
    if (l->count >= SYNTH_MAX_TENSORS)
        return;
    synth_tensor *t = &l->tensors[l->count++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    t->shape[0] = d0, t->shape[1] = d1, t->shape[2] = d2, t->shape[3] = d3;
}

/* NAME.weight with the given shape and NAME.bias [last dimension]. */
static inline void synth_add_layer_(synth_layout *l, const char *prefix, int ndim, int d0,
                                    int d1, int d2, int d3)
{
    char name[80];
    int dims[4] = {d0, d1, d2, d3};
    snprintf(name, sizeof name, "%s.weight", prefix);
    synth_add_(l, name, ndim, d0, ndim > 1 ? d1 : 0, ndim > 2 ? d2 : 0, ndim > 3 ? d3 : 0);
    snprintf(name, sizeof name, "%s.bias", prefix);
    synth_add_(l, name, 1, dims[ndim - 1], 0, 0, 0);
}

/* The canonical tensors of weights/README.md for the spec, and its metadata text. */
static inline void synth_layout_from_spec(const synth_spec *s, synth_layout *l)
{
    char prefix[64];
    memset(l, 0, sizeof *l);
    l->seed = s->seed;
    synth_add_layer_(l, "stem", 4, 3, 3, 3, s->stem);
    int in = s->stem;
    for (int i = 0; i < SYNTH_BLOCKS; i++) {
        int exp = i ? s->expanded[i] : in;
        if (i) {
            snprintf(prefix, sizeof prefix, "block%d.expand", i);
            synth_add_layer_(l, prefix, 2, in, exp, 0, 0);
        }
        snprintf(prefix, sizeof prefix, "block%d.depthwise", i);
        synth_add_layer_(l, prefix, 3, 3, 3, exp, 0);
        snprintf(prefix, sizeof prefix, "block%d.project", i);
        synth_add_layer_(l, prefix, 2, exp, s->out[i], 0, 0);
        in = s->out[i];
    }
    synth_add_layer_(l, "image_pooling", 2, in, s->head, 0, 0);
    synth_add_layer_(l, "aspp0", 2, in, s->head, 0, 0);
    synth_add_layer_(l, "concat_projection", 2, 2 * s->head, s->head, 0, 0);
    synth_add_layer_(l, "logits", 2, s->head, s->num_classes, 0, 0);

    char names[4096] = "";
    if (s->class_names) {
        snprintf(names, sizeof names, "%s", s->class_names);
    } else {
        size_t at = 0;
        for (int c = 0; c < s->num_classes && at < sizeof names; c++) {
            char extra[24];
            snprintf(extra, sizeof extra, "class%d", c);
            at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", c ? "," : "",
                                   c < 21 ? synth_voc_names[c] : extra);
        }
    }
    snprintf(l->meta, sizeof l->meta,
             "network=deeplabv3_mobilenetv2\n"
             "source_file=synthetic\n"
             "source_sha256=%064d\n"
             "source_format=synthetic\n"
             "depth_multiplier=%g\n"
             "num_classes=%d\n"
             "class_names=%s\n"
             "output_stride=%d\n"
             "input_size=%d\n"
             "norm_scale=0.007843138\n"
             "norm_offset=-1\n"
             "bn_epsilon=folded-in-source\n"
             "converter=synth_model.h 1\n",
             0, s->depth_multiplier, s->num_classes, names, s->output_stride, s->input_size);
}

/* Index of a tensor in the layout, or -1. */
static inline int synth_layout_find(const synth_layout *l, const char *name)
{
    for (int i = 0; i < l->count; i++)
        if (!strcmp(l->tensors[i].name, name))
            return i;
    return -1;
}

/* Leaves a tensor out of the file. */
static inline void synth_layout_remove(synth_layout *l, const char *name)
{
    int i = synth_layout_find(l, name);
    if (i < 0)
        return;
    memmove(&l->tensors[i], &l->tensors[i + 1],
            (size_t)(l->count - i - 1) * sizeof l->tensors[0]);
    l->count--;
}

/* ------------------------------------------------------------------ bytes ------------- */

/* CRC-32C, written independently of src/crc32c.c: a table built here on first use. */
static inline uint32_t synth_crc32c(const uint8_t *p, size_t n, uint32_t crc)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static inline void synth_wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

static inline void synth_wr64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

static inline uint64_t synth_rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline uint32_t synth_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t synth_align_(uint64_t n, uint64_t a)
{
    return (n + a - 1) / a * a;
}

/* Element k of tensor NAME in a model with this seed (before the scaling by fan-in). */
static inline float synth_value(uint32_t seed, const char *name, size_t k)
{
    uint32_t h = 2166136261u ^ seed;           /* FNV-1a of the name, mixed with k */
    for (const char *c = name; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    uint32_t x = h ^ (uint32_t)(k * 0x9E3779B9u);
    x ^= x >> 16, x *= 0x85EBCA6Bu, x ^= x >> 13, x *= 0xC2B2AE35u, x ^= x >> 16;
    return (float)((double)x / 2147483648.0 - 1.0);  /* uniform in [-1, 1) */
}

/* The whole file for a layout (malloc'd; *size its length), or NULL if out of memory. */
static inline uint8_t *synth_layout_bytes(const synth_layout *l, size_t *size)
{
    const uint64_t meta_size = strlen(l->meta);
    const uint64_t dir_offset = synth_align_(64 + meta_size, 8);
    const uint64_t data_offset = synth_align_(dir_offset + (uint64_t)l->count * 128, 64);
    uint64_t offsets[SYNTH_MAX_TENSORS], counts[SYNTH_MAX_TENSORS];
    uint64_t pos = data_offset;
    for (int i = 0; i < l->count; i++) {
        const synth_tensor *t = &l->tensors[i];
        counts[i] = 1;
        for (int d = 0; d < t->ndim; d++)
            counts[i] *= (uint64_t)t->shape[d];
        offsets[i] = synth_align_(pos, 64);
        pos = offsets[i] + counts[i] * 4;
    }
    const uint64_t file_size = pos;
    uint8_t *b = calloc(1, (size_t)file_size);
    if (!b)
        return NULL;
    memcpy(b, "BDWEIGHT", 8);
    synth_wr32(b + 8, 1);
    synth_wr32(b + 12, 64);
    synth_wr64(b + 16, file_size);
    synth_wr64(b + 24, 64);
    synth_wr32(b + 32, (uint32_t)meta_size);
    synth_wr32(b + 36, (uint32_t)l->count);
    synth_wr64(b + 40, dir_offset);
    synth_wr64(b + 48, data_offset);
    memcpy(b + 64, l->meta, meta_size);
    for (int i = 0; i < l->count; i++) {
        const synth_tensor *t = &l->tensors[i];
        uint8_t *e = b + dir_offset + 128 * (uint64_t)i;
        memcpy(e, t->name, strnlen(t->name, 79));
        synth_wr32(e + 80, 1);
        synth_wr32(e + 84, (uint32_t)t->ndim);
        for (int d = 0; d < t->ndim && d < 4; d++)
            synth_wr32(e + 88 + 4 * d, (uint32_t)t->shape[d]);
        synth_wr64(e + 104, offsets[i]);
        synth_wr64(e + 112, counts[i] * 4);
        uint64_t fan_in = t->ndim > 1 ? counts[i] / (uint64_t)t->shape[t->ndim - 1] : 0;
        float scale = fan_in ? (float)sqrt(6.0 / (double)fan_in) : 0.1f;
        float *data = (float *)(void *)(b + offsets[i]);  /* 64-aligned in a calloc block */
        for (uint64_t k = 0; k < counts[i]; k++) {
            float v = scale * synth_value(l->seed, t->name, (size_t)k);
            memcpy(&data[k], &v, 4);  /* little-endian hosts only, like the loader */
        }
        synth_wr32(e + 120, synth_crc32c(b + offsets[i], counts[i] * 4, 0));
    }
    synth_wr32(b + 56, synth_crc32c(b + dir_offset, (size_t)l->count * 128,
                                    synth_crc32c(b + 64, meta_size, 0)));
    synth_wr32(b + 60, synth_crc32c(b, 60, 0));
    *size = (size_t)file_size;
    return b;
}

/* After editing the bytes: recompute the tensor checksums (if tensors_too), the metadata/
 * directory checksum and the header checksum wherever the (possibly edited) header and
 * entries point inside the buffer, so the loader gets past its checksums to the real
 * problem. Ranges outside the buffer are skipped. */
static inline void synth_reseal(uint8_t *b, size_t size, int tensors_too)
{
    if (size < 64)
        return;
    uint64_t meta_off = synth_rd64(b + 24), dir_off = synth_rd64(b + 40);
    uint64_t meta_size = synth_rd32(b + 32), count = synth_rd32(b + 36);
    uint64_t dir_size = count * 128;
    if (tensors_too && dir_off <= size && dir_size <= size - dir_off) {
        for (uint64_t i = 0; i < count; i++) {
            uint8_t *e = b + dir_off + 128 * i;
            uint64_t off = synth_rd64(e + 104), n = synth_rd64(e + 112);
            if (off <= size && n <= size - off)
                synth_wr32(e + 120, synth_crc32c(b + off, (size_t)n, 0));
        }
    }
    if (meta_off <= size && meta_size <= size - meta_off && dir_off <= size &&
        dir_size <= size - dir_off)
        synth_wr32(b + 56, synth_crc32c(b + dir_off, (size_t)dir_size,
                                        synth_crc32c(b + meta_off, (size_t)meta_size, 0)));
    synth_wr32(b + 60, synth_crc32c(b, 60, 0));
}

/* Writes bytes to path; 0 on success, -1 on failure. */
static inline int synth_write_bytes(const char *path, const uint8_t *bytes, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(bytes, 1, size, f);
    return (fclose(f) == 0 && n == size) ? 0 : -1;
}

/* The file for a spec, in memory (malloc'd) or on disk (0 on success). */
static inline uint8_t *synth_model_bytes(const synth_spec *s, size_t *size)
{
    synth_layout *l = malloc(sizeof *l);
    if (!l)
        return NULL;
    synth_layout_from_spec(s, l);
    uint8_t *b = synth_layout_bytes(l, size);
    free(l);
    return b;
}

static inline int synth_model_write(const char *path, const synth_spec *s)
{
    size_t size;
    uint8_t *b = synth_model_bytes(s, &size);
    if (!b)
        return -1;
    int rc = synth_write_bytes(path, b, size);
    free(b);
    return rc;
}

#endif
