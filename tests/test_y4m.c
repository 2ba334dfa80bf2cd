/* test_y4m.c — the YUV4MPEG2 reader/writer (src/io/y4m.c) and the Y'CbCr <-> RGB conversion
 * (src/io/yuv.c): header parsing and its errors, write -> read round trips of every chroma
 * layout, the bad-stream errors (exact lines), BT.601 reference values, and round trips
 * against Debian's ffmpeg (its y4m read by us, ours read by it), skipped with a note when
 * ffmpeg or the shared photos are missing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "io/y4m.h"
#include "io/yuv.h"

static char tmpdir[256];

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    if (n && fwrite(data, 1, n, f) != n) { perror(path); exit(1); }
    fclose(f);
}

/* ------------------------------------------------------------------ header ----------- */

static void expect_header_error(const char *line, const char *want)
{
    bd_y4m_info info;
    char err[256] = "";
    int rc = bd_y4m_parse_header(line, "in.y4m", &info, err, sizeof err);
    CHECK(rc == -1 && !strcmp(err, want), "header '%s': rc %d, got '%s', want '%s'", line, rc,
          err, want);
}

static void test_header(void)
{
    bd_y4m_info i;
    char err[256];
    CHECK(!bd_y4m_parse_header("YUV4MPEG2 W64 H48 F30000:1001 Ip A1:1 C420jpeg "
                               "XYSCSS=420JPEG XCOLORRANGE=LIMITED", "x", &i, err, sizeof err),
          "ffmpeg header: %s", err);
    CHECK(i.w == 64 && i.h == 48 && i.fps_num == 30000 && i.fps_den == 1001 && i.sar_num == 1 &&
          i.sar_den == 1 && i.chroma == BD_Y4M_420JPEG && i.range == BD_Y4M_RANGE_LIMITED,
          "ffmpeg header fields");
    CHECK(!bd_y4m_parse_header("YUV4MPEG2 W3 H5", "x", &i, err, sizeof err), "minimal: %s", err);
    CHECK(i.fps_num == 25 && i.fps_den == 1 && i.chroma == BD_Y4M_420JPEG && !i.sar_num &&
          i.range == BD_Y4M_RANGE_UNSET, "defaults");
    CHECK(bd_y4m_frame_bytes(&i) == 15 + 2 * 2 * 3, "odd 4:2:0 frame bytes");
    static const char *cs[] = {"420jpeg", "420mpeg2", "420paldv", "420", "422", "444", "mono"};
    for (int c = 0; c < 7; c++) {
        char line[128];
        snprintf(line, sizeof line, "YUV4MPEG2 W7 H3 C%s XCOLORRANGE=FULL", cs[c]);
        CHECK(!bd_y4m_parse_header(line, "x", &i, err, sizeof err) && (int)i.chroma == c &&
              i.range == BD_Y4M_RANGE_FULL, "C%s", cs[c]);
        char back[128];
        int n = bd_y4m_format_header(&i, back, sizeof back);
        bd_y4m_info j;
        back[n - 1] = 0;
        CHECK(n > 0 && !bd_y4m_parse_header(back, "x", &j, err, sizeof err) &&
              !memcmp(&i, &j, sizeof i), "format/parse round trip of C%s: %s", cs[c], back);
    }
    const size_t fb[] = {7 * 3 + 2 * 4 * 2, 7 * 3 + 2 * 4 * 2, 7 * 3 + 2 * 4 * 2,
                         7 * 3 + 2 * 4 * 2, 7 * 3 + 2 * 4 * 3, 7 * 3 * 3, 7 * 3};
    for (int c = 0; c < 7; c++) {
        i.w = 7; i.h = 3; i.chroma = (bd_y4m_chroma)c;
        CHECK(bd_y4m_frame_bytes(&i) == fb[c], "frame bytes C%s", cs[c]);
    }
    expect_header_error("YUV4MPEG W64 H48", "in.y4m: not a YUV4MPEG2 stream (no 'YUV4MPEG2' "
                        "at the start)");
    expect_header_error("\x89PNG", "in.y4m: not a YUV4MPEG2 stream (no 'YUV4MPEG2' at the start)");
    expect_header_error("YUV4MPEG2 F25:1 C420", "in.y4m: header: no frame size (W and H are "
                        "required)");
    expect_header_error("YUV4MPEG2 W64 F25:1", "in.y4m: header: no frame height (W and H are "
                        "required)");
    expect_header_error("YUV4MPEG2 W0 H48", "in.y4m: header: frame width 'W0' is not 1..16384");
    expect_header_error("YUV4MPEG2 W64 H99999999999999999999",
                        "in.y4m: header: frame height 'H99999999999999999999' is not 1..16384");
    expect_header_error("YUV4MPEG2 W-4 H48", "in.y4m: header: frame width 'W-4' is not 1..16384");
    expect_header_error("YUV4MPEG2 W16384 H16384", "in.y4m: header: frame size 16384x16384 is "
                        "over the limit of 67108864 pixels");
    expect_header_error("YUV4MPEG2 W64 H48 It", "in.y4m: header: interlaced video (It) is not "
                        "supported: deinterlace it first (ffmpeg -vf yadif)");
    expect_header_error("YUV4MPEG2 W64 H48 C420p10", "in.y4m: header: C420p10 has more than 8 "
                        "bits per sample; only 8-bit streams are supported (ffmpeg -pix_fmt "
                        "yuv420p)");
    expect_header_error("YUV4MPEG2 W64 H48 Cmono16", "in.y4m: header: Cmono16 has more than 8 "
                        "bits per sample; only 8-bit streams are supported (ffmpeg -pix_fmt "
                        "yuv420p)");
    expect_header_error("YUV4MPEG2 W64 H48 C411", "in.y4m: header: colour space 'C411' is not "
                        "supported (420jpeg, 420mpeg2, 420paldv, 420, 422, 444 or mono)");
    expect_header_error("YUV4MPEG2 W64 H48 F25:0", "in.y4m: header: bad frame rate 'F25:0' "
                        "(want F<num>:<den>, both > 0)");
    expect_header_error("YUV4MPEG2 W64 H48 Q1", "in.y4m: header: unknown field 'Q1'");
}

