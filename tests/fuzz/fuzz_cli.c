/* fuzz_cli.c — libFuzzer target for the command-line parsers of the photo subcommands
 * (labels/segment and the effects blur, replace, gray, cutout, mask).
 *
 * The input is text: the first line names the subcommand, each further line is one
 * argument. The weights file does not exist ($BACKDROP_MODEL points nowhere and inputs
 * with a --model option are skipped), so every command stops right after parsing and the
 * output checks, before any network runs or any file is written: what is fuzzed is the
 * option parsing, the output naming and the error paths, for crashes, leaks and exit codes
 * other than 0 (only for --help), 1 and 2.
 *
 * Also compiled into tests/test_regress.c with FUZZ_CLI_ENTRY renamed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#ifndef FUZZ_CLI_ENTRY
#define FUZZ_CLI_ENTRY LLVMFuzzerTestOneInput
#endif

#define FC_MAX_ARGS 64

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} fc_commands[] = {
    {"labels", cli_labels}, {"segment", cli_labels}, {"blur", cli_blur},
    {"replace", cli_replace}, {"gray", cli_gray}, {"cutout", cli_cutout}, {"mask", cli_mask},
};

#define FC_NO_MODEL "/nonexistent/backdrop-fuzz.bdw"

int FUZZ_CLI_ENTRY(const uint8_t *data, size_t size)
{
    setenv("BACKDROP_MODEL", FC_NO_MODEL, 1);
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[FC_MAX_ARGS + 1];
    int argc = 0, help = 0, skip = 0;
    for (char *p = text; argc < FC_MAX_ARGS;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        argv[argc++] = p;
        if (!strcmp(p, "--model"))
            skip = 1;
        if (argc > 1 && (!strcmp(p, "-h") || !strcmp(p, "--help")))
            help = 1;
        if (!nl)
            break;
        p = nl + 1;
    }
    argv[argc] = NULL;
    for (size_t c = 0; !skip && c < sizeof fc_commands / sizeof fc_commands[0]; c++) {
        if (strcmp(argv[0], fc_commands[c].name))
            continue;
        int rc = fc_commands[c].run(argc, argv);
        if (!(rc == 1 || rc == 2 || (rc == 0 && help))) {
            fprintf(stderr, "fuzz_cli: %s returned %d\n", argv[0], rc);
            abort();
        }
    }
    free(text);
    return 0;
}
