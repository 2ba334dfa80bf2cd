/* model_path.c — which weights file a command uses when none is named, so that an
 * installed or copied backdrop finds its model from any folder:
 *
 *   1. --model F                              (the caller passes it; used as given)
 *   2. $BACKDROP_MODEL                        (used as given)
 *   -  the weights linked into the executable (make static EMBED=..., embedded.c)
 *   3. <exe dir>/weights/NAME                 (a source tree: ./backdrop, weights/)
 *   4. <exe dir>/../share/backdrop/NAME       (an installed or unpacked prefix, anywhere)
 *   5. BD_DATADIR/NAME                        (the data dir `make install` wrote,
 *                                             compiled in from PREFIX)
 *   6. ./weights/NAME                         (the old default: the working directory)
 *
 * NAME is deeplabv3_mnv2_pascal.bdw. The first one of 3-6 that is a regular file wins;
 * when none is, the error says where it looked and how to make one. The executable's
 * folder comes from /proc/self/exe (Linux), else from argv[0] if it holds a '/'. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

#ifndef BD_DATADIR
#define BD_DATADIR "/usr/local/share/backdrop"
#endif

static const char *argv0 = "";

void cli_set_argv0(const char *a) { argv0 = a ? a : ""; }

/* The executable's directory (malloc'd), or NULL. */
static char *exe_dir(void)
{
    size_t cap = 256;
    char *p = NULL;
    for (;;) {
        char *np = realloc(p, cap);
        if (!np) { free(p); return NULL; }
        p = np;
        ssize_t n = readlink("/proc/self/exe", p, cap);
        if (n < 0) { free(p); p = NULL; break; }
        if ((size_t)n < cap) { p[n] = '\0'; break; }
        cap *= 2;
    }
    if (!p) {
        if (!strchr(argv0, '/')) return NULL;
        p = strdup(argv0);
        if (!p) return NULL;
    }
    char *slash = strrchr(p, '/');
    if (!slash) { free(p); return NULL; }
    if (slash == p) slash[1] = '\0';
    else *slash = '\0';
    return p;
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 1);
    if (p) {
        memcpy(p, a, la);
        memcpy(p + la, b, lb + 1);
    }
    return p;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *cli_default_model(void)
{
    const char *env = getenv("BACKDROP_MODEL");
    if (env && *env) return env;
    if (cli_embedded_name()) return "the weights embedded in this executable";
    return BD_MODEL_NAME " next to the executable or installed: see backdrop(1)";
}

char *cli_model_path(const char *given, char *err, size_t errlen)
{
    if (given) return strdup(given);
    const char *env = getenv("BACKDROP_MODEL");
    if (env && *env) return strdup(env);
    if (cli_embedded_name()) return strdup(CLI_EMBEDDED);
    char *dir = exe_dir();
    char *cand[4] = {
        dir ? join(dir, "/weights/" BD_MODEL_NAME) : NULL,
        dir ? join(dir, "/../share/backdrop/" BD_MODEL_NAME) : NULL,
        strdup(BD_DATADIR "/" BD_MODEL_NAME),
        strdup("./weights/" BD_MODEL_NAME),
    };
    free(dir);
    char *found = NULL;
    for (int i = 0; i < 4 && !found; i++)
        if (cand[i] && is_file(cand[i]))
            found = cand[i];
    if (!found) {
        size_t at = (size_t)snprintf(err, errlen, "no model: %s is not in", BD_MODEL_NAME);
        for (int i = 0; i < 4; i++) {
            if (cand[i] && at < errlen) {
                char *slash = strrchr(cand[i], '/');
                at += (size_t)snprintf(err + at, errlen - at, "%s %.*s", i ? "," : "",
                                       (int)(slash - cand[i] + 1), cand[i]);
            }
        }
        if (at < errlen)
            snprintf(err + at, errlen - at, " and $BACKDROP_MODEL is not set; make one "
                     "with `make weights` in the source tree (or python3 tools/convert.py "
                     "MODEL -o FILE.bdw) and give --model FILE.bdw");
    }
    for (int i = 0; i < 4; i++)
        if (cand[i] != found) free(cand[i]);
    return found;
}