/* ------------------------------------------------------------------ streams ---------- */

static uint8_t pattern(int frame, size_t i) { return (uint8_t)(frame * 31 + i * 7 + (i >> 5)); }

static void test_round_trip(bd_y4m_chroma c)
{
    char path[300], err[256];
    snprintf(path, sizeof path, "%s/rt.y4m", tmpdir);
    bd_y4m_info info = {.w = 13, .h = 7, .fps_num = 30000, .fps_den = 1001, .sar_num = 4,
                        .sar_den = 3, .chroma = c, .range = BD_Y4M_RANGE_LIMITED};
    const size_t n = bd_y4m_frame_bytes(&info);
    uint8_t *buf = malloc(n);
    unlink(path);
    bd_y4m_writer *w = bd_y4m_create(path, &info, err, sizeof err);
    CHECK(w != NULL, "create: %s", err);
    if (!w) { free(buf); return; }
    CHECK(access(path, F_OK) != 0, "nothing at the final name before finish");
    for (int f = 0; f < 3; f++) {
        for (size_t i = 0; i < n; i++) buf[i] = pattern(f, i);
        CHECK(!bd_y4m_write_frame(w, buf, err, sizeof err), "write: %s", err);
    }
    CHECK(!bd_y4m_writer_finish(w, err, sizeof err), "finish: %s", err);
    bd_y4m_info got;
    bd_y4m_reader *r = bd_y4m_open(path, &got, err, sizeof err);
    CHECK(r && !memcmp(&got, &info, sizeof info), "reopen C%s: %s", bd_y4m_chroma_name(c), err);
    if (!r) { free(buf); return; }
    int frames = 0, rc, same = 1;
    while ((rc = bd_y4m_read_frame(r, buf, err, sizeof err)) == 1) {
        for (size_t i = 0; i < n; i++) same &= buf[i] == pattern(frames, i);
        frames++;
    }
    CHECK(rc == 0 && frames == 3 && same, "read back C%s: rc %d, %d frames, same %d: %s",
          bd_y4m_chroma_name(c), rc, frames, same, err);
    CHECK(!bd_y4m_rewind(r, err, sizeof err) && bd_y4m_read_frame(r, buf, err, sizeof err) == 1 &&
          buf[5] == pattern(0, 5), "rewind to the first frame");
    bd_y4m_close(r);
    free(buf);
}

/* Opens data as a stream and reads it to the end; returns the final error (or "" when the
 * stream was good) and the number of good frames. */
