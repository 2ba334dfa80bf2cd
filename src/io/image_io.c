/* image_io.c — image files in and out through stb_image / stb_image_write (compiled in
 * stb_impl.c), with size limits before decoding and atomic writes (see image_io.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>


#include "io/image_io.h"
#include "io/stb_impl.h"
#include "io/jpeg_guard.h"
#include "io/image_check.h"
#include "io/exif.h"

#define MAX_FILE_BYTES (1u << 30)   /* 1 GB: far above any image within the pixel limit */

/* Flips each row left to right (a TGA stored right to left). */
static void mirror_rows(uint8_t *p, int w, int h, int c)
{
    for (int y = 0; y < h; y++) {
        uint8_t *l = p + (size_t)y * w * c, *r = l + (size_t)(w - 1) * c;
        for (; l < r; l += c, r -= c)
            for (int k = 0; k < c; k++) {
                uint8_t t = l[k];
                l[k] = r[k];
                r[k] = t;
            }
    }
}

static int too_big(const char *name, long long w, long long h, char *err, size_t errlen)
{
    if (w >= 1 && h >= 1 && w <= BD_IMAGE_MAX_DIM && h <= BD_IMAGE_MAX_DIM &&
        w * h <= BD_IMAGE_MAX_PIXELS)
        return 0;
    snprintf(err, errlen, "%s: image is %lldx%lld; the limit is %d pixels a side and %lld "
             "megapixels", name, w, h, BD_IMAGE_MAX_DIM, BD_IMAGE_MAX_PIXELS / 1000000);
    return 1;
}

int bd_image_load_memory(const uint8_t *buf, size_t len, const char *name, bd_image *img,
                      char *err, size_t errlen)
{
    return bd_image_load_memory_flags(buf, len, name, 0, img, err, errlen);
}

int bd_image_load_memory_flags(const uint8_t *buf, size_t len, const char *name, int flags,
                            bd_image *img, char *err, size_t errlen)
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
    const bd_image_format fmt = bd_image_sniff(buf, len);
    if (fmt == BD_FORMAT_UNKNOWN) {
        snprintf(err, errlen, "%s: not a supported image (not a PNG, JPEG, BMP or TGA file)",
                 name);
        return -1;
    }
    char why[256];
    if (fmt == BD_FORMAT_JPEG && bd_jpeg_guard_check(buf, len, why, sizeof why)) {
        snprintf(err, errlen, "%s: corrupt JPEG (%s)", name, why);   /* stb 2.27 would overflow */
        return -1;
    }
    /* The size first: a PNG over stb's 2^30-byte limit is refused by stb as a generic
     * failure, so its header is read here to name the real problem. */
    if (fmt == BD_FORMAT_PNG && len >= 24 && !memcmp(buf + 12, "IHDR", 4)) {
        const uint8_t *p = buf + 16;
        long long pw = (long long)((uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]);
        long long ph = (long long)((uint32_t)p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7]);
        if (too_big(name, pw, ph, err, errlen))
            return -1;
    }
    uint8_t *fixed = NULL;
    size_t fixed_len = 0;
    int mirror = 0;
    if (!bd_stbi_info(fmt, buf, (int)len, &w, &h, &comp)) {
        /* our reading of the header names what stb only calls corrupt or unsupported */
        if (bd_image_check(buf, len, fmt, &fixed, &fixed_len, &mirror, why, sizeof why))
            snprintf(err, errlen, "%s: %s", name, why);
        else
            snprintf(err, errlen, "%s: not a supported image (%s)", name,
                     bd_stbi_failure_reason());
        free(fixed);
        return -1;
    }
    if (fmt == BD_FORMAT_BMP && h < 0)           /* top-down rows */
        h = -h;
    if (too_big(name, w, h, err, errlen))
        return -1;
    if (bd_image_check(buf, len, fmt, &fixed, &fixed_len, &mirror, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", name, why);
        return -1;
    }
    bd_stbi_assert_failures = 0;
    uint8_t *data = bd_stbi_load_from_memory(fixed ? fixed : buf, (int)(fixed ? fixed_len : len),
                                          &w, &h, &comp, 3);
    free(fixed);
    if (!data) {
        snprintf(err, errlen, "%s: cannot decode image (%s)", name, bd_stbi_failure_reason());
        return -1;
    }
    if (bd_stbi_assert_failures) {           /* stb met data it cannot make sense of */
        bd_stbi_image_free(data);
        snprintf(err, errlen, "%s: cannot decode image (corrupt data: the decoder's "
                 "consistency check failed)", name);
        return -1;
    }
    if (mirror)
        mirror_rows(data, w, h, 3);
    if (fmt == BD_FORMAT_JPEG && !(flags & BD_LOAD_NO_ORIENT) &&
        bd_exif_apply(&data, &w, &h, 3, bd_exif_orientation(buf, len))) {
        bd_stbi_image_free(data);
        snprintf(err, errlen, "%s: out of memory turning the image upright", name);
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
    return bd_image_load_flags(path, 0, img, err, errlen);
}

int bd_image_load_flags(const char *path, int flags, bd_image *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    struct stat st;                 /* what it is, before reading (or blocking on) it */
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open (%s)", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not an image", path);
        return -1;
    }
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file or a pipe", path);
        return -1;
    }
    if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: file too large (%lld bytes, the limit is %u)", path,
                 (long long)st.st_size, MAX_FILE_BYTES);
        return -1;
    }
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
    int rc = bd_image_load_memory_flags(buf, len, path, flags, img, err, errlen);
    free(buf);
    return rc;
}

