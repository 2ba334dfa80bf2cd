/* cli_common.c — what every subcommand of the command line shares: the default model path
 * and the --precision option. Kept out of main.c so tests can link the subcommands. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_parse_precision(const char *s, int *precision)
{
    if (s && !strcmp(s, "f32"))
        *precision = BD_PRECISION_F32;
    else if (s && !strcmp(s, "int8"))
        *precision = BD_PRECISION_INT8;
    else
        return -1;
    return 0;
}

const char *cli_default_model(void)
{
    const char *env = getenv("BACKDROP_MODEL");
    return env && *env ? env : "weights/deeplabv3_mnv2_pascal.bdw";
}
