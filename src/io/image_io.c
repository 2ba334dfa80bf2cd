/* image_io.c — image files in and out through stb_image / stb_image_write (compiled in
 * stb_impl.c), with size limits before decoding and atomic writes (see image_io.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb/stb_image.h>         /* declarations only: compiled in stb_impl.c */
#include <stb/stb_image_write.h>

#include "io/image_io.h"
#include "io/stb_impl.h"
#include "io/jpeg_guard.h"

#define MAX_FILE_BYTES (1u << 30)   /* 1 GB: far above any image within the pixel limit */

int bd_image_load_memory(const uint8_t *buf, size_t len, const char *name, bd_image *img,
                      char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    int w, h, comp;
    if (len == 0) {
        snprintf(err, errlen, "%s: empty file", name);
        return -1;
    }
    if (len > MAX_FILE_BYTES || len > (size_t)INT32_MAX) {
        snprintf(err, errlen, "%s: file too large (%zu bytes)", name, len);
        return -1;
    }
    char why[128];
    if (bd_jpeg_guard_check(buf, len, why, sizeof why)) {    /* stb 2.27 would overflow */
        snprintf(err, errlen, "%s: corrupt JPEG (%s)", name, why);
        return -1;
    }
    if (!stbi_info_from_memory(buf, (int)len, &w, &h, &comp)) {
        /* stb refuses a PNG over 2^30 bytes of pixels without saying so (its last reason
         * is "unknown type"): read such a header's size here to name the real problem. */
        if (len >= 24 && !memcmp(buf, "\x89PNG\r\n\x1a\n", 8) && !memcmp(buf + 12, "IHDR", 4)) {
            uint32_t pw = (uint32_t)buf[16] << 24 | buf[17] << 16 | buf[18] << 8 | buf[19];
            uint32_t ph = (uint32_t)buf[20] << 24 | buf[21] << 16 | buf[22] << 8 | buf[23];
            if (pw > BD_IMAGE_MAX_DIM || ph > BD_IMAGE_MAX_DIM ||
                (long long)pw * ph > BD_IMAGE_MAX_PIXELS) {
                snprintf(err, errlen, "%s: image is %ux%u; the limit is %d pixels a side and "
                         "%lld megapixels", name, pw, ph, BD_IMAGE_MAX_DIM,
                         BD_IMAGE_MAX_PIXELS / 1000000);
                return -1;
            }
        }
        snprintf(err, errlen, "%s: not a supported image (%s)", name, stbi_failure_reason());
        return -1;
    }
    if (w < 1 || h < 1 || w > BD_IMAGE_MAX_DIM || h > BD_IMAGE_MAX_DIM ||
        (long long)w * h > BD_IMAGE_MAX_PIXELS) {
        snprintf(err, errlen, "%s: image is %dx%d; the limit is %d pixels a side and %lld "
                 "megapixels", name, w, h, BD_IMAGE_MAX_DIM, BD_IMAGE_MAX_PIXELS / 1000000);
        return -1;
    }
    bd_stbi_assert_failures = 0;
    uint8_t *data = stbi_load_from_memory(buf, (int)len, &w, &h, &comp, 3);
    if (!data) {
        snprintf(err, errlen, "%s: cannot decode image (%s)", name, stbi_failure_reason());
        return -1;
    }
    if (bd_stbi_assert_failures) {           /* stb met data it cannot make sense of */
        stbi_image_free(data);
        snprintf(err, errlen, "%s: cannot decode image (corrupt data: the decoder's "
                 "consistency check failed)", name);
        return -1;
    }
    img->w = w;
    img->h = h;
    img->channels = 3;
    img->data = data;
    return 0;
}

