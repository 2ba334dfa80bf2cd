/* test_weights.c — the weights loader (src/weights.c) and bd_model_load() (src/model.c).
 *
 * 1. CRC-32C against its published check value.
 * 2. Synthetic models (tests/synth_model.h) load, through mmap and through read(), with every
 *    field of bd_model right, down to each weight value.
 * 3. Hand-made bad files are refused with the expected one-line message: foreign files, wrong
 *    version, missing / misshapen / unexpected / duplicate tensors, bad metadata, a flipped
 *    tensor byte.
 * 4. The corruption matrix: the synthetic file cut at every offset of its header, metadata and
 *    directory and at a stride through the data (raw, and with the header patched to the
 *    new size), every byte flipped, every header/directory byte flipped with the checksums
 *    made right again, hostile values in every header and directory field. Each must give a
 *    clean error naming the file, never a crash (run it under ASan/valgrind too). The
 *    synthetic file is read() rather than mapped there, so ASan sees every access.
 *    BD_TEST_QUICK=1 makes the flips sparser (for slow sanitizer and emulator runs).
 * 5. The real converted files in weights/, when present (skipped with a note otherwise):
 *    metadata as MODEL_NOTES.md says, and the matrix on the smallest one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "io/crc32c.h"
#include "engine/model.h"
#include "engine/qmodel.h"
#include "synth_model.h"

static char tmpdir[256];
static int quick;            /* BD_TEST_QUICK=1: sparser corruption matrix (sanitizers, qemu) */

static char caller_no_mmap[16]; /* $BACKDROP_NO_MMAP as the caller set it ("" if unset) */

/* Loads through mmap (on = 0) or read() (on = 1) whatever the caller's environment says;
 * on = -1 puts the caller's setting back. */
static void set_no_mmap(int on)
{
    if (on == 1 || (on == -1 && caller_no_mmap[0]))
        setenv("BACKDROP_NO_MMAP", on == 1 ? "1" : caller_no_mmap, 1);
    else
        unsetenv("BACKDROP_NO_MMAP");
}

static void tmp_path(char *out, size_t outlen, const char *name)
{
    snprintf(out, outlen, "%s/%s", tmpdir, name);
}

/* ------------------------------------------------------------------ helpers ----------- */

