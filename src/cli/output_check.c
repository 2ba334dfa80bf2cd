/* output_check.c — checks an output path before any work is done: its directory exists
 * and can be written, its name fits the file system's limit, and it is not one of the
 * files the command reads (a photo, the background picture, the weights file), by name or
 * by inode. A failure found here costs nothing; found after the network has run, it would
 * cost the whole run. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_same_file(const char *a, const char *b)
{
    if (!strcmp(a, b)) return 1;
    struct stat sa, sb;
    if (stat(a, &sa) || stat(b, &sb)) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cli_check_output(const char *out, const char *const *reads, const char *const *what,
                     int nreads, char *msg, size_t msglen)
{
    for (int i = 0; i < nreads; i++)
        if (reads[i] && cli_same_file(out, reads[i])) {
            snprintf(msg, msglen, "%s: the output would overwrite %s", out, what[i]);
            return BD_EXIT_USAGE;
        }
    const char *slash = strrchr(out, '/');
    const char *name = slash ? slash + 1 : out;
    char *dir = slash ? strndup(out, slash == out ? 1 : (size_t)(slash - out)) : strdup(".");
    if (!dir) {
        snprintf(msg, msglen, "%s: out of memory", out);
        return BD_EXIT_FAIL;
    }
    int rc = 0;
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT)
            snprintf(msg, msglen, "%s: the directory does not exist", out);
        else
            snprintf(msg, msglen, "%s: cannot use its directory (%s)", out, strerror(errno));
        rc = BD_EXIT_FAIL;
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(msg, msglen, "%s: the directory does not exist (%s is not a directory)", out,
                 dir);
        rc = BD_EXIT_FAIL;
    } else {
        long max = pathconf(dir, _PC_NAME_MAX);
        if (max <= 0) max = NAME_MAX;
        if ((long)strlen(name) > max) {
            snprintf(msg, msglen, "%s: the file name is %zu bytes, the limit there is %ld", out,
                     strlen(name), max);
            rc = BD_EXIT_FAIL;
        } else if (access(dir, W_OK | X_OK) != 0) {
            snprintf(msg, msglen, "%s: cannot write in its directory (%s)", out,
                     strerror(errno));
            rc = BD_EXIT_FAIL;
        }
    }
    free(dir);
    return rc;
}
