/* test_kernels_ref.c — the scalar reference kernels (bd_kernels_ref) against the math written
 * a second, different way: each convolution here first copies the input into an explicitly
 * zero-padded array and then sums in double, so a padding, stride or dilation mistake in the
 * kernel cannot be repeated by the test. Shapes cover stride 1 and 2, dilation 1, 2 and 4,
 * odd and even sizes, 1-pixel maps and awkward channel counts; plus hand-computed cases for
 * the resize (align_corners), argmax ties and the fused upsample + argmax.
 * (tests/test_kernels.c then holds every SIMD table to this reference.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels.h"
#include "kernel_oracles.h"

static unsigned rng = 12345;
static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}
static float *rand_buf(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = frand();
    return p;
}

static double act(double v, bd_act a)
{
    if (a == BD_ACT_RELU) return v > 0 ? v : 0;
    if (a == BD_ACT_RELU6) return v < 0 ? 0 : v > 6 ? 6 : v;
    return v;
}

/* SAME geometry of a k_eff-wide window: output size and padding before. */
static void same(int in, int s, int k_eff, int *out, int *before)
{
    *out = (in + s - 1) / s;
    int total = (*out - 1) * s + k_eff - in;
    *before = total > 0 ? total / 2 : 0;
}

/* in (h x w x c) copied into a zero border: padded[(y+pt)][(x+pl)][c], size ph x pw. */
static double *pad_copy(const float *in, int h, int w, int c, int pt, int pl, int ph, int pw)
{
    double *p = calloc((size_t)ph * pw * c, sizeof *p);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++)
                if (y + pt < ph && x + pl < pw)
                    p[((size_t)(y + pt) * pw + (x + pl)) * c + ch] = in[((size_t)y * w + x) * c + ch];
    return p;
}

static int close_enough(const float *got, const double *want, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= tol * (1 + fabs(want[i]))))
            return 0;
    return 1;
}

static void test_dwconv(int h, int w, int c, int s, int d, bd_act a)
{
    int oh, ow, pt, pl;
    same(h, s, 2 * d + 1, &oh, &pt);
    same(w, s, 2 * d + 1, &ow, &pl);
    int ph = (oh - 1) * s + 2 * d + 1, pw = (ow - 1) * s + 2 * d + 1;
    float *in = rand_buf((size_t)h * w * c), *wt = rand_buf(9 * (size_t)c), *b = rand_buf(c);
    float *out = malloc(sizeof(float) * oh * ow * c);
    double *want = malloc(sizeof(double) * oh * ow * c);
    double *p = pad_copy(in, h, w, c, pt, pl, ph, pw);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int ch = 0; ch < c; ch++) {
                double sum = b[ch];
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        sum += p[((size_t)(oy * s + ky * d) * pw + (ox * s + kx * d)) * c + ch] *
                               wt[(ky * 3 + kx) * c + ch];
                want[((size_t)oy * ow + ox) * c + ch] = act(sum, a);
            }
    bd_kernels_ref.dwconv3x3(in, h, w, c, out, oh, ow, wt, b, s, d, pt, pl, a);
    CHECK(close_enough(out, want, (size_t)oh * ow * c, 1e-5),
          "dwconv3x3 %dx%dx%d stride %d dilation %d act %d", h, w, c, s, d, a);
    /* the output must not simply be the input (a known failure of dilated kernels) */
    if (s == 1 && d > 1)
        CHECK(memcmp(out, in, sizeof(float) * h * w * c) != 0, "dilated dwconv returned input");
    free(in); free(wt); free(b); free(out); free(want); free(p);
}

static void test_conv(int h, int w, int cin, int cout, bd_act a)
{
    int oh, ow, pt, pl;
    same(h, 2, 3, &oh, &pt);
    same(w, 2, 3, &ow, &pl);
    int ph = (oh - 1) * 2 + 3, pw = (ow - 1) * 2 + 3;
    float *in = rand_buf((size_t)h * w * cin), *wt = rand_buf(9 * (size_t)cin * cout);
    float *b = rand_buf(cout), *out = malloc(sizeof(float) * oh * ow * cout);
    double *want = malloc(sizeof(double) * oh * ow * cout);
    double *p = pad_copy(in, h, w, cin, pt, pl, ph, pw);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int co = 0; co < cout; co++) {
                double sum = b[co];
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        for (int ci = 0; ci < cin; ci++)
                            sum += p[((size_t)(2 * oy + ky) * pw + 2 * ox + kx) * cin + ci] *
                                   wt[((ky * 3 + kx) * cin + ci) * cout + co];
                want[((size_t)oy * ow + ox) * cout + co] = act(sum, a);
            }
    bd_kernels_ref.conv3x3s2(in, h, w, cin, out, oh, ow, cout, wt, b, pt, pl, a);
    CHECK(close_enough(out, want, (size_t)oh * ow * cout, 1e-5), "conv3x3s2 %dx%dx%d -> %d",
          h, w, cin, cout);
    free(in); free(wt); free(b); free(out); free(want); free(p);
}