/* bd_model_load must fail with a one-line message naming path (and containing want, if any). */
static int rejects(const char *path, const char *want, char *err, size_t errlen)
{
    err[0] = '\0';
    bd_model *m = bd_model_load(path, err, errlen);
    if (m) {
        bd_model_free(m);
        snprintf(err, errlen, "(loaded)");
        return 0;
    }
    return err[0] && strstr(err, path) && !strchr(err, '\n') && (!want || strstr(err, want));
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

#define CHECK_REJECTS(path, want)                                                        \
    do {                                                                                \
        char e_[600];                                                                   \
        int ok_ = rejects(path, want, e_, sizeof e_);                                   \
        CHECK(ok_, "%s: wanted an error containing '%s', got '%s'", path,              \
              or_empty(want), e_);                                                      \
    } while (0)

/* Writes a layout and expects bd_model_load to refuse it with a message containing want. */
static void check_layout_rejected(const synth_layout *l, const char *want)
{
    char path[300];
    size_t size;
    tmp_path(path, sizeof path, "layout.bdw");
    uint8_t *b = synth_layout_bytes(l, &size);
    CHECK(b && synth_write_bytes(path, b, size) == 0, "writing %s", path);
    free(b);
    CHECK_REJECTS(path, want);
}

static uint64_t rd64(const uint8_t *p)
{
    return synth_rd64(p);
}

static void put(int fd, const uint8_t *b, size_t off, size_t n)
{
    while (n) {
        ssize_t w = pwrite(fd, b + off, n, (off_t)off);
        if (w <= 0) {
            perror("pwrite");
            exit(2);
        }
        off += (size_t)w, n -= (size_t)w;
    }
}

/* ------------------------------------------------------------------ 1. crc ------------ */

static void test_crc32c(void)
{
    const char *s = "123456789";
    CHECK(bd_crc32c(s, 9) == 0xE3069283u, "bd_crc32c(123456789) = %08x", bd_crc32c(s, 9));
    CHECK(synth_crc32c((const uint8_t *)s, 9, 0) == 0xE3069283u, "synth_crc32c check value");
    CHECK(bd_crc32c_extend(bd_crc32c(s, 4), s + 4, 5) == 0xE3069283u, "bd_crc32c_extend");
    CHECK(bd_crc32c("", 0) == 0, "crc32c of nothing");
    uint8_t buf[1000];
    for (int i = 0; i < 1000; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    int differ = 0;
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n + off <= 1000; n += n < 40 ? 1 : 97)
            differ += bd_crc32c(buf + off, n) != synth_crc32c(buf + off, n, 0);
    CHECK(differ == 0, "src/crc32c.c and synth_crc32c differ in %d cases", differ);
}

/* ------------------------------------------------------------------ 2. good models ---- */

static void check_layer(const bd_model *m, const bd_layer *L, const char *prefix, int cin,
                        int cout, int *bad)
{
    char name[96];
    snprintf(name, sizeof name, "%s.weight", prefix);
    const bdw_tensor *w = bd_weights_find(m->file, name);
    snprintf(name, sizeof name, "%s.bias", prefix);
    const bdw_tensor *b = bd_weights_find(m->file, name);
    if (!w || !b || L->weight != w->data || L->bias != b->data || L->cin != cin ||
        L->cout != cout || ((uintptr_t)L->weight % 64) || ((uintptr_t)L->bias % 64)) {
        fprintf(stderr, "  layer %s: cin %d (want %d) cout %d (want %d)\n", prefix, L->cin, cin,
                L->cout, cout);
        (*bad)++;
    }
}

/* Every field of the model against the spec it was written from. */
static void check_model_matches(const bd_model *m, const synth_spec *s, const char *what)
{
    int bad = 0;
    char prefix[64];
    CHECK(m->depth_multiplier == s->depth_multiplier, "%s: depth multiplier %g", what,
          m->depth_multiplier);
    CHECK(m->num_classes == s->num_classes, "%s: num_classes %d", what, m->num_classes);
    CHECK(m->export_output_stride == s->output_stride, "%s: output stride %d", what,
          m->export_output_stride);
    CHECK(m->input_size == s->input_size, "%s: input size %d", what, m->input_size);
    CHECK(m->norm_scale == 0.007843138f && m->norm_offset == -1.0f, "%s: normalisation", what);
    CHECK(m->packed == NULL, "%s: packed is NULL", what);
    check_layer(m, &m->stem, "stem", 3, s->stem, &bad);
    int in = s->stem;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block *b = &m->blocks[i];
        int exp = i ? s->expanded[i] : in;
        if (b->has_expand != (i > 0))
            bad++;
        if (i) {
            snprintf(prefix, sizeof prefix, "block%d.expand", i);
            check_layer(m, &b->expand, prefix, in, exp, &bad);
        }
        snprintf(prefix, sizeof prefix, "block%d.depthwise", i);
        check_layer(m, &b->depthwise, prefix, exp, exp, &bad);
        snprintf(prefix, sizeof prefix, "block%d.project", i);
        check_layer(m, &b->project, prefix, exp, s->out[i], &bad);
        in = s->out[i];
    }
    check_layer(m, &m->image_pooling, "image_pooling", in, s->head, &bad);
    check_layer(m, &m->aspp0, "aspp0", in, s->head, &bad);
    check_layer(m, &m->concat_projection, "concat_projection", 2 * s->head, s->head, &bad);
    check_layer(m, &m->logits, "logits", s->head, s->num_classes, &bad);
    CHECK(bad == 0, "%s: %d layer fields wrong", what, bad);

    /* Every tensor, every value, as synth_model.h wrote them. */
    synth_layout *l = malloc(sizeof *l);
    synth_layout_from_spec(s, l);
    CHECK(m->file->tensor_count == l->count, "%s: %d tensors, want %d", what,
          m->file->tensor_count, l->count);
    int wrong = 0;
    for (int i = 0; i < l->count; i++) {
        const synth_tensor *st = &l->tensors[i];
        const bdw_tensor *t = bd_weights_find(m->file, st->name);
        if (!t || t->ndim != st->ndim) {
            wrong++;
            continue;
        }
        size_t count = 1;
        for (int d = 0; d < t->ndim; d++) {
            count *= (size_t)st->shape[d];
            wrong += t->shape[d] != st->shape[d];
        }
        wrong += t->count != count;
        size_t fan_in = t->ndim > 1 ? count / (size_t)st->shape[st->ndim - 1] : 0;
        float scale = fan_in ? (float)sqrt(6.0 / (double)fan_in) : 0.1f;
        for (size_t k = 0; k < t->count && k < count; k++)
            if (t->data[k] != scale * synth_value(s->seed, st->name, k)) {
                wrong++;
                break;
            }
    }
    CHECK(wrong == 0, "%s: %d tensor shapes/values wrong", what, wrong);
    free(l);
}

