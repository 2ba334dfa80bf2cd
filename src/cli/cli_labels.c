/* cli_labels.c — `backdrop labels` (alias `segment`): the class of every pixel of a photo,
 * written at the photo's own resolution as an 8-bit gray PNG of class ids (0 = background,
 * 15 = person, ... for PASCAL VOC), or coloured with the VOC palette for viewing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "backdrop.h"
#include "cli/cli.h"
#include "io/image_io.h"
#include "io/threads.h"
#include "engine/postprocess.h"

static void usage(FILE *to)
{
    fprintf(to,
        "usage: backdrop labels IN -o OUT.png [--model FILE] [--os 8|16] [--palette]\n"
        "                       [--threads N] [--input-size N] [--no-orient] [--precision int8|f32]\n"
        "                       [--time]\n"
        "       (backdrop segment ... is the same command)\n"
        "\n"
        "Segments the photo IN (PNG, JPEG, BMP, TGA, ...) and writes the class of every pixel,\n"
        "at the photo's resolution, to OUT (.png, .bmp or .tga: lossless).\n"
        "\n"
        "  -o, --output OUT   the label image: 8-bit gray, pixel value = class id\n"
        "  --model FILE       weights file (default %s)\n"
        "  --os 8|16          output stride: 8 is finer and ~3x slower (default: the model's)\n"
        "  --palette          colour the classes with the PASCAL VOC palette (RGB)\n"
        "  --no-orient        keep a JPEG's stored pixels (default: upright by its EXIF)\n"
        "  --threads N        CPU threads (default: all)\n"
        "  --input-size N     network input side, 17..4097 (default: the model's, 513)\n"
        CLI_PRECISION_HELP
        "                     (int8 labels end as the uint8 graph does: exactly TFLite's)\n"
        "  --time             print timings and the activation memory to stderr\n"
        "\n"
        "example: backdrop labels photo.jpg -o labels.png --palette\n",
        cli_default_model());
}

/* Strict integer option value: the whole string, within lo..hi. */
static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "backdrop labels: %s needs a number %d..%d, not '%s'\n", opt, lo, hi,
                s ? s : "");
        return -1;
    }
    *out = (int)v;
    return 0;
}