static void test_pwconv(int m, int k, int n, int residual, bd_act a)
{
    float *in = rand_buf((size_t)m * k), *wt = rand_buf((size_t)k * n), *b = rand_buf(n);
    float *res = residual ? rand_buf((size_t)m * n) : NULL;
    float *out = malloc(sizeof(float) * m * n);
    double *want = malloc(sizeof(double) * m * n);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double sum = b[j];
            for (int q = 0; q < k; q++)
                sum += (double)in[(size_t)i * k + q] * wt[(size_t)q * n + j];
            want[(size_t)i * n + j] = act(sum, a) + (res ? res[(size_t)i * n + j] : 0);
        }
    bd_kernels_ref.pwconv(in, m, k, out, n, wt, b, res, a);
    CHECK(close_enough(out, want, (size_t)m * n, 1e-5), "pwconv %dx%d -> %d residual %d act %d",
          m, k, n, residual, a);
    free(in); free(wt); free(b); free(res); free(out); free(want);
}

static void test_small_ops(void)
{
    /* average pool */
    float in[3 * 2] = {1, 10, 2, 20, 6, 60}, out[2];
    bd_kernels_ref.avgpool(in, 3, 2, out);
    CHECK(out[0] == 3.0f && out[1] == 30.0f, "avgpool gives %g %g, want 3 30", out[0], out[1]);

    /* 2x2 -> 3x3 align_corners: corners kept, centre = mean, edges = pair means */
    float q[4] = {0, 4, 8, 12}, r[9];
    oracle_resize_bilinear(q, 2, 2, 1, r, 3, 3);
    const float want[9] = {0, 2, 4, 4, 6, 8, 8, 10, 12};
    CHECK(!memcmp(r, want, sizeof r), "resize 2x2 -> 3x3: %g %g %g / %g %g %g / %g %g %g",
          r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]);
    /* to one pixel: the top-left input pixel */
    oracle_resize_bilinear(q, 2, 2, 1, r, 1, 1);
    CHECK(r[0] == 0.0f, "resize to 1x1 gives %g, want 0", r[0]);

    /* argmax: first maximum wins */
    float v[2 * 4] = {1, 3, 3, 2, -1, -1, -1, -1};
    uint8_t l[2];
    oracle_argmax(v, 2, 4, l);
    CHECK(l[0] == 1 && l[1] == 0, "argmax ties: %d %d, want 1 0", l[0], l[1]);

    /* fused upsample + argmax == argmax(resize_bilinear) over the crop, exactly */
    int ih = 5, iw = 7, c = 21, fh = 65, fw = 97, ch = 40, cw = 90;
    float *lg = rand_buf((size_t)ih * iw * c), *up = malloc(sizeof(float) * fh * fw * c);
    uint8_t *fused = malloc((size_t)ch * cw), *full = malloc((size_t)fh * fw);
    oracle_resize_bilinear(lg, ih, iw, c, up, fh, fw);
    oracle_argmax(up, fh * fw, c, full);
    bd_kernels_ref.upsample_argmax(lg, ih, iw, c, fh, fw, ch, cw, fused);
    int same_labels = 1;
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++)
            same_labels &= fused[y * cw + x] == full[y * fw + x];
    CHECK(same_labels, "upsample_argmax differs from resize_bilinear + argmax");
    free(lg); free(up); free(fused); free(full);
}

int main(void)
{
    static const int chans[] = {1, 3, 8, 9, 33};
    for (int d = 1; d <= 4; d *= 2)
        for (int i = 0; i < 5; i++) {
            test_dwconv(9, 7, chans[i], 1, d, BD_ACT_RELU6);
            test_dwconv(8, 10, chans[i], 1, d, BD_ACT_NONE);
        }
    test_dwconv(1, 1, 5, 1, 2, BD_ACT_RELU6);          /* 1-pixel map, all taps padded */
    test_dwconv(3, 2, 4, 1, 4, BD_ACT_RELU);           /* dilation wider than the map */
    test_dwconv(9, 9, 7, 2, 1, BD_ACT_RELU6);          /* odd: pad 1 each side */
    test_dwconv(10, 8, 7, 2, 1, BD_ACT_RELU6);         /* even: pad 0 before, 1 after */
    test_dwconv(1, 2, 3, 2, 1, BD_ACT_NONE);
    test_conv(9, 9, 3, 8, BD_ACT_RELU6);
    test_conv(10, 7, 3, 5, BD_ACT_NONE);
    test_conv(1, 1, 2, 3, BD_ACT_RELU);
    test_pwconv(7, 5, 3, 0, BD_ACT_RELU6);
    test_pwconv(9, 33, 17, 1, BD_ACT_NONE);
    test_pwconv(1, 1, 1, 1, BD_ACT_RELU);
    test_pwconv(13, 8, 24, 0, BD_ACT_RELU);
    test_small_ops();
    return check_done("test_kernels_ref");
}
