/* y4m.c — YUV4MPEG2 reader and writer (format and rules in y4m.h).
 *
 * The header is parsed token by token; every number is checked (digits only, in range)
 * and the frame size is refused before any buffer exists, so a 40-byte file claiming a
 * 100000x100000 stream costs nothing. Frames are read with one fread of the planes after
 * their "FRAME" line; a short read is a truncated frame, reported with its number.
 */
#include "io/y4m.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096   /* header and FRAME lines longer than this are refused */

static const char *const chroma_names[] = {
    [BD_Y4M_420JPEG] = "420jpeg", [BD_Y4M_420MPEG2] = "420mpeg2",
    [BD_Y4M_420PALDV] = "420paldv", [BD_Y4M_420] = "420",
    [BD_Y4M_422] = "422",         [BD_Y4M_444] = "444",
    [BD_Y4M_MONO] = "mono",
};

const char *bd_y4m_chroma_name(bd_y4m_chroma c)
{
    return (unsigned)c <= BD_Y4M_MONO ? chroma_names[c] : "?";
}

void bd_y4m_chroma_size(const bd_y4m_info *info, int *cw, int *ch)
{
    switch (info->chroma) {
    case BD_Y4M_444: *cw = info->w; *ch = info->h; break;
    case BD_Y4M_422: *cw = (info->w + 1) / 2; *ch = info->h; break;
    case BD_Y4M_MONO: *cw = 0; *ch = 0; break;
    default: *cw = (info->w + 1) / 2; *ch = (info->h + 1) / 2; break;
    }
}

size_t bd_y4m_frame_bytes(const bd_y4m_info *info)
{
    int cw, ch;
    bd_y4m_chroma_size(info, &cw, &ch);
    return (size_t)info->w * info->h + 2 * (size_t)cw * ch;
}

/* ------------------------------------------------------------------ header ---------- */

/* A decimal in 0..max made only of digits, ending at *end (advanced). */
static int parse_uint(const char **s, long long max, long long *v)
{
    const char *p = *s;
    long long x = 0;
    if (*p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9') {
        x = x * 10 + (*p++ - '0');
        if (x > max) return -1;
    }
    *s = p;
    *v = x;
    return 0;
}

/* "N:D" up to the token's end. */
static int parse_ratio(const char *tok, const char *end, int *num, int *den)
{
    long long n, d;
    const char *p = tok;
    if (parse_uint(&p, 2147483647LL, &n) || *p != ':') return -1;
    p++;
    if (parse_uint(&p, 2147483647LL, &d) || p != end) return -1;
    *num = (int)n;
    *den = (int)d;
    return 0;
}

static int tok_is(const char *tok, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - tok) == n && !memcmp(tok, word, n);
}