static void test_good_models(void)
{
    char path[300], err[600] = "";
    tmp_path(path, sizeof path, "tiny.bdw");
    synth_spec s;
    synth_spec_tiny(&s);
    s.seed = 42;
    CHECK(synth_model_write(path, &s) == 0, "write %s", path);

    set_no_mmap(0);
    bd_model *m = bd_model_load(path, err, sizeof err);
    CHECK(m != NULL, "tiny model should load: %s", err);
    if (m) {
        check_model_matches(m, &s, "tiny (mmap)");
        CHECK(m->file->mapped == 1, "tiny model is mapped");
        CHECK(!strcmp(m->class_names[0], "background") && !strcmp(m->class_names[1], "person") &&
                  !strcmp(m->class_names[2], "cat"),
              "class names");
        CHECK(bd_model_class_index(m, "PERSON") == 1 && bd_model_class_index(m, "cat") == 2 &&
                  bd_model_class_index(m, "dog") == -1 && bd_model_class_index(m, "") == -1,
              "bd_model_class_index");
        char v[100];
        CHECK(bd_weights_meta(m->file, "source_file", v, sizeof v) && !strcmp(v, "synthetic"),
              "bd_weights_meta source_file");
        CHECK(bd_weights_meta(m->file, "input_size", v, 3) && !strcmp(v, "65"),
              "bd_weights_meta with a small buffer");
        CHECK(!bd_weights_meta(m->file, "source", v, sizeof v) &&
                  !bd_weights_meta(m->file, "no_such_key", v, sizeof v),
              "bd_weights_meta of an absent key");
        CHECK(bd_weights_find(m->file, "block99.weight") == NULL, "bd_weights_find of absent tensor");
        bd_model_free(m);
    }

    set_no_mmap(1);
    m = bd_model_load(path, err, sizeof err);
    CHECK(m != NULL, "tiny model should load via read(): %s", err);
    if (m) {
        check_model_matches(m, &s, "tiny (read)");
        CHECK(m->file->mapped == 0, "tiny model was read, not mapped");
        bd_model_free(m);
    }
    set_no_mmap(-1);

    /* The real network's channel plan at both depth multipliers. */
    const double depths[] = {1.0, 0.5};
    for (int k = 0; k < 2; k++) {
        synth_spec_scaled(&s, depths[k]);
        s.seed = 7 + (uint32_t)k;
        CHECK(synth_model_write(path, &s) == 0, "write %s", path);
        m = bd_model_load(path, err, sizeof err);
        CHECK(m != NULL, "scaled %.1f model should load: %s", depths[k], err);
        if (!m)
            continue;
        char what[32];
        snprintf(what, sizeof what, "scaled %.1f", depths[k]);
        check_model_matches(m, &s, what);
        size_t params = 0;
        for (int i = 0; i < m->file->tensor_count; i++)
            params += m->file->tensors[i].count;
        if (depths[k] == 1.0)
            CHECK(m->stem.cout == 32 && m->blocks[16].project.cout == 320 &&
                      m->blocks[16].expand.cout == 960 && params > 2000000 && params < 2200000,
                  "d=1.0 shapes: stem %d, last %d, %zu parameters", m->stem.cout,
                  m->blocks[16].project.cout, params);
        else
            CHECK(m->stem.cout == 16 && m->blocks[1].project.cout == 16 &&
                      m->blocks[16].project.cout == 160,
                  "d=0.5 shapes: stem %d", m->stem.cout);
        CHECK(bd_model_class_index(m, "person") == 15, "VOC class names");
        bd_model_free(m);
    }
}

/* ------------------------------------------------------------------ 3. bad files ------ */

static void test_foreign_files(void)
{
    char path[300], dir[300];
    char err[600];
    tmp_path(path, sizeof path, "foreign.bdw");

    CHECK_REJECTS("/nonexistent/dir/model.bdw", "cannot open");
    tmp_path(dir, sizeof dir, "a_directory.bdw");
    mkdir(dir, 0700);
    CHECK_REJECTS(dir, "directory");
    rmdir(dir);
    CHECK_REJECTS("/dev/null", "not a regular file");
    CHECK(bd_model_load(path, NULL, 0) == NULL, "NULL err buffer is allowed");
    CHECK(bd_weights_open(NULL, err, sizeof err) == NULL, "NULL path is refused");

    synth_write_bytes(path, (const uint8_t *)"", 0);
    CHECK_REJECTS(path, "empty");

    const char *shared = getenv("SHARED") ? getenv("SHARED") : "../shared";
    char png[400];
    snprintf(png, sizeof png, "%s/images/cat_chelsea.png", shared);
    if (access(png, R_OK) == 0) {
        CHECK_REJECTS(png, "bad magic");
    } else {
        printf("note: %s missing, using a PNG signature instead\n", png);
        synth_write_bytes(path, (const uint8_t *)"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
        CHECK_REJECTS(path, "bad magic");
    }

    /* Random bytes, and random bytes behind a correct magic. */
    const size_t sizes[] = {1, 7, 8, 9, 40, 63, 64, 65, 100, 1000, 4096, 70000};
    uint8_t *junk = malloc(70000);
    uint32_t x = 12345;
    for (size_t i = 0; i < 70000; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        junk[i] = (uint8_t)x;
    }
    junk[0] = 'X';
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        synth_write_bytes(path, junk, sizes[i]);
        CHECK_REJECTS(path, "bad magic");
    }
    memcpy(junk, "BDWEIGHT", 8);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        synth_write_bytes(path, junk, sizes[i]);
        CHECK_REJECTS(path, sizes[i] < 64 ? "truncated" : NULL);
    }
    free(junk);
    synth_write_bytes(path, (const uint8_t *)"BDWEIGHT", 8);
    CHECK_REJECTS(path, "truncated");
    synth_write_bytes(path, (const uint8_t *)"BDW", 3);
    CHECK_REJECTS(path, "truncated");
}

