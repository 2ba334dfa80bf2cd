/* embedded.c — weights linked into the executable (`make static EMBED=weights/X.bdw`).
 *
 * The build assembles the weights file into an object with .incbin (tests/hardening.mk),
 * 64-byte aligned, between the symbols bd_embedded_weights and bd_embedded_weights_end,
 * with its file name in bd_embedded_weights_name. They are weak here: in a binary built
 * without EMBED they are absent (NULL), and the model is looked for on disk. Embedded
 * weights go through exactly the checks a file does (bd_model_load_memory). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "backdrop.h"
#include "cli/cli.h"

extern const uint8_t bd_embedded_weights[] __attribute__((weak));
extern const uint8_t bd_embedded_weights_end[] __attribute__((weak));
extern const char bd_embedded_weights_name[] __attribute__((weak));

const char *cli_embedded_name(void)
{
    return bd_embedded_weights && bd_embedded_weights_end && bd_embedded_weights_name
               ? bd_embedded_weights_name : NULL;
}

bd_model *cli_load_model(const char *path, char *err, size_t errlen)
{
    if (strcmp(path, CLI_EMBEDDED) || !cli_embedded_name())
        return bd_model_load(path, err, errlen);
    char name[512];
    snprintf(name, sizeof name, "%s (embedded)", bd_embedded_weights_name);
    return bd_model_load_memory(bd_embedded_weights,
                                (size_t)(bd_embedded_weights_end - bd_embedded_weights), name,
                                err, errlen);
}