int bd_image_load(const char *path, bd_image *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open (%s)", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {                      /* read whole file: works for pipes and special files */
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 20;
            if (ncap > (size_t)MAX_FILE_BYTES + 1)
                ncap = (size_t)MAX_FILE_BYTES + 1;
            if (ncap == cap) {
                snprintf(err, errlen, "%s: file too large (over %u bytes)", path,
                         MAX_FILE_BYTES);
                free(buf);
                fclose(f);
                return -1;
            }
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                snprintf(err, errlen, "%s: out of memory reading the file", path);
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                snprintf(err, errlen, "%s: read error (%s)", path, strerror(errno));
                free(buf);
                fclose(f);
                return -1;
            }
            break;
        }
    }
    fclose(f);
    int rc = bd_image_load_memory(buf, len, path, img, err, errlen);
    free(buf);
    return rc;
}

void bd_image_free(bd_image *img)
{
    if (img) {
        stbi_image_free(img->data);
        memset(img, 0, sizeof *img);
    }
}

/* ------------------------------------------------------------------- writing -------- */

enum { FMT_NONE, FMT_PNG, FMT_JPEG, FMT_BMP, FMT_TGA };

static int format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return FMT_NONE;
    if (!strcasecmp(dot, ".png")) return FMT_PNG;
    if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg")) return FMT_JPEG;
    if (!strcasecmp(dot, ".bmp")) return FMT_BMP;
    if (!strcasecmp(dot, ".tga")) return FMT_TGA;
    return FMT_NONE;
}

int bd_image_save_supported(const char *path)
{
    return format_of(path) != FMT_NONE;
}

typedef struct {
    FILE *f;
    int failed;
} sink;

static void sink_write(void *ctx, void *data, int size)
{
    sink *s = ctx;
    if (!s->failed && size > 0 && fwrite(data, 1, (size_t)size, s->f) != (size_t)size)
        s->failed = 1;
}

int bd_image_save(const char *path, const uint8_t *data, int w, int h, int channels,
               char *err, size_t errlen)
{
    return bd_image_save_quality(path, data, w, h, channels, 95, err, errlen);
}

int bd_image_save_quality(const char *path, const uint8_t *data, int w, int h, int channels,
                       int quality, char *err, size_t errlen)
{
    int fmt = format_of(path);
    if (fmt == FMT_NONE) {
        snprintf(err, errlen, "%s: unknown output format (use .png, .jpg, .bmp or .tga)",
                 path);
        return -1;
    }
    if (quality < 1 || quality > 100) {
        snprintf(err, errlen, "%s: JPEG quality %d is not in 1..100", path, quality);
        return -1;
    }
    if (w < 1 || h < 1 || channels < 1 || channels > 4 ||
        (long long)w * channels > INT32_MAX / 2) {
        snprintf(err, errlen, "%s: cannot write a %dx%dx%d image", path, w, h, channels);
        return -1;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);    /* same directory, so rename is atomic */
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create (%s)", path, strerror(errno));
        free(tmp);
        return -1;
    }
    mode_t mask = umask(0);                   /* mkstemp makes 0600: use the usual mode */
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    sink s = {fdopen(fd, "wb"), 0};
    if (!s.f) {
        snprintf(err, errlen, "%s: cannot create (%s)", path, strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    int ok;
    switch (fmt) {
    case FMT_PNG:
        ok = stbi_write_png_to_func(sink_write, &s, w, h, channels, data, w * channels);
        break;
    case FMT_JPEG:
        ok = stbi_write_jpg_to_func(sink_write, &s, w, h, channels, data, quality);
        break;
    case FMT_BMP:
        ok = stbi_write_bmp_to_func(sink_write, &s, w, h, channels, data);
        break;
    default:
        ok = stbi_write_tga_to_func(sink_write, &s, w, h, channels, data);
        break;
    }
    int saved_errno = errno;
    if (fflush(s.f) != 0 || ferror(s.f))
        s.failed = 1, saved_errno = errno;
    if (fclose(s.f) != 0)
        s.failed = 1, saved_errno = errno;
    if (!ok || s.failed) {
        snprintf(err, errlen, "%s: write failed (%s)", path,
                 s.failed ? strerror(saved_errno) : "encoder error");
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot replace (%s)", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}
