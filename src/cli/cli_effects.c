/* cli_effects.c — the effect subcommands: blur, replace, gray, cutout, mask.
 *
 *   backdrop EFFECT IN... -o OUT [options]
 *
 * One pipeline for all of them: decode -> segment (backdrop.h) -> soft mask of the chosen
 * classes -> matte refinement (matte.c) -> composition (effects.c) -> encode (atomic). The
 * option parsing, the output naming for several inputs (-o DIR/), the refusal to overwrite
 * an input and the per-stage timings (--time) are shared here. Video streams (--video or a
 * .y4m name) are checked here and run by cli_video.c.
 */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "backdrop.h"
#include "cli/cli.h"
#include "compose/compose.h"
#include "compose/temporal.h"
#include "io/image_io.h"
#include "io/clock.h"
#include "io/threads.h"

/* The subcommand is named by the library's effect (compose.h): `replace` is BD_FX_OVER,
 * whose --color turns it into BD_FX_COLOR when the effect is applied. */
typedef struct {
    bd_fx_kind kind;
    const char *name;            /* the subcommand */
    const char **inputs;
    int ninputs;
    const char *output;
    const char *model;
    const char *classes;         /* "person" or "person,dog" */
    bd_matte_opts matte;
    int os, threads, timing, quiet, quality, precision;
    int load_flags;              /* --no-orient: BD_LOAD_NO_ORIENT */
    int side_by_side;            /* output = [photo | result] */
    int max_side;                /* > 0: shrink the output to at most this many pixels */
    float strength;              /* blur sigma; < 0: automatic */
    const char *background;      /* replace: picture */
    uint8_t color[3];
    int has_color;
    int video;                   /* --video (or a .y4m input/output): cli_video.c */
    float smooth;                /* video: temporal smoothing strength */
    int every;                   /* video: the network on every N-th frame */
} fx_opts;

/* ------------------------------------------------------------------ help -------------- */