void bd_image_free(bd_image *img)
{
    if (img) {
        bd_stbi_image_free(img->data);
        memset(img, 0, sizeof *img);
    }
}

/* ------------------------------------------------------------------- writing -------- */


static bd_image_format format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return BD_FORMAT_UNKNOWN;
    if (!strcasecmp(dot, ".png")) return BD_FORMAT_PNG;
    if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg")) return BD_FORMAT_JPEG;
    if (!strcasecmp(dot, ".bmp")) return BD_FORMAT_BMP;
    if (!strcasecmp(dot, ".tga")) return BD_FORMAT_TGA;
    return BD_FORMAT_UNKNOWN;
}

int bd_image_save_supported(const char *path)
{
    return format_of(path) != BD_FORMAT_UNKNOWN;
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

/* The temporary file beside path: "<dir>/.<name>.tmp.XXXXXX", the name shortened so the
 * whole stays within NAME_MAX (255) even when path's own name is 255 bytes long. */
#define TMP_SUFFIX ".tmp.XXXXXX"
static char *temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    size_t base = strlen(path + dir);
    const size_t room = 255 - 1 - (sizeof TMP_SUFFIX - 1);
    if (base > room) base = room;
    char *t = malloc(dir + 1 + base + sizeof TMP_SUFFIX);
    if (!t) return NULL;
    memcpy(t, path, dir);
    t[dir] = '.';
    memcpy(t + dir + 1, path + dir, base);
    memcpy(t + dir + 1 + base, TMP_SUFFIX, sizeof TMP_SUFFIX);
    return t;
}

/* While a temporary file exists, a fatal signal (SIGTERM, SIGINT, SIGHUP, SIGQUIT,
 * SIGPIPE) removes it before the process dies of that signal. SIGXFSZ (a ulimit -f
 * reached) is ignored meanwhile, so the write fails with EFBIG and the error path removes
 * the file and says "File too large". One write at a time per process (the CLI writes its
 * outputs one after the other). */
static const int fatal_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGXFSZ, SIGPIPE};
#define NFATAL (sizeof fatal_signals / sizeof fatal_signals[0])
static char *volatile current_temp;
static struct sigaction saved_actions[NFATAL];

static void remove_temp_and_die(int sig)
{
    char *t = current_temp;
    if (t) unlink(t);                       /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void guard_temp(char *tmp)
{
    current_temp = tmp;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NFATAL; i++) {
        sigaction(fatal_signals[i], NULL, &saved_actions[i]);
        if (saved_actions[i].sa_handler == SIG_IGN)   /* ignored: the write just fails */
            continue;
        sa.sa_handler = fatal_signals[i] == SIGXFSZ ? SIG_IGN : remove_temp_and_die;
        sigaction(fatal_signals[i], &sa, NULL);
    }
}

static void unguard_temp(char *tmp)
{
    for (size_t i = 0; i < NFATAL; i++)
        sigaction(fatal_signals[i], &saved_actions[i], NULL);
    current_temp = NULL;
    free(tmp);
}

int bd_image_save(const char *path, const uint8_t *data, int w, int h, int channels,
               char *err, size_t errlen)
{
    return bd_image_save_quality(path, data, w, h, channels, 95, err, errlen);
}

int bd_image_save_quality(const char *path, const uint8_t *data, int w, int h, int channels,
                       int quality, char *err, size_t errlen)
{
    bd_image_format fmt = format_of(path);
    if (fmt == BD_FORMAT_UNKNOWN) {
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
    char *tmp = temp_name(path);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create (%s)", path, strerror(errno));
        free(tmp);
        return -1;
    }
    guard_temp(tmp);
    /* mkstemp makes 0600: give the file the mode of the one it replaces, else the usual
     * 0666 less the umask */
    struct stat old;
    mode_t mode;
    if (stat(path, &old) == 0 && S_ISREG(old.st_mode)) {
        mode = old.st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    (void)fchmod(fd, mode);
    sink s = {fdopen(fd, "wb"), 0};
    if (!s.f) {
        snprintf(err, errlen, "%s: cannot create (%s)", path, strerror(errno));
        close(fd);
        unlink(tmp);
        unguard_temp(tmp);
        return -1;
    }
    int ok = bd_stbi_write(fmt, sink_write, &s, w, h, channels, data, quality);
    int saved_errno = errno;
    if (fflush(s.f) != 0 || ferror(s.f))
        s.failed = 1, saved_errno = errno;
    if (fclose(s.f) != 0)
        s.failed = 1, saved_errno = errno;
    if (!ok || s.failed) {
        snprintf(err, errlen, "%s: write failed (%s)", path,
                 s.failed ? strerror(saved_errno) : "encoder error");
        unlink(tmp);
        unguard_temp(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot replace (%s)", path, strerror(errno));
        unlink(tmp);
        unguard_temp(tmp);
        return -1;
    }
    unguard_temp(tmp);
    return 0;
}