int bd_y4m_parse_header(const char *line, const char *name, bd_y4m_info *info, char *err,
                        size_t errlen)
{
    memset(info, 0, sizeof *info);
    info->fps_num = 25;
    info->fps_den = 1;
    info->chroma = BD_Y4M_420JPEG;
    if (strncmp(line, "YUV4MPEG2", 9) || (line[9] != ' ' && line[9] != '\0')) {
        snprintf(err, errlen, "%s: not a YUV4MPEG2 stream (no 'YUV4MPEG2' at the start)", name);
        return -1;
    }
    long long w = -1, h = -1;
    const char *p = line + 9;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *tok = p, *end = p;
        while (*end && *end != ' ') end++;
        const char *v = tok + 1;
        const int len = (int)(end - tok);
        switch (*tok) {
        case 'W':
        case 'H': {
            long long x;
            if (parse_uint(&v, 1LL << 40, &x) || v != end || x < 1 || x > BD_Y4M_MAX_DIM) {
                snprintf(err, errlen, "%s: header: frame %s '%.*s' is not 1..%d",
                         name, *tok == 'W' ? "width" : "height", len > 40 ? 40 : len, tok,
                         BD_Y4M_MAX_DIM);
                return -1;
            }
            *tok == 'W' ? (w = x) : (h = x);
            break;
        }
        case 'F':
            if (parse_ratio(v, end, &info->fps_num, &info->fps_den) || info->fps_num < 1 ||
                info->fps_den < 1) {
                snprintf(err, errlen, "%s: header: bad frame rate '%.*s' (want F<num>:<den>, "
                         "both > 0)", name, len > 40 ? 40 : len, tok);
                return -1;
            }
            break;
        case 'A':
            if (parse_ratio(v, end, &info->sar_num, &info->sar_den) ||
                (!info->sar_num) != (!info->sar_den)) {
                snprintf(err, errlen, "%s: header: bad pixel aspect '%.*s'", name,
                         len > 40 ? 40 : len, tok);
                return -1;
            }
            break;
        case 'I':
            if (!tok_is(v, end, "p") && !tok_is(v, end, "?")) {
                snprintf(err, errlen, "%s: header: interlaced video (%.*s) is not supported: "
                         "deinterlace it first (ffmpeg -vf yadif)", name,
                         len > 10 ? 10 : len, tok);
                return -1;
            }
            break;
        case 'C': {
            int found = -1;
            for (int c = 0; c <= BD_Y4M_MONO; c++)
                if (tok_is(v, end, chroma_names[c])) found = c;
            if (found < 0) {
                const int deep = strstr(tok, "p9") || strstr(tok, "p1") ||
                                 (len > 5 && !strncmp(v, "mono", 4));
                if (deep && end - tok < 40)
                    snprintf(err, errlen, "%s: header: %.*s has more than 8 bits per sample; "
                             "only 8-bit streams are supported (ffmpeg -pix_fmt yuv420p)",
                             name, len, tok);
                else
                    snprintf(err, errlen, "%s: header: colour space '%.*s' is not supported "
                             "(420jpeg, 420mpeg2, 420paldv, 420, 422, 444 or mono)", name,
                             len > 40 ? 40 : len, tok);
                return -1;
            }
            info->chroma = (bd_y4m_chroma)found;
            break;
        }
        case 'X':
            if (tok_is(tok, end, "XCOLORRANGE=FULL")) info->range = BD_Y4M_RANGE_FULL;
            else if (tok_is(tok, end, "XCOLORRANGE=LIMITED")) info->range = BD_Y4M_RANGE_LIMITED;
            break;
        default:
            snprintf(err, errlen, "%s: header: unknown field '%.*s'", name,
                     len > 40 ? 40 : len, tok);
            return -1;
        }
        p = end;
    }
    if (w < 0 || h < 0) {
        snprintf(err, errlen, "%s: header: no frame %s (W and H are required)", name,
                 w < 0 && h < 0 ? "size" : w < 0 ? "width" : "height");
        return -1;
    }
    if (w * h > BD_Y4M_MAX_PIXELS) {
        snprintf(err, errlen, "%s: header: frame size %lldx%lld is over the limit of %lld "
                 "pixels", name, w, h, (long long)BD_Y4M_MAX_PIXELS);
        return -1;
    }
    info->w = (int)w;
    info->h = (int)h;
    return 0;
}

int bd_y4m_format_header(const bd_y4m_info *info, char *buf, size_t len)
{
    const char *range = info->range == BD_Y4M_RANGE_FULL      ? " XCOLORRANGE=FULL"
                        : info->range == BD_Y4M_RANGE_LIMITED ? " XCOLORRANGE=LIMITED"
                                                              : "";
    int n = snprintf(buf, len, "YUV4MPEG2 W%d H%d F%d:%d Ip A%d:%d C%s%s\n", info->w, info->h,
                     info->fps_num, info->fps_den, info->sar_num, info->sar_den,
                     bd_y4m_chroma_name(info->chroma), range);
    return n < 0 || (size_t)n >= len ? -1 : n;
}

/* ------------------------------------------------------------------ reader ---------- */

struct bd_y4m_reader {
    FILE *f;
    int is_stdin;
    char *name;
    bd_y4m_info info;
    size_t frame_bytes;
    long frames;
    long first_frame;            /* file offset of the first FRAME, -1 if not seekable */
};

/* Reads up to '\n' into buf (without it). Returns the length, -1 at EOF before any byte,
 * -2 for a line longer than the buffer, -3 for EOF inside the line (*got = bytes read). */
static int read_line(FILE *f, char *buf, int cap, int *got)
{
    int n = 0, c;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (n >= cap - 1) return -2;
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    *got = n;
    if (c == EOF) return n == 0 ? -1 : -3;
    return n;
}