static const char *read_all(const void *data, size_t len, int *frames)
{
    static char err[256];
    char path[300];
    snprintf(path, sizeof path, "%s/bad.y4m", tmpdir);
    write_file(path, data, len);
    err[0] = 0;
    *frames = 0;
    bd_y4m_info info;
    bd_y4m_reader *r = bd_y4m_open(path, &info, err, sizeof err);
    if (!r) return strstr(err, "bad.y4m: ") ? strstr(err, "bad.y4m: ") + 9 : err;
    uint8_t *buf = malloc(bd_y4m_frame_bytes(&info));
    int rc;
    while ((rc = bd_y4m_read_frame(r, buf, err, sizeof err)) == 1) (*frames)++;
    if (rc == 0) err[0] = 0;
    free(buf);
    bd_y4m_close(r);
    return strstr(err, "bad.y4m: ") ? strstr(err, "bad.y4m: ") + 9 : err;
}

static void test_bad_streams(void)
{
    char s[512];
    int frames;
    const char *e = read_all("", 0, &frames);
    CHECK(!strcmp(e, "empty stream (no YUV4MPEG2 header)"), "zero-length: '%s'", e);
    e = read_all("YUV4MPEG2 W4 H2 C444\n", 21, &frames);
    CHECK(!strcmp(e, "frame 1: the stream has a header but no frames"), "header only: '%s'", e);
    e = read_all("YUV4MPEG2 W4 H2 C444", 20, &frames);
    CHECK(!strcmp(e, "header: cut short (no end of line)"), "header without newline: '%s'", e);
    /* two good 4x2 4:4:4 frames (24 bytes each), then a third cut after 10 bytes */
    int n = snprintf(s, sizeof s, "YUV4MPEG2 W4 H2 C444\n");
    for (int f = 0; f < 2; f++) {
        n += snprintf(s + n, sizeof s - n, "FRAME\n");
        memset(s + n, 100 + f, 24);
        n += 24;
    }
    const int good = n;
    n += snprintf(s + n, sizeof s - n, "FRAME Ixyz\n");
    memset(s + n, 7, 10);
    e = read_all(s, (size_t)n + 10, &frames);
    CHECK(!strcmp(e, "frame 3: truncated (10 of 24 bytes)") && frames == 2,
          "truncated last frame: '%s', %d frames", e, frames);
    e = read_all(s, (size_t)good + 3, &frames);
    CHECK(!strcmp(e, "frame 3: truncated (the stream ends inside the FRAME line)") && frames == 2,
          "truncated FRAME line: '%s'", e);
    e = read_all(s, (size_t)good, &frames);
    CHECK(!e[0] && frames == 2, "the good part alone: '%s', %d frames", e, frames);
    memcpy(s + good, "FRAMX\n", 6);
    e = read_all(s, (size_t)good + 30, &frames);
    CHECK(!strcmp(e, "frame 3: no 'FRAME' marker where the frame should start (wrong size in "
                     "the header, or not a YUV4MPEG2 stream)"), "bad marker: '%s'", e);
    char big[5000];
    memcpy(big, "YUV4MPEG2 ", 10);
    memset(big + 10, 'X', sizeof big - 10);
    e = read_all(big, sizeof big, &frames);
    CHECK(!strcmp(e, "header: longer than 4096 bytes"), "endless header: '%s'", e);

    char err[256];
    bd_y4m_info info;
    CHECK(!bd_y4m_open("/nonexistent/x.y4m", &info, err, sizeof err) &&
          !strcmp(err, "/nonexistent/x.y4m: cannot open (No such file or directory)"),
          "missing file: %s", err);
    CHECK(!bd_y4m_open("/dev/zero", &info, err, sizeof err) &&
          !strcmp(err, "/dev/zero: not a regular file or a pipe"), "a device: %s", err);
    CHECK(!bd_y4m_open("/tmp", &info, err, sizeof err) &&
          !strcmp(err, "/tmp: is a directory, not a YUV4MPEG2 stream"), "a directory: %s", err);
    bd_y4m_info wi = {.w = 4, .h = 2, .fps_num = 1, .fps_den = 1, .chroma = BD_Y4M_MONO};
    CHECK(!bd_y4m_create("/nonexistent/out.y4m", &wi, err, sizeof err) &&
          !strcmp(err, "/nonexistent/out.y4m: cannot create: No such file or directory"),
          "uncreatable output: %s", err);
    /* an aborted writer leaves nothing */
    char path[300];
    snprintf(path, sizeof path, "%s/aborted.y4m", tmpdir);
    bd_y4m_writer *w = bd_y4m_create(path, &wi, err, sizeof err);
    uint8_t px[8] = {0};
    CHECK(w && !bd_y4m_write_frame(w, px, err, sizeof err), "write before abort");
    bd_y4m_writer_abort(w);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "ls -A %s | grep -q aborted", tmpdir);
    CHECK(system(cmd) != 0, "abort leaves no file behind");
}

