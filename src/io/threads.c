/* threads.c — thread counts, capped and checked before OpenMP uses them (see threads.h).
 * The check creates the n - 1 worker threads OpenMP would need (each waits until all are
 * created, then all exit): if the system refuses one, we say so in one line instead of libgomp's
 * fatal error; it costs about 20 us per thread, once per command. */
#include <errno.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/threads.h"

int bd_threads_default(void)
{
    int n = omp_get_max_threads();
    return n < 1 ? 1 : n > BD_MAX_THREADS ? BD_MAX_THREADS : n;
}

void bd_threads_cap_env(void)
{
    if (omp_get_max_threads() > BD_MAX_THREADS)
        omp_set_num_threads(BD_MAX_THREADS);
}

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t go;
    int released;
} gate;

static void *park(void *arg)            /* stay alive until all have been created */
{
    gate *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->released)
        pthread_cond_wait(&g->go, &g->mu);
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

int bd_threads_start(int n, char *err, size_t errlen)
{
    if (n <= 0) n = bd_threads_default();
    if (n > BD_MAX_THREADS) {
        snprintf(err, errlen, "%d threads asked for, at most %d", n, BD_MAX_THREADS);
        return -1;
    }
    pthread_t *t = n > 1 ? malloc(sizeof *t * (size_t)(n - 1)) : NULL;
    if (n > 1 && !t) {
        snprintf(err, errlen, "out of memory starting %d threads", n);
        return -1;
    }
    gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    int started = 0, rc = 0;
    for (; started < n - 1; started++)
        if ((rc = pthread_create(&t[started], NULL, park, &g)) != 0)
            break;
    pthread_mutex_lock(&g.mu);
    g.released = 1;
    pthread_cond_broadcast(&g.go);
    pthread_mutex_unlock(&g.mu);
    for (int k = 0; k < started; k++)
        pthread_join(t[k], NULL);
    free(t);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start %d threads (%s): %d could start, try --threads %d",
                 n, strerror(rc), started + 1, started + 1);
        return -1;
    }
    omp_set_num_threads(n);
    return n;
}