static void help(const fx_opts *o, FILE *to)
{
    static const char *what[] = {
        [BD_FX_BLUR] = "blur the background (bokeh), keep the subject sharp",
        [BD_FX_OVER] = "put the subject on another picture (--background) or a colour "
                       "(--color)",
        [BD_FX_GRAY] = "keep the subject in colour, turn the background gray (BT.601 luma)",
        [BD_FX_CUTOUT] = "cut the subject out: RGBA PNG/TGA, background transparent",
        [BD_FX_MASK] = "write the subject matte as an 8-bit gray image (255 = subject)",
    };
    static const char *example[] = {
        [BD_FX_BLUR] = "backdrop blur portrait.jpg -o portrait_bokeh.jpg --strength 12",
        [BD_FX_OVER] = "backdrop replace me.jpg --background beach.jpg -o me_beach.jpg\n"
                       "  backdrop replace id_photo.png --color white -o id_white.png",
        [BD_FX_GRAY] = "backdrop gray cat.png --class cat -o cat_gray.png",
        [BD_FX_CUTOUT] = "backdrop cutout a.jpg b.jpg -o cutouts/",
        [BD_FX_MASK] = "backdrop mask car.jpg --class car -o car_mask.png",
    };
    fprintf(to, "usage: backdrop %s IN... -o OUT [options]\n", o->name);
    if (o->kind != BD_FX_CUTOUT)
        fprintf(to, "       backdrop %s --video IN.y4m|- -o OUT.y4m|- [options]\n", o->name);
    fprintf(to, "  %s\n\n", what[o->kind]);
    if (o->kind == BD_FX_BLUR)
        fprintf(to, "  --strength S     Gaussian sigma of the blur in pixels (default 1.5%% of the\n"
                    "                   longer side: 7.7 px at 512, 60 px at 4000; 0 = none)\n");
    if (o->kind == BD_FX_OVER)
        fprintf(to, "  --background F   picture behind the subject, scaled to cover and centred\n"
                    "  --color C        solid colour instead: '#RRGGBB', '#RGB', white, black,\n"
                    "                   gray, red, green, blue ('white' whitens the background)\n");
    if (o->kind != BD_FX_CUTOUT)
        fprintf(to,
                "  --video          IN and OUT are YUV4MPEG2 streams (ffmpeg -f yuv4mpegpipe),\n"
                "                   files or - (stdin/stdout); also chosen by a .y4m name.\n"
                "                   The colour space and frame rate are written back (mask:\n"
                "                   a mono stream); replace --background may be a .y4m\n"
                "                   stream (looped). Frames are written and flushed as done.\n"
                "  --smooth A       video: temporal smoothing of the matte, 0 (off) .. 0.99\n"
                "                   (default %.2f): still parts stop flickering, moving parts\n"
                "                   follow at once\n"
                "  --every N        video: run the network on every N-th frame only, reuse\n"
                "                   its result between (default 1)\n", BD_TEMPORAL_DEFAULT);
    fprintf(to,
            "  -o OUT           output file, its extension picks the format (.png .jpg .bmp\n"
            "                   .tga); with several inputs a directory: -o DIR/ writes\n"
            "                   DIR/<name>_%s.<ext>\n"
            "  --class LIST     what the subject is: person (default), or any class of the\n"
            "                   model, several with commas: person,dog\n"
            "  --invert         swap subject and background\n"
            "  --edges MODE     guided (default): the class probability snapped to the\n"
            "                   photo's edges by a colour guided filter (hair, fingers),\n"
            "                   then made opaque/clear where the network is fairly sure;\n"
            "                   soft: the probability as it is, lightly feathered;\n"
            "                   hard: cut at 0.5; otsu: cut at Otsu's threshold of the\n"
            "                   blurred probability (both feathered)\n"
            "  --refine         add the guided filter to soft/hard/otsu edges\n"
            "  --guide G        guided filter guide: color (default) or gray\n"
            "  --refine-radius PX  guided filter radius (default 1.5%% of the longer side)\n"
            "  --refine-eps E   guided filter regularisation (default 0.001)\n"
            "  --refine-gain G  contrast around 0.5 after the guided filter (default 3)\n"
            "  --feather PX     soften the matte edge over about PX pixels (Gaussian sigma\n"
            "                   PX/2; default: none after the guided filter, else 0.3%% of\n"
            "                   the longer side, at least 1; 0 = none)\n"
            "  --quality Q      JPEG quality 1..100 (default 95)\n"
            "  --side-by-side   write the photo and the result next to each other\n"
            "  --max-side N     shrink the output (area filter) to at most N pixels a side\n"
            "  --model F        weights file (default $BACKDROP_MODEL or %s)\n"
            "  --os 8|16        network output stride (default: the model's; 8 is finer and\n"
            "                   about 3x slower)\n"
            "  --threads N      threads (default: all cores)\n"
            CLI_PRECISION_HELP
            "  --no-orient      keep a JPEG's stored pixels (default: turned upright by\n"
            "                   its EXIF orientation; backgrounds too)\n"
            "  --time           per-stage timings on stderr\n"
            "  -q               quiet: no line per written file\n"
            "\nexample:\n  %s\n"
            "exit codes: 0 ok, 1 bad input or failure, 2 usage error\n",
            o->name, cli_default_model(), example[o->kind]);
}

/* ------------------------------------------------------------------ options ----------- */

static int usage_error(const fx_opts *o, const char *fmt, const char *arg)
{
    fprintf(stderr, "backdrop %s: ", o->name);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (backdrop %s --help)\n", o->name);
    return BD_EXIT_USAGE;
}

static int parse_num(const char *s, double lo, double hi, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(x) || x < lo || x > hi) return -1;
    *v = x;
    return 0;
}

static int has_ext(const char *path, const char *ext)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    return dot && (!slash || dot > slash) && !strcasecmp(dot + 1, ext);
}

