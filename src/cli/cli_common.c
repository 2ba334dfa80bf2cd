/* cli_common.c — what every subcommand of the command line shares: the default model path.
 * Kept out of main.c so tests can link the subcommands from the library. */
#include <stdlib.h>

#include "cli/cli.h"

const char *cli_default_model(void)
{
    const char *env = getenv("BACKDROP_MODEL");
    return env && *env ? env : "weights/deeplabv3_mnv2_pascal.bdw";
}