/* ------------------------------------------------------------------ colour ----------- */

static void test_colour(void)
{
    /* BT.601 limited range reference codes of the primaries (rounded) */
    static const uint8_t rgb[6][3] = {{255, 255, 255}, {0, 0, 0}, {255, 0, 0},
                                      {0, 255, 0},     {0, 0, 255}, {128, 128, 128}};
    static const uint8_t ycc[6][3] = {{235, 128, 128}, {16, 128, 128}, {81, 90, 240},
                                      {145, 54, 34},   {41, 240, 110}, {126, 128, 128}};
    for (int k = 0; k < 6; k++) {
        bd_y4m_info info = {.w = 2, .h = 2, .chroma = BD_Y4M_420JPEG};
        uint8_t in[12], planes[6], out[12];
        for (int i = 0; i < 4; i++) memcpy(in + 3 * i, rgb[k], 3);
        bd_rgb_to_yuv(&info, in, planes);
        CHECK(planes[0] == ycc[k][0] && planes[4] == ycc[k][1] && planes[5] == ycc[k][2],
              "RGB %d,%d,%d -> Y'CbCr %d,%d,%d, want %d,%d,%d", rgb[k][0], rgb[k][1], rgb[k][2],
              planes[0], planes[4], planes[5], ycc[k][0], ycc[k][1], ycc[k][2]);
        CHECK(!bd_yuv_to_rgb(&info, planes, out), "decode");
        int d = 0;
        for (int i = 0; i < 12; i++) d = fmax(d, abs(out[i] - in[i]));
        CHECK(d <= 2, "primary %d back to RGB within 2 (got %d)", k, d);
    }
    /* full range: Y' = E exactly, white 255, black 0 */
    bd_y4m_info fi = {.w = 1, .h = 1, .chroma = BD_Y4M_444, .range = BD_Y4M_RANGE_FULL};
    uint8_t p3[3], o3[3], white[3] = {255, 255, 255}, red[3] = {255, 0, 0};
    bd_rgb_to_yuv(&fi, white, p3);
    CHECK(p3[0] == 255 && p3[1] == 128 && p3[2] == 128, "full-range white %d %d %d", p3[0], p3[1],
          p3[2]);
    bd_rgb_to_yuv(&fi, red, p3);
    CHECK(p3[0] == 76 && p3[1] == 85 && p3[2] == 255, "full-range red %d %d %d", p3[0], p3[1],
          p3[2]);
    bd_yuv_to_rgb(&fi, p3, o3);
    CHECK(o3[0] >= 253 && o3[1] <= 2 && o3[2] <= 2, "full-range red back %d %d %d", o3[0], o3[1],
          o3[2]);
    /* every layout: a smooth image survives encode -> decode closely; 4:4:4 within 1-2 */
    const int W = 33, H = 19;
    uint8_t *img = malloc(W * H * 3), *back = malloc(W * H * 3), *pl = malloc(W * H * 3);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = img + (y * W + x) * 3;
            p[0] = (uint8_t)(40 + 5 * x);
            p[1] = (uint8_t)(200 - 6 * y);
            p[2] = (uint8_t)(60 + 3 * x + 4 * y);
        }
    for (int c = 0; c <= BD_Y4M_444; c++) {
        bd_y4m_info info = {.w = W, .h = H, .chroma = (bd_y4m_chroma)c};
        bd_rgb_to_yuv(&info, img, pl);
        bd_yuv_to_rgb(&info, pl, back);
        int maxd = 0;
        for (int i = 0; i < W * H * 3; i++) maxd = fmax(maxd, abs(back[i] - img[i]));
        const int lim = c == BD_Y4M_444 ? 2 : 6;   /* 4:2:0/4:2:2: clamped edges */
        CHECK(maxd <= lim, "C%s smooth round trip max error %d > %d", bd_y4m_chroma_name(c),
              maxd, lim);
    }
    free(img);
    free(back);
    free(pl);
}

/* ------------------------------------------------------------------ ffmpeg ----------- */

/* Runs cmd and reads exactly n bytes of its stdout into buf; 0 if it gave them. */
static int run_read(const char *cmd, uint8_t *buf, size_t n)
{
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t got = fread(buf, 1, n, p);
    int extra = fgetc(p) != EOF;
    int st = pclose(p);
    return got == n && !extra && st == 0 ? 0 : -1;
}

