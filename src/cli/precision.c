/* precision.c — the --precision option every subcommand that runs the network takes:
 * "f32" (the float network) or "int8" (the uint8 network, TFLite's integer semantics). */
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
