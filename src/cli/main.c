/* main.c — the backdrop command line: picks the subcommand and hands over to src/cli_*.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/threads.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand commands[] = {
    {"info", cli_info, "print a weights file's metadata and tensors"},
    {"labels", cli_labels, "write the class of every pixel as a label PNG"},
    {"segment", cli_labels, "the same as labels"},
    {"bench", cli_bench, "time the network on a synthetic image (GFLOP/s, memory)"},
    {"blur", cli_blur, "blur the background of a photo, keep the subject sharp"},
    {"replace", cli_replace, "put the subject on another picture or a solid colour"},
    {"gray", cli_gray, "subject in colour, background in gray"},
    {"cutout", cli_cutout, "cut the subject out: PNG with a transparent background"},
    {"mask", cli_mask, "write the subject matte as a gray image"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *to)
{
    fprintf(to, "usage: backdrop COMMAND [options]   (backdrop COMMAND --help for each)\n\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(to, "  %-9s %s\n", commands[i].name, commands[i].summary);
}

/* A command whose output could not be written (a full disk, a closed pipe, /dev/full)
 * has failed, whatever it printed before. */
static int finish(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "backdrop: cannot write to standard output (%s)\n", strerror(errno));
        return rc == BD_EXIT_OK ? BD_EXIT_FAIL : rc;
    }
    return rc;
}

int main(int argc, char **argv)
{
    bd_threads_cap_env();
    cli_set_argv0(argv[0]);          /* OMP_NUM_THREADS=100000 would crash libgomp */
    if (argc < 2) {
        usage(stderr);
        return BD_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return finish(BD_EXIT_OK);
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name))
            return finish(commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "backdrop: unknown command '%s' (try backdrop --help)\n", argv[1]);
    return BD_EXIT_USAGE;
}
