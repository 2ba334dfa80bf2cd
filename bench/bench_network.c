/* bench_network.c — backdrop's network as a runner for bench/alternate.py: loads a model,
 * plans the network for a square input, warms up, prints "ready", then times one forward
 * pass (normalised input -> logits, the span `backdrop bench` and the peers time) for each
 * "run" line read on stdin, answering "ms=X". At end of input: one line with the kernels,
 * threads and the arena size. The input is bd_network_bench_input's synthetic image, copied
 * into the network before every run, outside the timed span.
 *
 *   bench_network [--model F] [--os 8|16] [--threads N] [--size N] [--warmup N] [--int8]
 *
 * --int8 times the int8 network instead (engine/qnetwork.h; files from uint8 models), with
 * the int8 table bd_qu8_kernels_select() picks ($BACKDROP_ISA_INT8 to force one).
 * $BACKDROP_ISA forces a kernel table, $BACKDROP_FUSE=none|all the fusion of the early
 * blocks (to compare them in one alternation).
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model.h"
#include "engine/network.h"
#include "engine/qnetwork.h"
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
    int os = 0, threads = 0, size = 0, warmup = 2, int8 = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--model") && v) model = v;
        else if (!strcmp(a, "--int8")) {
            int8 = 1;
            continue;
        }
        else if (!strcmp(a, "--os")) bad = number(v, 8, 16, &os) || (os != 8 && os != 16);
        else if (!strcmp(a, "--threads")) bad = number(v, 1, 1024, &threads);
        else if (!strcmp(a, "--size")) bad = number(v, 1, 8192, &size);
        else if (!strcmp(a, "--warmup")) bad = number(v, 0, 1000, &warmup);
        else bad = 1;
        if (bad) {
            fprintf(stderr, "usage: bench_network [--model F] [--os 8|16] [--threads N] "
                            "[--size N] [--warmup N] [--int8] (bad or incomplete '%s')\n", a);
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
    bd_network *net = NULL;
    bd_qnetwork *qnet = NULL;
    const bd_qu8_kernels *qk = NULL;
    if (int8) {
        if ((qk = bd_qu8_kernels_select(err, sizeof err)) &&
            (qnet = bd_qnetwork_new(m, size, size, os, err, sizeof err)) &&
            bd_qnetwork_prepare(qnet, qk))
            snprintf(err, sizeof err, "out of memory packing the int8 weights");
    } else {
        net = bd_network_new(m, size, size, os, err, sizeof err);
    }
    size_t in_bytes = (size_t)size * size * 3 * sizeof(float);
    float *input = net || qnet ? malloc(in_bytes) : NULL;
    if (!input) {
        fprintf(stderr, "bench_network: %s\n", net || qnet ? "out of memory" : err);
        bd_network_free(net);
        bd_qnetwork_free(qnet);
        bd_model_free(m);
        return 1;
    }
    float *net_in = qnet ? bd_qnetwork_input(qnet) : bd_network_input(net);
    bd_network_bench_input(input, size, size, m->norm_scale, m->norm_offset);
    for (int i = 0; i < warmup; i++) {
        memcpy(net_in, input, in_bytes);
        if (qnet)
            bd_qnetwork_run(qnet, qk, NULL, NULL);
        else
            bd_network_run(net, k, NULL, NULL);
    }
    printf("ready\n");
    fflush(stdout);
    char line[64];
    int runs = 0;
    while (fgets(line, sizeof line, stdin)) {
        if (strncmp(line, "run", 3))
            continue;
        memcpy(net_in, input, in_bytes);
        double t0 = bd_now_ms();
        if (qnet)
            bd_qnetwork_run(qnet, qk, NULL, NULL);
        else
            bd_network_run(net, k, NULL, NULL);
        printf("ms=%.3f\n", bd_now_ms() - t0);
        fflush(stdout);
        runs++;
    }
    printf("isa=%s precision=%s threads=%d arena_bytes=%zu runs=%d\n", qnet ? qk->isa : k->isa,
           qnet ? "int8" : "f32", omp_get_max_threads(),
           qnet ? bd_qnetwork_arena_bytes(qnet) : bd_network_arena_bytes(net), runs);
    free(input);
    bd_network_free(net);
    bd_qnetwork_free(qnet);
    bd_model_free(m);
    return 0;
}