/* Parses argv into o; returns -1 to continue, else the exit code. */
static int parse(int argc, char **argv, fx_opts *o)
{
    o->inputs = calloc((size_t)argc, sizeof(char *));
    if (!o->inputs) return BD_EXIT_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
#define NEXT()                                                                   \
        do {                                                                     \
            if (i + 1 >= argc) return usage_error(o, "%s needs a value", a);     \
            i++;                                                                 \
        } while (0)
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help(o, stdout);
            return BD_EXIT_OK;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            NEXT();
            o->output = argv[i];
        } else if (!strcmp(a, "--class")) {
            NEXT();
            o->classes = argv[i];
        } else if (!strcmp(a, "--invert")) {
            o->matte.invert = 1;
        } else if (!strcmp(a, "--edges")) {
            NEXT();
            const char *m = argv[i];
            if (!strcmp(m, "soft")) o->matte.edges = BD_EDGES_SOFT, o->matte.guide = BD_GUIDE_NONE;
            else if (!strcmp(m, "hard")) o->matte.edges = BD_EDGES_HARD, o->matte.guide = BD_GUIDE_NONE;
            else if (!strcmp(m, "otsu")) o->matte.edges = BD_EDGES_OTSU, o->matte.guide = BD_GUIDE_NONE;
            else if (!strcmp(m, "guided")) o->matte.edges = BD_EDGES_SOFT, o->matte.guide = BD_GUIDE_COLOR;
            else return usage_error(o, "--edges must be soft, hard, otsu or guided, not '%s'", m);
        } else if (!strcmp(a, "--refine")) {
            if (o->matte.guide == BD_GUIDE_NONE) o->matte.guide = BD_GUIDE_COLOR;
        } else if (!strcmp(a, "--guide")) {
            NEXT();
            if (!strcmp(argv[i], "color") || !strcmp(argv[i], "colour"))
                o->matte.guide = BD_GUIDE_COLOR;
            else if (!strcmp(argv[i], "gray") || !strcmp(argv[i], "grey"))
                o->matte.guide = BD_GUIDE_GRAY;
            else return usage_error(o, "--guide must be color or gray, not '%s'", argv[i]);
        } else if (!strcmp(a, "--refine-radius")) {
            NEXT();
            if (parse_num(argv[i], 1, 10000, &v))
                return usage_error(o, "--refine-radius must be 1..10000 pixels, not '%s'", argv[i]);
            o->matte.guide_radius = (float)v;
        } else if (!strcmp(a, "--refine-eps")) {
            NEXT();
            if (parse_num(argv[i], 1e-8, 10, &v))
                return usage_error(o, "--refine-eps must be 1e-8..10, not '%s'", argv[i]);
            o->matte.guide_eps = (float)v;
        } else if (!strcmp(a, "--refine-gain")) {
            NEXT();
            if (parse_num(argv[i], 0.1, 100, &v))
                return usage_error(o, "--refine-gain must be 0.1..100, not '%s'", argv[i]);
            o->matte.guide_gain = (float)v;
        } else if (!strcmp(a, "--feather")) {
            NEXT();
            if (parse_num(argv[i], 0, 10000, &v))
                return usage_error(o, "--feather must be 0..10000 pixels, not '%s'", argv[i]);
            o->matte.feather = (float)v;
        } else if (!strcmp(a, "--strength") && o->kind == BD_FX_BLUR) {
            NEXT();
            if (parse_num(argv[i], 0, 10000, &v))
                return usage_error(o, "--strength must be 0..10000 pixels, not '%s'", argv[i]);
            o->strength = (float)v;
        } else if (!strcmp(a, "--background") && o->kind == BD_FX_OVER) {
            NEXT();
            o->background = argv[i];
        } else if ((!strcmp(a, "--color") || !strcmp(a, "--colour")) && o->kind == BD_FX_OVER) {
            NEXT();
            if (bd_parse_color(argv[i], o->color))
                return usage_error(o, "--color wants #RRGGBB, #RGB or a colour name, not '%s'",
                                   argv[i]);
            o->has_color = 1;
        } else if (!strcmp(a, "--quality")) {
            NEXT();
            if (parse_num(argv[i], 1, 100, &v) || v != floor(v))
                return usage_error(o, "--quality must be an integer 1..100, not '%s'", argv[i]);
            o->quality = (int)v;
        } else if (!strcmp(a, "--side-by-side")) {
            o->side_by_side = 1;
        } else if (!strcmp(a, "--max-side")) {
            NEXT();
            if (parse_num(argv[i], 8, 100000, &v) || v != floor(v))
                return usage_error(o, "--max-side must be an integer 8..100000, not '%s'", argv[i]);
            o->max_side = (int)v;
        } else if (!strcmp(a, "--model")) {
            NEXT();
            o->model = argv[i];
        } else if (!strcmp(a, "--os")) {
            NEXT();
            if (strcmp(argv[i], "8") && strcmp(argv[i], "16"))
                return usage_error(o, "--os must be 8 or 16, not '%s'", argv[i]);
            o->os = atoi(argv[i]);
        } else if (!strcmp(a, "--threads")) {
            NEXT();
            if (parse_num(argv[i], 1, 1024, &v) || v != floor(v))
                return usage_error(o, "--threads must be an integer 1..1024, not '%s'", argv[i]);
            o->threads = (int)v;
        } else if (!strcmp(a, "--precision")) {
            NEXT();
            if (cli_parse_precision(argv[i], &o->precision))
                return usage_error(o, "--precision must be int8 or f32, not '%s'", argv[i]);
        } else if (!strcmp(a, "--time")) {
            o->timing = 1;
        } else if (!strcmp(a, "--video")) {
            o->video = 1;
        } else if (!strcmp(a, "--smooth")) {
            NEXT();
            if (parse_num(argv[i], 0, 0.99, &v))
                return usage_error(o, "--smooth must be 0..0.99, not '%s'", argv[i]);
            o->smooth = (float)v;
        } else if (!strcmp(a, "--every")) {
            NEXT();
            if (parse_num(argv[i], 1, 1000, &v) || v != floor(v))
                return usage_error(o, "--every must be an integer 1..1000, not '%s'", argv[i]);
            o->every = (int)v;
        } else if (!strcmp(a, "--no-orient")) {
            o->load_flags |= BD_LOAD_NO_ORIENT;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            return usage_error(o, "unknown option '%s'", a);
        } else {
            o->inputs[o->ninputs++] = a;
        }
