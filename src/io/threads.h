/* threads.h — how many OpenMP threads to use, capped whatever asks for them.
 *
 * libgomp 12 crashes (SIGSEGV inside the team start) when OMP_NUM_THREADS or
 * omp_set_num_threads asks for 100000 threads, and when it cannot create a thread it
 * prints a message starting with an empty line and exits. So every thread count, from an
 * option, the environment or the library's default, goes through here: at most
 * BD_MAX_THREADS, and bd_threads_start() makes sure the threads can be created before
 * OpenMP tries to. */
#ifndef BACKDROP_IO_THREADS_H
#define BACKDROP_IO_THREADS_H

#include <stddef.h>

#define BD_MAX_THREADS 1024

/* OpenMP's default (OMP_NUM_THREADS, else the cores), capped to 1..BD_MAX_THREADS. */
int bd_threads_default(void);

/* Lowers OpenMP's default to BD_MAX_THREADS if the environment asks for more: call once
 * at start-up, before any parallel region. */
void bd_threads_cap_env(void);

/* Sets OpenMP's thread count to n (0: bd_threads_default()) after checking that n - 1
 * threads can be created; returns n, or -1 with a one-line message in err, e.g.
 * "cannot start 64 threads (Resource temporarily unavailable): 37 could start, try
 * --threads 37". */
int bd_threads_start(int n, char *err, size_t errlen);

#endif