static void test_bad_models(void)
{
    char path[300];
    tmp_path(path, sizeof path, "bad.bdw");
    synth_spec s;
    synth_spec_tiny(&s);
    synth_layout *l = malloc(sizeof *l), *orig = malloc(sizeof *orig);
    synth_layout_from_spec(&s, orig);

    /* The messages the brief promises, word for word where it gives them. */
    size_t size;
    uint8_t *b = synth_layout_bytes(orig, &size);
    synth_wr32(b + 8, 7);
    synth_reseal(b, size, 0);
    synth_write_bytes(path, b, size);
    CHECK_REJECTS(path, "unsupported version 7 (this build reads versions 1 to 2;");
    free(b);

    b = synth_layout_bytes(orig, &size);
    synth_write_bytes(path, b, 1000);
    char want[200];
    snprintf(want, sizeof want, "truncated: header says %zu bytes, file has 1000", size);
    CHECK_REJECTS(path, want);
    memcpy(b, "BDWEIGHS", 8);
    synth_write_bytes(path, b, size);
    CHECK_REJECTS(path, "not a backdrop weights file (bad magic)");
    free(b);

    b = synth_layout_bytes(orig, &size);
    int i3 = synth_layout_find(orig, "block3.depthwise.weight");
    const uint8_t *e3 = b + rd64(b + 40) + 128 * (size_t)i3;
    b[rd64(e3 + 104) + 5] ^= 0x10;
    synth_write_bytes(path, b, size);
    CHECK_REJECTS(path, "tensor 'block3.depthwise.weight' checksum mismatch");
    free(b);

    *l = *orig;
    synth_layout_remove(l, "block7.project.bias");
    check_layout_rejected(l, "missing tensor 'block7.project.bias'");

    *l = *orig;
    l->tensors[synth_layout_find(l, "block4.expand.weight")].shape[0] = 5;
    check_layout_rejected(l, "tensor 'block4.expand.weight' has shape [5,13], expected [6,?]");
    *l = *orig;
    l->tensors[synth_layout_find(l, "block4.expand.weight")].shape[1] = 11;
    check_layout_rejected(l, "tensor 'block4.expand.bias' has shape [13], expected [11]");
    *l = *orig;
    l->tensors[synth_layout_find(l, "block4.depthwise.weight")].shape[0] = 5;
    check_layout_rejected(l, "tensor 'block4.depthwise.weight' has shape [5,3,13], "
                             "expected [3,3,13]");
    *l = *orig;
    l->tensors[synth_layout_find(l, "stem.weight")].ndim = 3;
    check_layout_rejected(l, "tensor 'stem.weight' has shape [3,3,3], expected [3,3,3,?]");
    *l = *orig;
    l->tensors[synth_layout_find(l, "logits.weight")].shape[1] = 4;
    l->tensors[synth_layout_find(l, "logits.bias")].shape[0] = 4;
    check_layout_rejected(l, "tensor 'logits.weight' has shape [6,4], expected [6,3]");
    *l = *orig;
    l->tensors[synth_layout_find(l, "concat_projection.weight")].shape[0] = 6;
    check_layout_rejected(l, "tensor 'concat_projection.weight' has shape [6,6], "
                             "expected [12,?]");
    *l = *orig;
    strcpy(l->tensors[synth_layout_find(l, "aspp0.bias")].name, "aspp1.bias");
    check_layout_rejected(l, "missing tensor 'aspp0.bias'");
    *l = *orig;
    synth_add_(l, "aspp1.weight", 2, 10, 6, 0, 0);
    check_layout_rejected(l, "tensor 'aspp1.weight' is not part of the network");
    *l = *orig;
    synth_add_(l, "block0.expand.weight", 2, 4, 4, 0, 0);
    check_layout_rejected(l, "'block0.expand.weight' is unexpected");
    *l = *orig;
    strcpy(l->tensors[synth_layout_find(l, "aspp0.bias")].name, "aspp0.weight");
    check_layout_rejected(l, "tensor 'aspp0.weight' appears twice");
    *l = *orig;
    l->count = 0;
    check_layout_rejected(l, "tensor count 0");

    /* Metadata. */
    static const struct { const char *from, *to, *want; } meta_edits[] = {
        {"num_classes=3\n", "num_classes=4\n", "lists 3 class names, num_classes is 4"},
        {"num_classes=3\n", "num_classes=2\n", "more class names than num_classes=2"},
        {"num_classes=3\n", "num_classes=0\n", "num_classes '0'"},
        {"num_classes=3\n", "num_classes=3x\n", "num_classes '3x'"},
        {"num_classes=3\n", "", "metadata has no 'num_classes'"},
        {"output_stride=16\n", "output_stride=12\n", "output_stride '12' is not 8 or 16"},
        {"depth_multiplier=0.125\n", "depth_multiplier=-1\n", "depth_multiplier '-1'"},
        {"depth_multiplier=0.125\n", "depth_multiplier=nan\n", "depth_multiplier 'nan'"},
        {"input_size=65\n", "input_size=\n", "input_size ''"},
        {"norm_scale=0.007843138\n", "norm_scale=0\n", "norm_scale '0'"},
        {"norm_offset=-1\n", "norm_offset=inf\n", "norm_offset 'inf'"},
        {"network=deeplabv3_mobilenetv2\n", "network=resnet\n", "network 'resnet' is not"},
        {"background,person", "background,,person", "class name 1 is empty"},
        {"person", "a_class_name_of_thirty_two_chars", "class name 1 ('a_class_name_of_"},
        {"source_file=synthetic\n", "source_file=synthetic\nnorm_offset=1\n",
         "key 'norm_offset' appears twice"},
        {"source_file=synthetic\n", "just words\n", "line 2 is not key=value"},
        {"source_file=synthetic\n", "=synthetic\n", "line 2 is not key=value"},
        {"source_file=synthetic\n", "source_file=syn\rthetic\n", "control byte 0x0d"},
        {"converter=synth_model.h 1\n", "converter=synth_model.h 1", "end with a newline"},
    };
    for (size_t k = 0; k < sizeof meta_edits / sizeof meta_edits[0]; k++) {
        *l = *orig;
        char *at = strstr(l->meta, meta_edits[k].from);
        CHECK(at != NULL, "metadata has '%s'", meta_edits[k].from);
        if (!at)
            continue;
        char rest[8192];
        snprintf(rest, sizeof rest, "%s", at + strlen(meta_edits[k].from));
        snprintf(at, sizeof l->meta - (size_t)(at - l->meta), "%s%s", meta_edits[k].to, rest);
        check_layout_rejected(l, meta_edits[k].want);
    }
    /* Unknown keys are fine, and so is an empty value of an optional key. */
    *l = *orig;
    strcat(l->meta, "future_key=whatever\nsource_sha256x=\n");
    uint8_t *ok = synth_layout_bytes(l, &size);
    synth_write_bytes(path, ok, size);
    free(ok);
    char err[600];
    bd_model *m = bd_model_load(path, err, sizeof err);
    CHECK(m != NULL, "unknown metadata keys are allowed: %s", err);
    bd_model_free(m);
    free(l);
    free(orig);
}