bd_y4m_reader *bd_y4m_open(const char *path, bd_y4m_info *info, char *err, size_t errlen)
{
    bd_y4m_reader *r = calloc(1, sizeof *r);
    char *line = malloc(LINE_MAX_BYTES);
    if (!r || !line) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    r->is_stdin = !strcmp(path, "-");
    r->name = strdup(r->is_stdin ? "standard input" : path);
    if (!r->name) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    if (!r->is_stdin) {            /* what it is, before reading (or blocking on) it */
        struct stat st;
        if (stat(path, &st) != 0) {
            snprintf(err, errlen, "%s: cannot open (%s)", path, strerror(errno));
            goto fail;
        }
        if (S_ISDIR(st.st_mode) || (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))) {
            snprintf(err, errlen, "%s: %s", path, S_ISDIR(st.st_mode)
                     ? "is a directory, not a YUV4MPEG2 stream" : "not a regular file or a pipe");
            goto fail;
        }
    }
    r->f = r->is_stdin ? stdin : fopen(path, "rb");
    if (!r->f) {
        snprintf(err, errlen, "%s: cannot open (%s)", path, strerror(errno));
        goto fail;
    }
    int got, n = read_line(r->f, line, LINE_MAX_BYTES, &got);
    if (n == -1) {
        snprintf(err, errlen, "%s: empty stream (no YUV4MPEG2 header)", r->name);
        goto fail;
    }
    if (n == -2 || (n == -3 && !strncmp(line, "YUV4MPEG2", 9))) {
        snprintf(err, errlen, "%s: header: %s", r->name,
                 n == -2 ? "longer than 4096 bytes" : "cut short (no end of line)");
        goto fail;
    }
    if (bd_y4m_parse_header(line, r->name, &r->info, err, errlen)) goto fail;
    r->frame_bytes = bd_y4m_frame_bytes(&r->info);
    r->first_frame = ftell(r->f);
    *info = r->info;
    free(line);
    return r;
fail:
    free(line);
    bd_y4m_close(r);
    return NULL;
}

int bd_y4m_read_frame(bd_y4m_reader *r, uint8_t *buf, char *err, size_t errlen)
{
    char line[LINE_MAX_BYTES];
    const long frame = r->frames + 1;
    int got, n = read_line(r->f, line, sizeof line, &got);
    if (n == -1) {
        if (ferror(r->f)) {
            snprintf(err, errlen, "%s: frame %ld: read error: %s", r->name, frame,
                     strerror(errno));
            return -1;
        }
        if (r->frames == 0) {
            snprintf(err, errlen, "%s: frame 1: the stream has a header but no frames", r->name);
            return -1;
        }
        return 0;
    }
    if (n == -3 || n == -2 || strncmp(line, "FRAME", 5) || (line[5] && line[5] != ' ')) {
        if (n == -3 && !strncmp(line, "FRAME", (size_t)got < 5 ? (size_t)got : 5))
            snprintf(err, errlen, "%s: frame %ld: truncated (the stream ends inside the "
                     "FRAME line)", r->name, frame);
        else
            snprintf(err, errlen, "%s: frame %ld: no 'FRAME' marker where the frame should "
                     "start (wrong size in the header, or not a YUV4MPEG2 stream)", r->name,
                     frame);
        return -1;
    }
    size_t have = fread(buf, 1, r->frame_bytes, r->f);
    if (have != r->frame_bytes) {
        snprintf(err, errlen, "%s: frame %ld: truncated (%zu of %zu bytes)", r->name, frame,
                 have, r->frame_bytes);
        return -1;
    }
    r->frames++;
    return 1;
}

long bd_y4m_frames_read(const bd_y4m_reader *r) { return r->frames; }

int bd_y4m_rewind(bd_y4m_reader *r, char *err, size_t errlen)
{
    if (r->first_frame < 0 || fseek(r->f, r->first_frame, SEEK_SET)) {
        snprintf(err, errlen, "%s: cannot go back to its first frame (a pipe?): give a file",
                 r->name);
        return -1;
    }
    r->frames = 0;
    return 0;
}

void bd_y4m_close(bd_y4m_reader *r)
{
    if (!r) return;
    if (r->f && !r->is_stdin) fclose(r->f);
    free(r->name);
    free(r);
}

/* ------------------------------------------------------------------ writer ---------- */

