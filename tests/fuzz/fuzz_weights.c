/* fuzz_weights.c — libFuzzer target for the weights loader: the input is a .bdw file.
 *
 * Most inputs have their checksums and file_size field repaired first (tests/synth_model.h's
 * synth_reseal), or the loader would stop at the first checksum and the fuzzer would never
 * reach the layout, metadata, directory and shape checks behind it; inputs whose size is a
 * multiple of 7 go in as they are, so the checksum checks are fuzzed too. A file the loader
 * accepts is then planned and run through the network on a tiny input, which tries every
 * shape the checks let through. The bytes go through a temporary file (the loader's entry
 * point takes a path), read rather than mapped so AddressSanitizer sees every access.
 *
 * Also compiled into tests/test_regress.c with FUZZ_ENTRY renamed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels.h"
#include "engine/model.h"
#include "engine/network.h"
#include "synth_model.h"

#ifndef FUZZ_WEIGHTS_ENTRY
#define FUZZ_WEIGHTS_ENTRY LLVMFuzzerTestOneInput
#endif

#define FW_MAX_BYTES (1u << 20)     /* larger inputs are not interesting, only slow */

static char fw_path[64];

/* Writes the bytes into the one temporary file this process uses; 0 on success. */
static int fw_write(const uint8_t *data, size_t size)
{
    if (!fw_path[0]) {
        snprintf(fw_path, sizeof fw_path, "/tmp/fuzz_weights.XXXXXX");
        int fd = mkstemp(fw_path);
        if (fd < 0)
            return -1;
        close(fd);
        setenv("BACKDROP_NO_MMAP", "1", 0);
    }
    FILE *f = fopen(fw_path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(data, 1, size, f);
    return fclose(f) == 0 && n == size ? 0 : -1;
}

/* A model the loader accepted: use all of it, as the CLI would. */
static void fw_exercise(const bd_model *m)
{
    char err[512];
    (void)bd_model_class_index(m, "person");
    (void)bd_model_class_index(m, m->class_names[m->num_classes - 1]);
    (void)bd_weights_meta(m->file, "network", err, sizeof err);
    size_t params = 0;
    for (int i = 0; i < m->file->tensor_count; i++)
        params += m->file->tensors[i].count;
    if (params > 200000)            /* keep each execution fast */
        return;
    bd_network *net = bd_network_new(m, 17, 23, m->export_output_stride, err, sizeof err);
    if (!net)
        return;
    float *in = bd_network_input(net);
    for (int i = 0; i < 17 * 23 * 3; i++)
        in[i] = (float)((i * 37) % 255) / 127.5f - 1.0f;
    bd_network_run(net, &bd_kernels_ref, NULL, NULL);
    const bd_kernels *k = bd_kernels_select(err, sizeof err);
    if (k)
        bd_network_run(net, k, NULL, NULL);
    int fh, fw, nc;
    (void)bd_network_logits(net, &fh, &fw, &nc);
    bd_network_free(net);
}

int FUZZ_WEIGHTS_ENTRY(const uint8_t *data, size_t size)
{
    if (size > FW_MAX_BYTES)
        return 0;
    uint8_t *b = malloc(size ? size : 1);
    if (!b)
        return 0;
    memcpy(b, data, size);
    if (size >= 64 && size % 7 != 0) {
        synth_wr64(b + 16, size);
        synth_reseal(b, size, 1);
    }
    if (fw_write(b, size) == 0) {
        char err[512];
        bd_model *m = bd_model_load(fw_path, err, sizeof err);
        if (m) {
            fw_exercise(m);
            bd_model_free(m);
        } else if (!err[0] || strchr(err, '\n')) {
            fprintf(stderr, "fuzz_weights: error message empty or not one line: '%s'\n", err);
            abort();
        }
    }
    free(b);
    return 0;
}
