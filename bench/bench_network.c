/* bench_network.c — backdrop's network as a runner for bench/alternate.py: loads a model,
 * plans the network for a square input, warms up, prints "ready", then times one forward
 * pass (normalised input -> logits, the span `backdrop bench` and the peers time) for each
 * "run" line read on stdin, answering "ms=X". At end of input: one line with the kernels,
 * threads and the arena size. The input is bd_network_bench_input's synthetic image, copied
 * into the network before every run, outside the timed span.
 *
 *   bench_network [--model F] [--os 8|16] [--threads N] [--size N] [--warmup N]
 *
 * $BACKDROP_ISA forces a kernel table, $BACKDROP_FUSE=none|all the fusion of the early
 * blocks (to compare them in one alternation).
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model.h"
#include "engine/network.h"
#include "io/clock.h"
#include "kernels.h"

static int number(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    const char *model = "weights/deeplabv3_mnv2_pascal.bdw";
    int os = 0, threads = 0, size = 0, warmup = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--model") && v) model = v;
        else if (!strcmp(a, "--os")) bad = number(v, 8, 16, &os) || (os != 8 && os != 16);
        else if (!strcmp(a, "--threads")) bad = number(v, 1, 1024, &threads);
        else if (!strcmp(a, "--size")) bad = number(v, 1, 8192, &size);
        else if (!strcmp(a, "--warmup")) bad = number(v, 0, 1000, &warmup);
        else bad = 1;
        if (bad) {
            fprintf(stderr, "usage: bench_network [--model F] [--os 8|16] [--threads N] "
                            "[--size N] [--warmup N] (bad or incomplete '%s')\n", a);
            return 2;
        }
        i++;
    }
    if (threads)
        omp_set_num_threads(threads);
    char err[512];
    const bd_kernels *k = bd_kernels_select(err, sizeof err);
    bd_model *m = k ? bd_model_load(model, err, sizeof err) : NULL;
    if (!m) {
        fprintf(stderr, "bench_network: %s\n", err);
        return 1;
    }
    if (!os) os = m->export_output_stride;
    if (!size) size = m->input_size;
    bd_network *net = bd_network_new(m, size, size, os, err, sizeof err);
    size_t in_bytes = (size_t)size * size * 3 * sizeof(float);
    float *input = net ? malloc(in_bytes) : NULL;
    if (!input) {
        fprintf(stderr, "bench_network: %s\n", net ? "out of memory" : err);
        bd_network_free(net);
        bd_model_free(m);
        return 1;
    }
    bd_network_bench_input(input, size, size, m->norm_scale, m->norm_offset);
    for (int i = 0; i < warmup; i++) {
        memcpy(bd_network_input(net), input, in_bytes);
        bd_network_run(net, k, NULL, NULL);
    }
    printf("ready\n");
    fflush(stdout);
    char line[64];
    int runs = 0;
    while (fgets(line, sizeof line, stdin)) {
        if (strncmp(line, "run", 3))
            continue;
        memcpy(bd_network_input(net), input, in_bytes);
        double t0 = bd_now_ms();
        bd_network_run(net, k, NULL, NULL);
        printf("ms=%.3f\n", bd_now_ms() - t0);
        fflush(stdout);
        runs++;
    }
    printf("isa=%s threads=%d arena_bytes=%zu runs=%d\n", k->isa, omp_get_max_threads(),
           bd_network_arena_bytes(net), runs);
    free(input);
    bd_network_free(net);
    bd_model_free(m);
    return 0;
}