static void diff_stats(const uint8_t *a, const uint8_t *b, size_t n, double *mean, int *p99)
{
    long hist[256] = {0};
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs(a[i] - b[i]);
        hist[d]++;
        s += d;
    }
    *mean = s / n;
    long acc = 0;
    for (*p99 = 0; *p99 < 255; (*p99)++)
        if ((acc += hist[*p99]) >= 0.99 * n) break;
}

static void test_ffmpeg(const char *shared)
{
    if (system("ffmpeg -version >/dev/null 2>&1") != 0) {
        SKIP("test_y4m ffmpeg round trips: ffmpeg not installed");
        return;
    }
    char photo[512], cmd[2048], y4m[300], err[256];
    snprintf(photo, sizeof photo, "%s/images/person_grace_hopper.jpg", shared);
    if (access(photo, R_OK)) {
        SKIP("test_y4m ffmpeg round trips: %s missing", photo);
        return;
    }
    const int W = 160, H = 202;      /* odd chroma sizes on purpose: 202 / 2 = 101 */
    const size_t n = (size_t)W * H * 3;
    uint8_t *orig = malloc(n), *ours = malloc(n), *theirs = malloc(n), *pl = malloc(n);
    snprintf(cmd, sizeof cmd, "ffmpeg -v error -i '%s' -vf scale=%d:%d -f rawvideo -pix_fmt "
             "rgb24 -", photo, W, H);
    CHECK(!run_read(cmd, orig, n), "ffmpeg decodes the photo to RGB");
    snprintf(y4m, sizeof y4m, "%s/ff.y4m", tmpdir);
    char rgbpath[300];
    snprintf(rgbpath, sizeof rgbpath, "%s/orig.rgb", tmpdir);
    write_file(rgbpath, orig, n);
    static const struct { const char *pix, *c; bd_y4m_chroma chroma; } fmts[] = {
        {"yuv420p", "420jpeg", BD_Y4M_420JPEG}, {"yuv422p", "422", BD_Y4M_422},
        {"yuv444p", "444", BD_Y4M_444},         {"gray", "mono", BD_Y4M_MONO}};
    /* how ffmpeg converts: accurate rounding, interpolated chroma (its default for
     * same-size conversion replicates chroma samples) */
    const char *sws = "-sws_flags bilinear+accurate_rnd+full_chroma_int+full_chroma_inp";
    for (int k = 0; k < 4; k++) {
        /* 1. ffmpeg's y4m, read and converted by us, against ffmpeg's own RGB of it */
        snprintf(cmd, sizeof cmd, "ffmpeg -v error -y -f rawvideo -pix_fmt rgb24 -s %dx%d "
                 "-r 30000/1001 -i '%s' %s -pix_fmt %s -f yuv4mpegpipe '%s'", W, H, rgbpath, sws,
                 fmts[k].pix, y4m);
        CHECK(system(cmd) == 0, "ffmpeg writes %s y4m", fmts[k].pix);
        bd_y4m_info info;
        bd_y4m_reader *r = bd_y4m_open(y4m, &info, err, sizeof err);
        CHECK(r && info.w == W && info.h == H && info.chroma == fmts[k].chroma &&
              info.fps_num == 30000 && info.fps_den == 1001, "read ffmpeg's %s header: %s",
              fmts[k].pix, r ? "" : err);
        if (!r) continue;
        CHECK(bd_y4m_read_frame(r, pl, err, sizeof err) == 1 &&
              bd_y4m_read_frame(r, pl + bd_y4m_frame_bytes(&info), err, sizeof err) == 0,
              "one frame then the end: %s", err);
        bd_y4m_close(r);
        bd_yuv_to_rgb(&info, pl, ours);
        snprintf(cmd, sizeof cmd, "ffmpeg -v error -i '%s' %s -f rawvideo -pix_fmt rgb24 -",
                 y4m, sws);
        CHECK(!run_read(cmd, theirs, n), "ffmpeg decodes its own y4m");
        double mean;
        int p99;
        diff_stats(ours, theirs, n, &mean, &p99);
        printf("test_y4m: %-7s decode: ours vs ffmpeg mean |diff| %.3f, 99th pct %d\n",
               fmts[k].pix, mean, p99);
        /* chroma interpolation differs a little at sharp edges (swscale's bilinear
         * filter is not exactly 1/4-3/4), the matrix not at all */
        const int sub = fmts[k].chroma != BD_Y4M_444 && fmts[k].chroma != BD_Y4M_MONO;
        CHECK(sub ? mean < 1.0 && p99 <= 12 : mean < 0.05 && p99 == 0,
              "%s decode agrees with ffmpeg (mean %.3f, p99 %d)", fmts[k].pix, mean, p99);
        if (fmts[k].chroma == BD_Y4M_420JPEG) {
            /* the siting matters: read as left-sited (420mpeg2), the same frame is further
             * from ffmpeg's reading of 420jpeg */
            info.chroma = BD_Y4M_420MPEG2;
            bd_yuv_to_rgb(&info, pl, ours);
            double m2;
            int q2;
            diff_stats(ours, theirs, n, &m2, &q2);
            CHECK(m2 > mean * 1.3, "centred siting fits ffmpeg better (%.3f) than left (%.3f)",
                  mean, m2);
        }

        /* 2. our y4m of the photo, read by ffmpeg: header accepted, close to the photo and
         *    as close as ffmpeg's own conversion */
        bd_y4m_info oi = {.w = W, .h = H, .fps_num = 24, .fps_den = 1, .sar_num = 1,
                          .sar_den = 1, .chroma = fmts[k].chroma};
        bd_rgb_to_yuv(&oi, orig, pl);
        bd_y4m_writer *w = bd_y4m_create(y4m, &oi, err, sizeof err);
        CHECK(w && !bd_y4m_write_frame(w, pl, err, sizeof err) &&
              !bd_y4m_writer_finish(w, err, sizeof err), "write our y4m: %s", err);
        snprintf(cmd, sizeof cmd, "ffprobe -v error -show_entries stream=width,height,pix_fmt,"
                 "r_frame_rate -of csv=p=0 '%s'", y4m);
        char probe[128] = "", want[128];
        FILE *p = popen(cmd, "r");
        if (p) {
            if (!fgets(probe, sizeof probe, p)) probe[0] = 0;
            pclose(p);
        }
        snprintf(want, sizeof want, "%d,%d,%s,24/1\n", W, H, fmts[k].pix);
        CHECK(!strcmp(probe, want), "ffprobe of our %s y4m: '%s', want '%s'", fmts[k].pix, probe,
              want);
        snprintf(cmd, sizeof cmd, "ffmpeg -v error -i '%s' %s -f rawvideo -pix_fmt rgb24 -",
                 y4m, sws);
        CHECK(!run_read(cmd, theirs, n), "ffmpeg decodes our y4m");
        double m_ours;
        int p_ours;
        diff_stats(theirs, orig, n, &m_ours, &p_ours);
        /* ffmpeg's own encode of the same photo, decoded by ffmpeg: the loss to compare with */
        snprintf(cmd, sizeof cmd, "ffmpeg -v error -f rawvideo -pix_fmt rgb24 -s %dx%d -i '%s' "
                 "%s -pix_fmt %s -f rawvideo - | ffmpeg -v error -f rawvideo -pix_fmt %s -s "
                 "%dx%d -i - %s -f rawvideo -pix_fmt rgb24 -", W, H, rgbpath, sws, fmts[k].pix,
                 fmts[k].pix, W, H, sws);
        CHECK(!run_read(cmd, ours, n), "ffmpeg's own round trip");
        double m_ff;
        int p_ff;
        diff_stats(ours, orig, n, &m_ff, &p_ff);
        printf("test_y4m: %-7s encode: photo -> ours -> ffmpeg mean |diff| %.3f (p99 %d); "
               "ffmpeg -> ffmpeg %.3f (p99 %d)\n", fmts[k].pix, m_ours, p_ours, m_ff, p_ff);
        CHECK(m_ours <= m_ff * 1.15 + 0.1, "%s encode loss %.3f near ffmpeg's own %.3f",
              fmts[k].pix, m_ours, m_ff);
    }
    free(orig);
    free(ours);
    free(theirs);
    free(pl);
}

int main(void)
{
    const char *shared = getenv("SHARED") ? getenv("SHARED") : "../shared";
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_y4m.XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    test_header();
    for (int c = 0; c <= BD_Y4M_MONO; c++) test_round_trip((bd_y4m_chroma)c);
    test_bad_streams();
    test_colour();
    test_ffmpeg(shared);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd)) fprintf(stderr, "test_y4m: could not remove %s\n", tmpdir);
    return check_done("test_y4m");
}