/* ------------------------------------------------------------------ 4. the matrix ----- */

typedef struct matrix {
    const char *label;
    int cases, failures;
} matrix;

/* One case: load path; must_fail 1: it must be refused cleanly; 0: either outcome is fine
 * as long as a refusal is a clean one-line message naming the file. */
static void one_case(matrix *mx, const char *path, int must_fail, const char *what, size_t at)
{
    char err[600] = "";
    bd_model *m = bd_model_load(path, err, sizeof err);
    mx->cases++;
    int ok = m ? !must_fail : err[0] && strstr(err, path) && !strchr(err, '\n');
    if (!ok && ++mx->failures <= 5)
        fprintf(stderr, "  %s: %s at %zu: %s\n", mx->label, what, at, m ? "loaded" : err);
    bd_model_free(m);
}

/* The file at path holds orig; change n bytes at off to bytes (then reseal the checksums if
 * asked), load, and put the original bytes back. */
static void edit_case(matrix *mx, int fd, const char *path, const uint8_t *orig, uint8_t *work,
                      size_t size, size_t off, const uint8_t *bytes, size_t n, int reseal,
                      int must_fail, const char *what)
{
    memcpy(work + off, bytes, n);
    if (reseal)
        synth_reseal(work, size, 0);
    put(fd, work, 0, 64);
    put(fd, work, off, n);
    one_case(mx, path, must_fail, what, off);
    memcpy(work, orig, 64);
    memcpy(work + off, orig + off, n);
    put(fd, orig, 0, 64);
    put(fd, orig, off, n);
}

/* Runs the whole matrix on one file's bytes. Strides (1 = every byte): data_stride for
 * truncations inside the data, flip_stride for flips inside the data, sealed_stride for
 * resealed flips in the metadata and directory, head_stride for plain flips there (header
 * bytes: always every one). Returns the number of cases. */