struct bd_y4m_writer {
    FILE *f;
    int is_stdout;
    char *path, *tmp;
    int slot;                    /* in the signal handler's list, or -1 */
    size_t frame_bytes;
};

/* Temporary files to remove on a fatal signal. Written before the handlers can see them,
 * read only by the handler (unlink is async-signal-safe). */
#define MAX_PENDING 8
static char *volatile pending[MAX_PENDING];

static void on_fatal_signal(int sig)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (pending[i]) unlink(pending[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_handlers(void)
{
    static int done;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    if (done) return;
    done = 1;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(sigs[i], NULL, &old) || old.sa_handler != SIG_DFL) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

static void unregister(bd_y4m_writer *w)
{
    if (w->slot >= 0) pending[w->slot] = NULL;
    w->slot = -1;
}

static void writer_free(bd_y4m_writer *w)
{
    free(w->path);
    free(w->tmp);
    free(w);
}

bd_y4m_writer *bd_y4m_create(const char *path, const bd_y4m_info *info, char *err,
                             size_t errlen)
{
    char head[256];
    bd_y4m_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        snprintf(err, errlen, "%s: out of memory", path);
        if (w) writer_free(w);
        return NULL;
    }
    w->slot = -1;
    w->frame_bytes = bd_y4m_frame_bytes(info);
    int hl = bd_y4m_format_header(info, head, sizeof head);
    w->is_stdout = !strcmp(path, "-");
    if (w->is_stdout) {
        w->f = stdout;
    } else {
        size_t pl = strlen(path);
        if (!(w->tmp = malloc(pl + 12))) {
            snprintf(err, errlen, "%s: out of memory", path);
            writer_free(w);
            return NULL;
        }
        memcpy(w->tmp, path, pl);
        memcpy(w->tmp + pl, ".tmp.XXXXXX", 12);   /* same directory: rename is atomic */
        install_handlers();
        int fd = mkstemp(w->tmp);
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
            writer_free(w);
            return NULL;
        }
        for (int i = 0; i < MAX_PENDING; i++)
            if (!pending[i]) {
                pending[i] = w->tmp;
                w->slot = i;
                break;
            }
        if (!(w->f = fdopen(fd, "wb"))) {
            close(fd);
            snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
            bd_y4m_writer_abort(w);
            return NULL;
        }
    }
    if (hl < 0 || fwrite(head, 1, (size_t)hl, w->f) != (size_t)hl || fflush(w->f)) {
        snprintf(err, errlen, "%s: write error: %s", w->is_stdout ? "standard output" : path,
                 strerror(errno));
        bd_y4m_writer_abort(w);
        return NULL;
    }
    return w;
}

int bd_y4m_write_frame(bd_y4m_writer *w, const uint8_t *planes, char *err, size_t errlen)
{
    if (fwrite("FRAME\n", 1, 6, w->f) != 6 ||
        fwrite(planes, 1, w->frame_bytes, w->f) != w->frame_bytes || fflush(w->f)) {
        snprintf(err, errlen, "%s: write error: %s",
                 w->is_stdout ? "standard output" : w->path, strerror(errno));
        return -1;
    }
    return 0;
}

int bd_y4m_writer_finish(bd_y4m_writer *w, char *err, size_t errlen)
{
    if (w->is_stdout) {
        int rc = fflush(w->f) ? -1 : 0;
        if (rc) snprintf(err, errlen, "standard output: write error: %s", strerror(errno));
        writer_free(w);
        return rc;
    }
    int bad = fflush(w->f) != 0 || fsync(fileno(w->f)) != 0;
    bad |= fclose(w->f) != 0;
    w->f = NULL;
    if (bad || rename(w->tmp, w->path)) {
        snprintf(err, errlen, "%s: write error: %s", w->path, strerror(errno));
        unlink(w->tmp);
        unregister(w);
        writer_free(w);
        return -1;
    }
    unregister(w);
    writer_free(w);
    return 0;
}

void bd_y4m_writer_abort(bd_y4m_writer *w)
{
    if (!w) return;
    if (!w->is_stdout) {
        if (w->f) fclose(w->f);
        if (w->tmp) unlink(w->tmp);
    } else {
        fflush(w->f);
    }
    unregister(w);
    writer_free(w);
}