#undef NEXT
    }
    if (o->ninputs == 0) return usage_error(o, "no input image%s", "");
    if (!o->output) return usage_error(o, "no output: give -o OUT%s", "");
    if (o->kind == BD_FX_OVER && !o->background == !o->has_color)
        return usage_error(o, "replace needs exactly one of --background F and --color C%s", "");
    return -1;
}

/* ------------------------------------------------------------------ output names ------ */

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The output file for input i: -o itself, or DIR/<stem>_<effect>.<ext>. */
static char *output_path(const fx_opts *o, const char *in, int to_dir)
{
    if (!to_dir) return strdup(o->output);
    const char *base = strrchr(in, '/');
    base = base ? base + 1 : in;
    const char *dot = strrchr(base, '.');
    const size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    const char *ext = "png";
    if (o->kind != BD_FX_CUTOUT && o->kind != BD_FX_MASK && dot && bd_image_save_supported(in))
        ext = dot + 1;
    const size_t dl = strlen(o->output);
    const int slash = dl > 0 && o->output[dl - 1] == '/';
    size_t len = dl + 1 + stem + 1 + strlen(o->name) + 1 + strlen(ext) + 1;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s%s%.*s_%s.%s", o->output, slash ? "" : "/", (int)stem, base,
                 o->name, ext);
    return p;
}

/* Every output is writable by format, distinct, not one of the files the command reads
 * (the photos, the background picture, the weights file), its directory exists and its
 * name fits (checked before the network runs, not after). */