static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int corruption_matrix(const char *label, const uint8_t *orig, size_t size,
                             size_t data_stride, size_t flip_stride, size_t sealed_stride,
                             size_t head_stride)
{
    const double start = seconds();
    char path[300], tpath[300];
    snprintf(path, sizeof path, "%s/%s.flip.bdw", tmpdir, label);
    snprintf(tpath, sizeof tpath, "%s/%s.cut.bdw", tmpdir, label);
    const size_t data_off = (size_t)rd64(orig + 48), dir_off = (size_t)rd64(orig + 40);
    const size_t meta_end = 64 + (size_t)synth_rd32(orig + 32);
    uint8_t *work = malloc(size), *cut = malloc(size);
    memcpy(work, orig, size);
    int total = 0;

    /* Truncation: raw, and with the header patched to the new size (checksums resealed). */
    matrix raw = {"truncated", 0, 0}, patched = {"truncated+patched header", 0, 0};
    for (size_t t = 0; t < size; t += t < data_off ? 1 : data_stride) {
        unlink(tpath);  /* a fresh file, not a truncated one (see main) */
        synth_write_bytes(tpath, orig, t);
        one_case(&raw, tpath, 1, "cut", t);
        if (t >= 64 && (t < dir_off || t % 7 == 0)) {
            memcpy(cut, orig, t);
            synth_wr64(cut + 16, t);
            synth_reseal(cut, t, 0);
            unlink(tpath);
            synth_write_bytes(tpath, cut, t);
            one_case(&patched, tpath, 1, "cut", t);
        }
    }
    synth_write_bytes(tpath, orig, size - 1);
    one_case(&raw, tpath, 1, "cut", size - 1);
    /* One byte too many. */
    memcpy(cut, orig, size);
    FILE *fp = fopen(tpath, "wb");
    fwrite(orig, 1, size, fp);
    fputc(0, fp);
    fclose(fp);
    one_case(&raw, tpath, 1, "extended", size);

    /* Byte flips in place. */
    synth_write_bytes(path, orig, size);
    int fd = open(path, O_RDWR);
    if (fd < 0) {
        perror(path);
        exit(2);
    }
    matrix flips[4] = {{"flip header", 0, 0}, {"flip metadata", 0, 0},
                       {"flip directory", 0, 0}, {"flip data", 0, 0}};
    for (size_t off = 0; off < size; off += off < 64 ? 1 : off < data_off ? head_stride
                                                                          : flip_stride) {
        int region = off < 64 ? 0 : off < meta_end ? 1 : off < data_off ? 2 : 3;
        uint8_t x = (uint8_t)(orig[off] ^ (1u << (off % 8)));
        edit_case(&flips[region], fd, path, orig, work, size, off, &x, 1, 0, 1, "flip");
    }
    /* Flips with the checksums made right: the structural checks must catch them. */
    matrix sealed_h = {"resealed flip header", 0, 0}, sealed_m = {"resealed flip metadata", 0, 0};
    matrix sealed_d = {"resealed flip directory", 0, 0};
    for (size_t off = 0; off < 56; off++)
        for (int bit = 0; bit < 8; bit++) {
            uint8_t x = (uint8_t)(orig[off] ^ (1u << bit));
            edit_case(&sealed_h, fd, path, orig, work, size, off, &x, 1, 1, 1, "flip");
        }
    for (size_t off = 64; off < data_off; off += sealed_stride) {
        uint8_t x = (uint8_t)(orig[off] ^ (1u << (off % 8)));
        int in_meta = off < meta_end;
        /* a metadata edit may still be a valid file (a changed sha256 digit) */
        edit_case(in_meta ? &sealed_m : &sealed_d, fd, path, orig, work, size, off, &x, 1, 1,
                  !in_meta, "flip");
    }

    /* Hostile values in every header field and every field of three directory entries. */
    matrix hostile = {"hostile field", 0, 0};
    const uint64_t s64 = size;
    const uint64_t values[] = {0, 1, 7, 8, 63, 64, 65, 128, 4095, 4096, 4097, s64 - 64, s64 - 1,
                               s64, s64 + 1, s64 + 64, 0x7fffffff, 0x80000000, 0xffffffff,
                               0x100000000, (uint64_t)1 << 63, UINT64_MAX - 63, UINT64_MAX - 7,
                               UINT64_MAX, data_off, dir_off};
    static const struct { int off, width; } hfields[] = {
        {8, 4}, {12, 4}, {16, 8}, {24, 8}, {32, 4}, {36, 4}, {40, 8}, {48, 8}};
    static const struct { int off, width; } efields[] = {
        {80, 4}, {84, 4}, {88, 4}, {92, 4}, {96, 4}, {100, 4}, {104, 8}, {112, 8}, {120, 4},
        {124, 4}};
    const size_t count = synth_rd32(orig + 36);
    const size_t entries[] = {0, count / 2, count - 1};
    for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
        uint8_t bytes[8];
        synth_wr64(bytes, values[v]);
        for (size_t k = 0; k < sizeof hfields / sizeof hfields[0]; k++) {
            size_t off = (size_t)hfields[k].off, w = (size_t)hfields[k].width;
            if (!memcmp(orig + off, bytes, w))
                continue;   /* that is the right value */
            if (off == 8 && values[v] == 1 && synth_rd32(orig + 8) == 2)
                continue;   /* version 1 of a float32-only file is a valid version 1 file */
            edit_case(&hostile, fd, path, orig, work, size, off, bytes, w, 1, 1, "header");
        }
        for (size_t e = 0; e < 3; e++)
            for (size_t k = 0; k < sizeof efields / sizeof efields[0]; k++) {
                size_t off = dir_off + 128 * entries[e] + (size_t)efields[k].off;
                size_t w = (size_t)efields[k].width;
                if (!memcmp(orig + off, bytes, w))
                    continue;
                edit_case(&hostile, fd, path, orig, work, size, off, bytes, w, 1, 1, "entry");
            }
    }
    close(fd);
    /* The file left behind is the original again: it must still load. */
    char err[600];
    bd_model *m = bd_model_load(path, err, sizeof err);
    CHECK(m != NULL, "%s: restored file loads: %s", label, err);
    bd_model_free(m);

    matrix *all[] = {&raw, &patched, &flips[0], &flips[1], &flips[2], &flips[3],
                     &sealed_h, &sealed_m, &sealed_d, &hostile};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        CHECK(all[k]->failures == 0, "%s: %s: %d of %d cases not refused cleanly", label,
              all[k]->label, all[k]->failures, all[k]->cases);
        total += all[k]->cases;
    }
    printf("%s: corruption matrix of %zu bytes: %d truncations, %d flips, %d resealed flips, "
           "%d hostile fields = %d cases (%.1f s)\n",
           label, size, raw.cases + patched.cases,
           flips[0].cases + flips[1].cases + flips[2].cases + flips[3].cases,
           sealed_h.cases + sealed_m.cases + sealed_d.cases, hostile.cases, total,
           seconds() - start);
    unlink(path);
    unlink(tpath);
    free(work);
    free(cut);
    return total;
}

static void test_synthetic_matrix(void)
{
    synth_spec s;
    synth_spec_tiny(&s);
    size_t size;
    uint8_t *b = synth_model_bytes(&s, &size);
    /* read() instead of mmap, so AddressSanitizer sees every byte the loader touches */
    set_no_mmap(1);
    corruption_matrix("synthetic", b, size, 61, quick ? 11 : 3, quick ? 3 : 1, 1);
    set_no_mmap(-1);
    free(b);
}

