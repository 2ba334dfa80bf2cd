/* test_regress.c — replays every input kept in tests/regress/ through the fuzz target it
 * was found with (the name starts with the target's: weights-*, image-*, cli-*). The
 * targets are the very tests/fuzz/fuzz_*.c sources, compiled here with gcc under renamed
 * entry points; they abort on a wrong result, and the sanitizer build catches memory errors
 * and leaks. Image inputs must also be refused by bd_image_load_memory unless their name
 * contains "-valid". */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define FUZZ_WEIGHTS_ENTRY regress_weights
#include "fuzz/fuzz_weights.c"
#define FUZZ_IMAGE_ENTRY regress_image
#include "fuzz/fuzz_image.c"
#define FUZZ_CLI_ENTRY regress_cli
#include "fuzz/fuzz_cli.c"

typedef struct {
    const char *prefix;
    int (*run)(const uint8_t *data, size_t size);
} target;

static const target targets[] = {
    {"weights-", regress_weights},
    {"image-", regress_image},
    {"cli-", regress_cli},
};
#define NTARGETS (int)(sizeof targets / sizeof targets[0])

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    for (size_t got; b && (got = fread(b + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(b, cap *= 2);
            if (!nb)
                free(b);
            b = nb;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

int main(void)
{
    const char *dir = "tests/regress";
    DIR *d = opendir(dir);
    CHECK(d != NULL, "%s: cannot open (run from the repository root)", dir);
    int replayed = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md"))
            continue;
        int t = 0;
        while (t < NTARGETS && strncmp(e->d_name, targets[t].prefix, strlen(targets[t].prefix)))
            t++;
        CHECK(t < NTARGETS, "%s/%s: name does not start with a fuzz target's prefix", dir,
              e->d_name);
        if (t == NTARGETS)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = 0;
        uint8_t *b = slurp(path, &len);
        CHECK(b != NULL, "%s: cannot read", path);
        if (b) {
            targets[t].run(b, len);          /* aborts on failure */
            replayed++;
            CHECK(1, "%s", path);
            if (t == 1 && !strstr(e->d_name, "-valid")) {   /* a bad image: refused */
                bd_image img;
                char err[512];
                CHECK(bd_image_load_memory(b, len, path, &img, err, sizeof err) != 0,
                      "%s: decoded as %dx%d, should be refused", path, img.w, img.h);
                bd_image_free(&img);
            }
        }
        free(b);
    }
    if (d)
        closedir(d);
    if (fw_path[0])
        unlink(fw_path);
    printf("test_regress: %d inputs replayed\n", replayed);
    return check_done("test_regress");
}