static int check_outputs(const fx_opts *o, char **outs, const char *model_path)
{
    const int nreads = o->ninputs + 2;
    const char **reads = malloc(sizeof *reads * (size_t)nreads);
    const char **what = malloc(sizeof *what * (size_t)nreads);
    char *msg = malloc(CLI_ERRLEN);
    int rc = -1;
    if (!reads || !what || !msg) {
        fprintf(stderr, "backdrop %s: out of memory\n", o->name);
        rc = BD_EXIT_FAIL;
        goto done;
    }
    for (int j = 0; j < o->ninputs; j++) reads[j] = o->inputs[j], what[j] = "an input";
    reads[o->ninputs] = o->background, what[o->ninputs] = "the background picture";
    reads[o->ninputs + 1] = model_path, what[o->ninputs + 1] = "the weights file";
    for (int i = 0; i < o->ninputs && rc < 0; i++) {
        if (!bd_image_save_supported(outs[i])) {
            rc = usage_error(o, "%s: unknown output format (use .png, .jpg, .bmp or .tga)",
                             outs[i]);
            break;
        }
        if ((o->kind == BD_FX_CUTOUT) && !has_ext(outs[i], "png") && !has_ext(outs[i], "tga")) {
            rc = usage_error(o, "%s: a cutout needs an alpha channel: write .png or .tga",
                             outs[i]);
            break;
        }
        int c = cli_check_output(outs[i], reads, what, nreads, msg, CLI_ERRLEN);
        if (c == BD_EXIT_USAGE) {
            rc = usage_error(o, "%s", msg);
            break;
        }
        if (c) {
            fprintf(stderr, "backdrop %s: %s\n", o->name, msg);
            rc = c;
            break;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(outs[i], outs[j])) {
                rc = usage_error(o, "%s: two inputs would write the same output", outs[i]);
                break;
            }
    }
done:
    free(reads);
    free(what);
    free(msg);
    return rc;
}

/* ------------------------------------------------------------------ classes ----------- */

/* Resolves "person,dog" into class ids; an unknown name is a usage error listing the valid
 * ones. */
static int resolve_classes(const fx_opts *o, const bd_model *m, int *ids, int *n)
{
    char *buf = strdup(o->classes);      /* any length: strtok_r cuts it up */
    if (!buf) {
        fprintf(stderr, "backdrop %s: out of memory\n", o->name);
        return BD_EXIT_FAIL;
    }
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        int id = bd_model_class_index(m, tok);
        if (id < 0) {
            fprintf(stderr, "backdrop %s: unknown class '%s'; the model's classes are:", o->name,
                    tok);
            for (int c = 0; c < bd_model_num_classes(m); c++)
                fprintf(stderr, "%s %s", c ? "," : "", bd_model_class_name(m, c));
            fputc('\n', stderr);
            free(buf);
            return BD_EXIT_USAGE;
        }
        if (*n < BD_MAX_CLASSES) ids[(*n)++] = id;
    }
    free(buf);
    if (*n == 0) return usage_error(o, "--class names no class%s", "");
    return -1;
}

/* ------------------------------------------------------------------ one image --------- */

typedef struct {
    double decode, preprocess, network, mask, refine, composite, encode;
} fx_times;

/* --side-by-side and --max-side: replaces *pix (w x h x c) by [photo | result] and/or its
 * shrunk copy (a new buffer; the old one is left to the caller); a gray result becomes RGB
 * next to the photo, the photo gets alpha 255 next to a cutout. Returns 0, or -1 if out of
 * memory (*pix is then unchanged). */
static int present(const fx_opts *o, const uint8_t *rgb, uint8_t **pix, int *w, int *h, int *c)
{
    uint8_t *cur = *pix;
    int cw = *w, ch = *h, cc = *c;
    if (o->side_by_side) {
        const int nc = cc == 1 ? 3 : cc, nw = 2 * cw;
        uint8_t *wide = malloc((size_t)nw * ch * nc);
        if (!wide) return -1;
        for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw; x++) {
                uint8_t *l = wide + ((size_t)y * nw + x) * nc, *r = l + (size_t)cw * nc;
                const uint8_t *p = rgb + ((size_t)y * cw + x) * 3, *q = cur + ((size_t)y * cw + x) * cc;
                for (int k = 0; k < nc; k++) {
                    l[k] = k < 3 ? p[k] : 255;
                    r[k] = cc == 1 ? q[0] : q[k];
                }
            }
        cur = wide;
        cw = nw;
        cc = nc;
    }
    const int longer = cw > ch ? cw : ch;
    if (o->max_side && longer > o->max_side) {
        const double s = (double)o->max_side / longer;
        int nw = (int)lround(cw * s), nh = (int)lround(ch * s);
        if (nw < 1) nw = 1;
        if (nh < 1) nh = 1;
        uint8_t *small = malloc((size_t)nw * nh * cc);
        if (!small || bd_fit_cover(cur, cw, ch, cc, small, nw, nh)) {
            free(small);
            if (cur != *pix) free(cur);
            return -1;
        }
        if (cur != *pix) free(cur);
        cur = small;
        cw = nw;
        ch = nh;
    }
    *pix = cur;   /* the caller frees the buffer it passed in, if it owns it */
    *w = cw;
    *h = ch;
    *c = cc;
    return 0;
}