/* ------------------------------------------------------------------ 5. real files ----- */

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

static void test_real_files(void)
{
    static const struct { const char *path; float depth; int input_size, os; } real[] = {
        {"weights/deeplabv3_mnv2_pascal.bdw", 1.0f, 513, 16},
        {"weights/deeplabv3_mnv2_dm05_pascal.bdw", 0.5f, 513, 8},
        {"weights/deeplabv3_mnv2_dm05_pascal_quant.bdw", 0.5f, 513, 16},
        {"weights/deeplabv3_257_mv_gpu.bdw", 0.5f, 257, 8},
    };
    const char *smallest = NULL;
    off_t smallest_size = 0;
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        struct stat st;
        if (stat(real[i].path, &st) != 0) {
            SKIP("test_weights: the checks of %s: missing (run `make weights`)", real[i].path);
            continue;
        }
        char err[600] = "";
        bd_model *m = bd_model_load(real[i].path, err, sizeof err);
        CHECK(m != NULL, "%s should load: %s", real[i].path, err);
        if (!m)
            continue;
        CHECK(m->depth_multiplier == real[i].depth, "%s: depth multiplier %g, want %g",
              real[i].path, m->depth_multiplier, real[i].depth);
        CHECK(m->num_classes == 21, "%s: %d classes", real[i].path, m->num_classes);
        CHECK(bd_model_class_index(m, "background") == 0 && bd_model_class_index(m, "person") == 15,
              "%s: VOC class names", real[i].path);
        CHECK(m->input_size == real[i].input_size, "%s: input size %d", real[i].path,
              m->input_size);
        CHECK(m->export_output_stride == real[i].os, "%s: output stride %d", real[i].path,
              m->export_output_stride);
        int c0 = real[i].depth == 1.0f ? 32 : 16, c16 = real[i].depth == 1.0f ? 320 : 160;
        CHECK(m->stem.cout == c0 && m->blocks[16].project.cout == c16 &&
                  m->concat_projection.cout == 256 && m->logits.cout == 21,
              "%s: channels stem %d, last block %d", real[i].path, m->stem.cout,
              m->blocks[16].project.cout);
        bd_model_free(m);
        if (!smallest || st.st_size < smallest_size)
            smallest = real[i].path, smallest_size = st.st_size;
    }
    if (!smallest) {
        printf("note: no real weights file present: the real-file corruption matrix was "
               "skipped\n");
        return;
    }
    size_t size;
    uint8_t *b = read_all(smallest, &size);
    CHECK(b != NULL, "read %s", smallest);
    if (b)
        corruption_matrix("real", b, size, size / 40 + 1, size / (quick ? 30 : 100) + 1,
                          quick ? 29 : 7, quick ? 11 : 1);
    free(b);
}

/* ------------------------------------------------------------------ the int8 network --- */

/* Replaces the first `from` in the metadata of b by `to` (the same length), then reseals. */
static int edit_meta(uint8_t *b, size_t size, const char *from, const char *to)
{
    size_t msize = synth_rd32(b + 32), n = strlen(from);
    for (size_t i = 64; i + n <= 64 + msize; i++)
        if (!memcmp(b + i, from, n)) {
            memcpy(b + i, to, n);
            synth_reseal(b, size, 0);
            return 1;
        }
    return 0;
}

/* The directory entry of tensor name in b, or NULL. */
static uint8_t *entry_of(uint8_t *b, const char *name)
{
    uint64_t dir = rd64(b + 40);
    uint32_t count = synth_rd32(b + 36);
    for (uint32_t i = 0; i < count; i++)
        if (!strcmp((const char *)b + dir + 128 * (uint64_t)i, name))
            return b + dir + 128 * (uint64_t)i;
    return NULL;
}