int cli_labels(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *model_given = NULL;
    int os = 0, threads = 0, input_size = 0, palette = 0, timing = 0, load_flags = 0;
    int precision = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return BD_EXIT_OK;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!val) {
                fprintf(stderr, "backdrop labels: %s needs a file name\n", a);
                return BD_EXIT_USAGE;
            }
            out = val;
            i++;
        } else if (!strcmp(a, "--model")) {
            if (!val) {
                fprintf(stderr, "backdrop labels: --model needs a file name\n");
                return BD_EXIT_USAGE;
            }
            model_given = val;
            i++;
        } else if (!strcmp(a, "--os")) {
            if (!val || (strcmp(val, "8") && strcmp(val, "16"))) {
                fprintf(stderr, "backdrop labels: --os must be 8 or 16, not '%s'\n",
                        val ? val : "");
                return BD_EXIT_USAGE;
            }
            os = atoi(val);
            i++;
        } else if (!strcmp(a, "--threads")) {
            if (parse_int(a, val, 1, 1024, &threads))
                return BD_EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--input-size")) {
            if (parse_int(a, val, 17, 4097, &input_size))
                return BD_EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--no-orient")) {
            load_flags |= BD_LOAD_NO_ORIENT;
        } else if (!strcmp(a, "--precision")) {
            if (cli_parse_precision(val, &precision)) {
                fprintf(stderr, "backdrop labels: --precision must be int8 or f32, not '%s'\n",
                        val ? val : "");
                return BD_EXIT_USAGE;
            }
            i++;
        } else if (!strcmp(a, "--palette")) {
            palette = 1;
        } else if (!strcmp(a, "--time")) {
            timing = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "backdrop labels: unknown option '%s' (see backdrop labels --help)\n",
                    a);
            return BD_EXIT_USAGE;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "backdrop labels: one input image only ('%s' and '%s')\n", in, a);
            return BD_EXIT_USAGE;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "backdrop labels: %s (see backdrop labels --help)\n",
                !in ? "no input image" : "no output: -o OUT.png");
        return BD_EXIT_USAGE;
    }
    const char *dot = strrchr(out, '.');
    if (!bd_image_save_supported(out) || (dot && (!strcasecmp(dot, ".jpg") ||
                                               !strcasecmp(dot, ".jpeg")))) {
        fprintf(stderr, "backdrop labels: %s: labels need a lossless format: .png, .bmp or "
                ".tga\n", out);
        return BD_EXIT_USAGE;
    }
    static char err[CLI_ERRLEN];
    char *model_path = cli_model_path(model_given, err, sizeof err);
    if (!model_path) {
        fprintf(stderr, "backdrop labels: %s\n", err);
        return BD_EXIT_FAIL;
    }
    /* the atomic write would replace the photo or the weights */
    const char *reads[2] = {in, model_path}, *what[2] = {"the input", "the weights file"};
    int c = cli_check_output(out, reads, what, 2, err, sizeof err);
    if (c) {
        fprintf(stderr, "backdrop labels: %s\n", err);
        free(model_path);
        return c;
    }

    int rc = BD_EXIT_FAIL;
    bd_model *m = NULL;
    bd_segmenter *seg = NULL;
    bd_image img = {0};
    uint8_t *labels = NULL, *rgb = NULL;
    if (bd_threads_start(threads, err, sizeof err) < 0 ||
        !(m = cli_load_model(model_path, err, sizeof err)) ||
        bd_image_load_flags(in, load_flags, &img, err, sizeof err)) {
        fprintf(stderr, "backdrop labels: %s\n", err);
        goto done;
    }
    bd_segmenter_opts so = {.output_stride = os, .threads = threads, .input_size = input_size,
                            .precision = (bd_precision)precision};
    if (!(seg = bd_segmenter_new(m, &so, err, sizeof err)) ||
        bd_segmenter_run(seg, img.data, img.w, img.h, err, sizeof err)) {
        fprintf(stderr, "backdrop labels: %s: %s\n", in, err);
        goto done;
    }
    size_t n = (size_t)img.w * img.h;
    if (!(labels = malloc(n)) || (palette && !(rgb = malloc(n * 3)))) {
        fprintf(stderr, "backdrop labels: %s: out of memory for the labels\n", in);
        goto done;
    }
    double t0 = 0;
    bd_segmenter_info info;
    bd_segmenter_get_info(seg, &info);
    {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t0 = t.tv_sec * 1e3 + t.tv_nsec / 1e6;
    }
    if (bd_segmenter_labels(seg, labels, err, sizeof err)) {
        fprintf(stderr, "backdrop labels: %s: %s\n", in, err);
        goto done;
    }
    if (palette)
        for (size_t i = 0; i < n; i++)
            bd_postprocess_voc_color(labels[i], rgb + 3 * i);
    double post_ms;
    {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        post_ms = t.tv_sec * 1e3 + t.tv_nsec / 1e6 - t0;
    }
    if (bd_image_save(out, palette ? rgb : labels, img.w, img.h, palette ? 3 : 1, err,
                   sizeof err)) {
        fprintf(stderr, "backdrop labels: %s\n", err);
        goto done;
    }
    if (timing)
        fprintf(stderr, "backdrop labels: %s %dx%d, kernels %s, %d thread(s), input %d, OS%d: "
                "preprocess %.1f ms, network %.1f ms, labels %.1f ms; activation arena "
                "%.1f MB\n", in, img.w, img.h, info.isa, info.threads, info.input_size,
                info.output_stride, info.preprocess_ms, info.network_ms, post_ms,
                info.arena_bytes / 1048576.0);
    rc = BD_EXIT_OK;
done:
    free(model_path);
    free(labels);
    free(rgb);
    bd_image_free(&img);
    bd_segmenter_free(seg);
    bd_model_free(m);
    return rc;
}
