/* clock.h — the one clock every timing in backdrop reads: monotonic wall time in
 * milliseconds (CLOCK_MONOTONIC, never stepped by NTP). Header-only: one line of code. */
#ifndef BACKDROP_IO_CLOCK_H
#define BACKDROP_IO_CLOCK_H

#include <time.h>

static inline double bd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

#endif