static int process(const fx_opts *o, bd_segmenter *seg, const int *classes, int nclasses,
                   const bd_image *bg, const char *in, const char *out)
{
    char err[CLI_ERRLEN];
    fx_times t = {0};
    bd_image img = {0};
    bd_matte *matte = NULL;
    uint8_t *pix = NULL, *fitted = NULL;
    int rc = BD_EXIT_FAIL;
    double t0 = bd_now_ms(), start = t0;

    if (bd_image_load_flags(in, o->load_flags, &img, err, sizeof err)) {
        fprintf(stderr, "backdrop %s: %s\n", o->name, err);
        return BD_EXIT_FAIL;
    }
    t.decode = bd_now_ms() - t0;
    const int w = img.w, h = img.h;
    bd_matte_times mt;
    if (bd_segment_matte_compact(seg, img.data, w, h, classes, nclasses, &o->matte, &matte, &mt,
                                 err, sizeof err)) {
        fprintf(stderr, "backdrop %s: %s: %s\n", o->name, in, err);
        goto done;
    }
    t.preprocess = mt.preprocess_ms;
    t.network = mt.network_ms;
    t.mask = mt.mask_ms;
    t.refine = mt.refine_ms;

    t0 = bd_now_ms();
    const int channels = o->kind == BD_FX_CUTOUT ? 4 : o->kind == BD_FX_MASK ? 1 : 3;
    /* RGB effects work in place on the decoded photo (no second 3-byte-per-pixel buffer
     * to allocate and fault in); --side-by-side needs the photo kept. */
    const int in_place = channels == 3 && !o->side_by_side;
    pix = in_place ? img.data : malloc((size_t)w * h * channels);
    if (!pix) {
        fprintf(stderr, "backdrop %s: %s: out of memory\n", o->name, in);
        goto done;
    }
    /* The effect reads the compact matte: alpha is computed only where the matte is mixed
     * (compose/compose.h); in place, the matte is used up. */
    bd_fx fx = {.kind = o->kind};
    int fail = 0;
    if (o->kind == BD_FX_BLUR) {
        fx.sigma = o->strength < 0 ? bd_blur_auto_sigma(w, h) : o->strength;
    } else if (o->kind == BD_FX_OVER && o->has_color) {
        fx.kind = BD_FX_COLOR;
        memcpy(fx.color, o->color, 3);
    } else if (o->kind == BD_FX_OVER) {
        fitted = malloc((size_t)w * h * 3);
        fail = !fitted || bd_fit_cover(bg->data, bg->w, bg->h, 3, fitted, w, h);
        fx.bg = fitted;
    }
    if (!fail) fail = bd_matte_effect(img.data, matte, &fx, pix);
    if (fail) {
        fprintf(stderr, "backdrop %s: %s: out of memory compositing\n", o->name, in);
        goto done;
    }
    int ow = w, oh = h, oc = channels;
    if (o->side_by_side || o->max_side) {
        uint8_t *before = pix;
        if (present(o, img.data, &pix, &ow, &oh, &oc)) {
            fprintf(stderr, "backdrop %s: %s: out of memory\n", o->name, in);
            goto done;
        }
        if (before != pix && before != img.data) free(before);
    }
    t.composite = bd_now_ms() - t0;

    t0 = bd_now_ms();
    if (bd_image_save_quality(out, pix, ow, oh, oc, o->quality, err, sizeof err)) {
        fprintf(stderr, "backdrop %s: %s\n", o->name, err);
        goto done;
    }
    t.encode = bd_now_ms() - t0;
    rc = BD_EXIT_OK;
    if (!o->quiet) printf("%s -> %s (%dx%d)\n", in, out, w, h);
    if (o->timing)
        fprintf(stderr,
                "time %s %dx%d: decode %.1f ms, preprocess %.1f, network %.1f, mask %.1f, "
                "refine %.1f, composite %.1f, encode %.1f | total %.1f ms "
                "(compositing without network and codecs: %.1f)\n",
                in, w, h, t.decode, t.preprocess, t.network, t.mask, t.refine, t.composite,
                t.encode, bd_now_ms() - start, t.mask + t.refine + t.composite);
done:
    if (pix == img.data) pix = NULL;   /* in place: freed with the image */
    bd_image_free(&img);
    bd_matte_free(matte);
    free(pix);
    free(fitted);
    return rc;
}