static void test_int8_files(void)
{
    const char *qpath = "weights/deeplabv3_mnv2_dm05_pascal_quant.bdw";
    const char *fpath = "weights/deeplabv3_mnv2_dm05_pascal.bdw";
    struct stat st;
    if (stat(qpath, &st) != 0 || stat(fpath, &st) != 0) {
        printf("note: %s or %s is missing (run `make weights`): the int8 checks were skipped\n",
               qpath, fpath);
        return;
    }
    char err[600] = "", path[300];
    bd_model *m = bd_model_load(fpath, err, sizeof err);
    CHECK(m && !m->q, "%s (a float source) loads without an int8 network: %s", fpath, err);
    bd_model_free(m);
    m = bd_model_load(qpath, err, sizeof err);
    CHECK(m && m->q, "%s loads with its int8 network: %s", qpath, err);
    if (m && m->q) {
        const bd_qmodel *q = m->q;
        CHECK(q->input.scale == 0.0078125f && q->input.zp == 128, "input quantisation %g %d",
              q->input.scale, q->input.zp);
        CHECK(q->stem.in.scale == q->input.scale && q->stem.act == 2 && q->stem.out.zp == 0,
              "stem reads the input, relu6, zero point 0");
        /* relu6 at scale 6/255: the range is the whole 0..255 */
        CHECK(q->stem.conv.rq.lo == 0 && q->stem.conv.rq.hi == 255, "stem range %d..%d",
              q->stem.conv.rq.lo, q->stem.conv.rq.hi);
        int adds = 0;
        for (int i = 0; i < MNV2_BLOCKS; i++)
            adds += q->blocks[i].has_add;
        CHECK(adds == 10, "%d residual adds, MobileNetV2 has 10", adds);
        CHECK(q->logits.act == 0 && q->concat_projection.in.scale == q->concat.scale,
              "head chain");
        const bdw_tensor *t = bd_weights_find(m->file, "block5.project.qweight");
        CHECK(t && t->dtype == BDW_DTYPE_U8 && t->data == NULL && t->raw != NULL &&
              t->count == (size_t)m->blocks[5].project.cin * m->blocks[5].project.cout,
              "uint8 tensors: raw bytes, no float pointer, count in elements");
    }
    bd_model_free(m);

    /* what a damaged int8 part gives: one line naming the problem, nothing loaded */
    size_t size;
    uint8_t *orig = read_all(qpath, &size), *b = orig ? malloc(size) : NULL;
    CHECK(b != NULL, "read %s", qpath);
    if (!b) {
        free(orig);
        return;
    }
    tmp_path(path, sizeof path, "int8.bdw");
    static const struct { const char *from, *to, *want; } meta_cases[] = {
        {"precisions=f32,int8", "precisions=f32;int8", "precisions 'f32;int8'"},
        {"relu6\nquant.block0.project", "relu7\nquant.block0.project",
         "activation 'relu7' (none, relu or relu6)"},
        {"quant.input=0.0078125,128", "quant.input=0.0078125,129",
         "metadata 'quant.stem': the layer reads scale 0.0078125 zero point 128, but its input "
         "has scale 0.0078125 zero point 129"},
        {"quant.input=0.0078125,128", "quant.input=0.0078125,328", "zero point '328' is not 0..255"},
        {"quant.input=0.0078125,128", "quant.input=-.0078125,128", "scale '-.0078125' is not"},
        {"quant.pool=", "quant.poul=", "metadata has no 'quant.pool' (needed to run as int8)"},
    };
    for (size_t i = 0; i < sizeof meta_cases / sizeof meta_cases[0]; i++) {
        memcpy(b, orig, size);
        int found = edit_meta(b, size, meta_cases[i].from, meta_cases[i].to);
        CHECK(found, "the file's metadata has '%s'", meta_cases[i].from);
        if (found) {
            synth_write_bytes(path, b, size);
            CHECK_REJECTS(path, meta_cases[i].want);
        }
    }
    /* a uint8 tensor where a float one belongs, an int32 bias relabelled uint8 */
    memcpy(b, orig, size);
    uint8_t *e = entry_of(b, "block2.expand.qbias");
    CHECK(e != NULL, "block2.expand.qbias in the directory");
    if (e) {
        synth_wr32(e + 80, BDW_DTYPE_U8);
        synth_reseal(b, size, 0);
        synth_write_bytes(path, b, size);
        CHECK_REJECTS(path, "tensor 'block2.expand.qbias': 288 bytes, but its shape needs 72");
    }
    memcpy(b, orig, size);
    e = entry_of(b, "block2.expand.qweight");
    uint8_t *f = entry_of(b, "block2.expand.weight");
    if (e && f) {     /* swap the two names: the float layer finds uint8 bytes */
        char tmp[80];
        memcpy(tmp, e, 80);
        memcpy(e, f, 80);
        memcpy(f, tmp, 80);
        synth_reseal(b, size, 0);
        synth_write_bytes(path, b, size);
        CHECK_REJECTS(path, "tensor 'block2.expand.weight' is not float32");
    }
    memcpy(b, orig, size);
    synth_wr32(b + 8, 1);
    synth_reseal(b, size, 0);
    synth_write_bytes(path, b, size);
    CHECK_REJECTS(path, "unsupported dtype 2 (version 1 files hold only 1 = float32)");
    memcpy(b, orig, size);
    e = entry_of(b, "logits.qweight");
    if (e) {
        synth_wr32(e + 80, 9);
        synth_reseal(b, size, 0);
        synth_write_bytes(path, b, size);
        CHECK_REJECTS(path, "tensor 'logits.qweight' has unsupported dtype 9 (1 = float32, "
                            "2 = uint8, 3 = int32)");
    }
    unlink(path);
    free(b);
    free(orig);
}

int main(void)
{
    /* thousands of small files: tmpfs if there is one (on ext4, rewriting a truncated file
     * forces it to disk each time) */
    const char *base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR")
                       : access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                                       : "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/test_weights_XXXXXX", base);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    quick = getenv("BD_TEST_QUICK") && !strcmp(getenv("BD_TEST_QUICK"), "1");
    const char *env_no_mmap = getenv("BACKDROP_NO_MMAP");
    snprintf(caller_no_mmap, sizeof caller_no_mmap, "%s", env_no_mmap ? env_no_mmap : "");
    test_crc32c();
    test_good_models();
    test_foreign_files();
    test_bad_models();
    test_synthetic_matrix();
    test_real_files();
    test_int8_files();

    char path[300];
    const char *left[] = {"tiny.bdw", "foreign.bdw", "bad.bdw", "layout.bdw", "int8.bdw"};
    for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
        tmp_path(path, sizeof path, left[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    return check_done("test_weights");
}
