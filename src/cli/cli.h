/* cli.h — the subcommands of the backdrop command line, one file each (src/cli_*.c).
 * Each takes the arguments after the subcommand name (argv[0] is the subcommand) and returns
 * the process exit code: 0 ok, 1 bad input or failure, 2 usage error. */
#ifndef BACKDROP_CLI_H
#define BACKDROP_CLI_H

#define BD_EXIT_OK 0
#define BD_EXIT_FAIL 1
#define BD_EXIT_USAGE 2

/* The default weights file: $BACKDROP_MODEL, else weights/deeplabv3_mnv2_pascal.bdw next to
 * the executable's working directory. */
const char *cli_default_model(void);

int cli_info(int argc, char **argv);
int cli_bench(int argc, char **argv);
/* class-id map of a photo (cli_labels.c); "segment" is an alias */
int cli_labels(int argc, char **argv);
/* the effects (cli_effects.c) */
int cli_blur(int argc, char **argv);
int cli_replace(int argc, char **argv);
int cli_gray(int argc, char **argv);
int cli_cutout(int argc, char **argv);
int cli_mask(int argc, char **argv);

/* the effects on a YUV4MPEG2 stream (cli_video.c), after cli_effects.c parsed and checked
 * the options */
#include "backdrop.h"
typedef struct cli_video_job {
    const char *name;            /* the subcommand, for messages */
    const char *input, *output;  /* files or "-" */
    const char *background;      /* replace: a picture or a .y4m stream, or NULL */
    const bd_model *model;
    bd_stream_opts stream;
    int threads;                 /* --threads (0: default) */
    int quiet, timing;
} cli_video_job;
int cli_video_run(const cli_video_job *job);
/* Runs the process again with OMP_WAIT_POLICY=passive unless it is set (cli_video.c says
 * why); returns if it is set or the re-run is impossible. */
void cli_video_passive_wait(void);
#endif