/* ------------------------------------------------------------------ video ----------- */

/* backdrop EFFECT --video IN -o OUT: checks what only a stream allows, loads the model and
 * hands over to cli_video.c. */
static int run_video(const fx_opts *o)
{
    if (o->ninputs != 1) return usage_error(o, "--video takes one input stream, not %s",
                                            o->ninputs > 1 ? "several" : "none");
    const char *in = o->inputs[0], *out = o->output;
    if (o->kind == BD_FX_CUTOUT)
        return usage_error(o, "a YUV4MPEG2 stream has no alpha channel: no cutout%s", "");
    if (o->side_by_side || o->max_side)
        return usage_error(o, "--side-by-side and --max-side are for pictures, not --video%s",
                           "");
    if (strcmp(out, "-") && !has_ext(out, "y4m"))
        return usage_error(o, "%s: a video output is a .y4m file or - (standard output)", out);
    cli_video_passive_wait();
    int rc = BD_EXIT_FAIL;
    bd_model *m = NULL;
    char *err = malloc(CLI_ERRLEN), *model_path = NULL;
    if (!err) goto done;
    if (!(model_path = cli_model_path(o->model, err, CLI_ERRLEN))) {
        fprintf(stderr, "backdrop %s: %s\n", o->name, err);
        goto done;
    }
    if (strcmp(out, "-")) {
        const char *reads[3] = {strcmp(in, "-") ? in : NULL, o->background, model_path};
        const char *what[3] = {"an input", "the background", "the weights file"};
        int c = cli_check_output(out, reads, what, 3, err, CLI_ERRLEN);
        if (c == BD_EXIT_USAGE) {
            rc = usage_error(o, "%s", err);
            goto done;
        }
        if (c) {
            fprintf(stderr, "backdrop %s: %s\n", o->name, err);
            rc = c;
            goto done;
        }
    }
    if (bd_threads_start(o->threads, err, CLI_ERRLEN) < 0 ||
        !(m = cli_load_model(model_path, err, CLI_ERRLEN))) {
        fprintf(stderr, "backdrop %s: %s\n", o->name, err);
        goto done;
    }
    cli_video_job job = {.name = o->name, .input = in, .output = out,
                         .background = o->background, .model = m, .quiet = o->quiet,
                         .timing = o->timing, .threads = o->threads};
    job.stream = bd_stream_defaults();
    rc = resolve_classes(o, m, job.stream.classes, &job.stream.nclasses);
    if (rc < 0) {
        job.stream.seg.output_stride = o->os;
        job.stream.seg.threads = o->threads;
        job.stream.seg.precision = (bd_precision)o->precision;
        job.stream.matte = o->matte;
        job.stream.smooth = o->smooth;
        job.stream.every = o->every;
        job.stream.fx.kind = o->kind;
        job.stream.fx.sigma = o->strength;
        if (o->kind == BD_FX_OVER && o->has_color) {
            job.stream.fx.kind = BD_FX_COLOR;
            memcpy(job.stream.fx.color, o->color, 3);
        }
        rc = cli_video_run(&job);
    }
done:
    if (!err) fprintf(stderr, "backdrop %s: out of memory\n", o->name);
    bd_model_free(m);
    free(model_path);
    free(err);
    return rc;
}

/* ------------------------------------------------------------------ entry points ------ */

