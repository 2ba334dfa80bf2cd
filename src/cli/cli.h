/* cli.h — the subcommands of the backdrop command line, one file each (src/cli_*.c).
 * Each takes the arguments after the subcommand name (argv[0] is the subcommand) and returns
 * the process exit code: 0 ok, 1 bad input or failure, 2 usage error. */
#ifndef BACKDROP_CLI_H
#define BACKDROP_CLI_H

#define BD_EXIT_OK 0
#define BD_EXIT_FAIL 1
#define BD_EXIT_USAGE 2

#include "engine/segmenter.h"

/* Room for one error line: paths can be long (a directory may be deeper than 4096 bytes,
 * reached by relative names), and the reason comes after them. */
#define CLI_ERRLEN 16384

/* The default model's file name, and where it is looked for (model_path.c). */
#define BD_MODEL_NAME "deeplabv3_mnv2_pascal.bdw"
/* For help texts: $BACKDROP_MODEL if set, else a description of the search. */
const char *cli_default_model(void);
/* The weights file to use: given (--model) or $BACKDROP_MODEL as they are, else the
 * weights embedded in the executable (CLI_EMBEDDED), else the first of <exe dir>/weights/, <exe dir>/../share/backdrop/, the installed data dir, ./weights/
 * that holds BD_MODEL_NAME. malloc'd; NULL with a one-line message in err if none. */
char *cli_model_path(const char *given, char *err, size_t errlen);
/* The path cli_model_path returns for weights linked into the executable (embedded.c). */
#define CLI_EMBEDDED "(embedded)"
/* The embedded weights' file name, or NULL if this binary has none. */
const char *cli_embedded_name(void);
/* bd_model_load, or bd_model_load_memory for CLI_EMBEDDED. */
typedef struct bd_model bd_model;
bd_model *cli_load_model(const char *path, char *err, size_t errlen);
/* main() passes argv[0], the fallback when /proc/self/exe cannot be read. */
void cli_set_argv0(const char *argv0);

/* 1 if a and b name the same file (the same string, or the same inode). */
int cli_same_file(const char *a, const char *b);
/* Checks output path out before the work starts (output_check.c): not one of the nreads
 * files the command reads (what[i] names each in the message: "the background picture"),
 * its directory exists and is writable, its name is within the file system's limit.
 * Returns 0, or the exit code (BD_EXIT_USAGE for an output that would overwrite an input,
 * BD_EXIT_FAIL otherwise) with a message that starts with out. NULL reads are skipped. */
int cli_check_output(const char *out, const char *const *reads, const char *const *what,
                     int nreads, char *msg, size_t msglen);

/* --precision int8|f32 -> BD_PRECISION_INT8 / BD_PRECISION_F32 (engine/segmenter.h);
 * -1 for anything else (precision.c). */
int cli_parse_precision(const char *s, int *precision);
#define CLI_PRECISION_HELP \
    "  --precision P      int8: the uint8 network as TFLite's reference integer kernels\n" \
    "                     compute it (the default for files from uint8 models; see info),\n" \
    "                     or f32: the float network (every file; the default for the rest)\n"

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