static int run_effect(bd_fx_kind kind, int argc, char **argv)
{
    fx_opts o = {0};
    o.kind = kind;
    o.name = argv[0];
    o.classes = "person";
    o.matte = bd_matte_defaults();
    o.strength = -1.0f;
    o.quality = 95;
    o.smooth = BD_TEMPORAL_DEFAULT;
    o.every = 1;
    int rc = parse(argc, argv, &o);
    char **outs = NULL;
    bd_model *m = NULL;
    bd_segmenter *seg = NULL;
    bd_image bg = {0};
    char *model_path = NULL, *err = NULL;
    if (rc >= 0) goto done;
    if (o.video || has_ext(o.inputs[0], "y4m") || has_ext(o.output, "y4m")) {
        rc = run_video(&o);
        goto done;
    }
    if (!(err = malloc(CLI_ERRLEN))) {
        rc = BD_EXIT_FAIL;
        goto done;
    }

    /* Outputs: one file, or a directory for several inputs. */
    const size_t ol = strlen(o.output);
    const int to_dir = (ol > 0 && o.output[ol - 1] == '/') || is_dir(o.output);
    if (o.ninputs > 1 && !to_dir) {
        rc = usage_error(&o, "several inputs need -o DIR/ (a directory), not '%s'", o.output);
        goto done;
    }
    if (to_dir && !is_dir(o.output)) {
        fprintf(stderr, "backdrop %s: %s: no such directory\n", o.name, o.output);
        rc = BD_EXIT_FAIL;
        goto done;
    }
    outs = calloc((size_t)o.ninputs, sizeof(char *));
    if (!outs) {
        rc = BD_EXIT_FAIL;
        goto done;
    }
    for (int i = 0; i < o.ninputs; i++)
        if (!(outs[i] = output_path(&o, o.inputs[i], to_dir))) {
            rc = BD_EXIT_FAIL;
            goto done;
        }
    if (!(model_path = cli_model_path(o.model, err, CLI_ERRLEN))) {
        fprintf(stderr, "backdrop %s: %s\n", o.name, err);
        rc = BD_EXIT_FAIL;
        goto done;
    }
    if ((rc = check_outputs(&o, outs, model_path)) >= 0) goto done;

    if (bd_threads_start(o.threads, err, CLI_ERRLEN) < 0) {
        fprintf(stderr, "backdrop %s: %s\n", o.name, err);
        rc = BD_EXIT_FAIL;
        goto done;
    }
    if (!(m = cli_load_model(model_path, err, CLI_ERRLEN))) {
        fprintf(stderr, "backdrop %s: %s\n", o.name, err);
        rc = BD_EXIT_FAIL;
        goto done;
    }
    int classes[BD_MAX_CLASSES], nclasses;
    if ((rc = resolve_classes(&o, m, classes, &nclasses)) >= 0) goto done;
    if (o.background && bd_image_load_flags(o.background, o.load_flags, &bg, err, CLI_ERRLEN)) {
        fprintf(stderr, "backdrop %s: %s\n", o.name, err);
        rc = BD_EXIT_FAIL;
        goto done;
    }
    bd_segmenter_opts so = {0};
    so.output_stride = o.os;
    so.threads = o.threads;
    so.precision = (bd_precision)o.precision;
    so.release_after_run = 1;             /* photos: the network's memory, then the matte's */
    if (!(seg = bd_segmenter_new(m, &so, err, CLI_ERRLEN))) {
        fprintf(stderr, "backdrop %s: %s: %s\n", o.name, model_path, err);
        rc = BD_EXIT_FAIL;
        goto done;
    }
    rc = BD_EXIT_OK;
    for (int i = 0; i < o.ninputs; i++)
        if (process(&o, seg, classes, nclasses, &bg, o.inputs[i], outs[i]) != BD_EXIT_OK)
            rc = BD_EXIT_FAIL;
done:
    if (outs)
        for (int i = 0; i < o.ninputs; i++) free(outs[i]);
    free(outs);
    free(o.inputs);
    free(model_path);
    free(err);
    bd_image_free(&bg);
    bd_segmenter_free(seg);
    bd_model_free(m);
    return rc;
}

int cli_blur(int argc, char **argv) { return run_effect(BD_FX_BLUR, argc, argv); }
int cli_replace(int argc, char **argv) { return run_effect(BD_FX_OVER, argc, argv); }
int cli_gray(int argc, char **argv) { return run_effect(BD_FX_GRAY, argc, argv); }
int cli_cutout(int argc, char **argv) { return run_effect(BD_FX_CUTOUT, argc, argv); }
int cli_mask(int argc, char **argv) { return run_effect(BD_FX_MASK, argc, argv); }
