/* cli_video.c — backdrop EFFECT --video IN -o OUT: the effects on a YUV4MPEG2 stream.
 *
 * A pipeline of SLOTS frames in flight, each stage taking the frames in order:
 *   reader   (thread): read the planes, Y'CbCr -> RGB, the background frame
 *   network  (this thread, with the segmenter's OpenMP threads): bd_stream_segment
 *   composer (thread): temporal smoothing, matte, effect: bd_stream_composite
 *   writer   (thread): RGB -> Y'CbCr, write and flush the frame
 * so that while the network works on frame t the matte and effect of t - 1, the
 * conversion and writing of t - 2 and the reading of t + 1 go on beside it. The stages
 * other than the network run one OpenMP thread each: they are a small share of a frame
 * and fill the gaps the network's threads leave (its serial parts, its barriers).
 *
 * A fault (a bad or truncated input frame, a background that ends unexpectedly, a write
 * error) at frame k stops the reader; frames 1 .. k-1 still go through and are written,
 * then the error is reported and the exit code is 1. A file output is renamed into place
 * when the stream ends (a temporary name until then); nothing is created when no frame
 * could be read. BACKDROP_PIPELINE=serial runs the four stages one after the other on one
 * frame at a time (for comparisons in bench/).
 */
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "backdrop.h"
#include "cli/cli.h"
#include "io/clock.h"

#define SLOTS 4
#define NO_LIMIT 0x7fffffffL

enum { FREE, READ, SEGMENTED, COMPOSED };

typedef struct {
    int state;
    uint8_t *planes;             /* input frame as read */
    uint8_t *rgb;                /* its RGB */
    uint8_t *bg;                 /* replace with a picture/stream: this frame's background */
    float *prob;                 /* the network's probability on the matte grid */
    uint8_t *out;                /* composited RGB, or the mask */
    uint8_t *out_planes;         /* the output frame */
} slot;

typedef struct {
    const cli_video_job *job;
    bd_stream *stream;
    bd_y4m_reader *in, *bgin;
    bd_y4m_info info, out_info, bg_info;
    bd_y4m_writer *out;
    const uint8_t *bg_still;     /* a picture background, fitted once */
    uint8_t *bg_planes, *bg_rgb; /* a stream background: its frame */
    int mask, serial;
    slot s[SLOTS];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long limit;                  /* frames 0 .. limit-1 go through (NO_LIMIT: unknown yet) */
    long err_frame;              /* the frame the first fault is at */
    char err[512];
    int write_failed;
    long written;
    double t_read, t_net, t_comp, t_write, start;   /* busy ms per stage */
    int threads_used, tuned;     /* the network's threads at the end; chosen by the tuner */
} pipe_t;

/* Records a fault at frame f (0-based): frames from f on are dropped; the earliest fault
 * wins. Call with the lock held. */
static void fault(pipe_t *p, long f, const char *msg)
{
    if (f < p->limit) p->limit = f;
    if (f < p->err_frame) {
        p->err_frame = f;
        snprintf(p->err, sizeof p->err, "%s", msg);
    }
    pthread_cond_broadcast(&p->cv);
}

/* Waits until slot f is in state want; 0 then, -1 when frame f will not come. */
static int wait_for(pipe_t *p, long f, int want)
{
    slot *s = &p->s[f % SLOTS];
    while (f < p->limit && s->state != want) pthread_cond_wait(&p->cv, &p->mu);
    return f < p->limit ? 0 : -1;
}

static void set_state(pipe_t *p, long f, int state)
{
    pthread_mutex_lock(&p->mu);
    p->s[f % SLOTS].state = state;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* ------------------------------------------------------------------ stages ----------- */

/* The background for frame f of a .y4m background stream, looped. */
static int read_background(pipe_t *p, slot *s, char *err, size_t errlen)
{
    char e[400];
    int rc = bd_y4m_read_frame(p->bgin, p->bg_planes, e, sizeof e);
    if (rc == 0) {           /* its end: loop */
        if (bd_y4m_rewind(p->bgin, e, sizeof e) ||
            (rc = bd_y4m_read_frame(p->bgin, p->bg_planes, e, sizeof e)) != 1) rc = -1;
    }
    if (rc != 1) {
        snprintf(err, errlen, "%s", e);
        return -1;
    }
    if (bd_yuv_to_rgb(&p->bg_info, p->bg_planes, p->bg_rgb) ||
        bd_fit_cover(p->bg_rgb, p->bg_info.w, p->bg_info.h, 3, s->bg, p->info.w, p->info.h)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int stage_read(pipe_t *p, long f)
{
    slot *s = &p->s[f % SLOTS];
    char err[512], e[400];
    double t0 = bd_now_ms();
    int rc = bd_y4m_read_frame(p->in, s->planes, e, sizeof e);
    if (rc == 1 && bd_yuv_to_rgb(&p->info, s->planes, s->rgb)) {
        snprintf(e, sizeof e, "frame %ld: out of memory", f + 1);
        rc = -1;
    }
    if (rc == 1 && p->bgin && read_background(p, s, e, sizeof e)) rc = -1;
    p->t_read += bd_now_ms() - t0;
    pthread_mutex_lock(&p->mu);
    if (rc == 1) {
        s->state = READ;
        pthread_cond_broadcast(&p->cv);
    } else if (rc == 0) {
        if (f < p->limit) p->limit = f;
        pthread_cond_broadcast(&p->cv);
    } else {
        snprintf(err, sizeof err, "backdrop %s: %s", p->job->name, e);
        fault(p, f, err);
    }
    pthread_mutex_unlock(&p->mu);
    return rc == 1 ? 0 : -1;
}

/* The end of the network or compositing stage of frame f: on success the frame moves on to
 * `next`; on failure (rc != 0, reason e) the stream faults at this frame. */
static int stage_end(pipe_t *p, long f, int rc, const char *e, int next)
{
    if (rc) {
        char err[512];
        snprintf(err, sizeof err, "backdrop %s: frame %ld: %s", p->job->name, f + 1, e);
        pthread_mutex_lock(&p->mu);
        fault(p, f, err);
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    set_state(p, f, next);
    return 0;
}

static int stage_segment(pipe_t *p, long f)
{
    slot *s = &p->s[f % SLOTS];
    char e[400];
    double t0 = bd_now_ms();
    int rc = bd_stream_segment(p->stream, s->rgb, s->prob, e, sizeof e);
    p->t_net += bd_now_ms() - t0;
    return stage_end(p, f, rc, e, SEGMENTED);
}

static int stage_compose(pipe_t *p, long f)
{
    slot *s = &p->s[f % SLOTS];
    char e[400];
    double t0 = bd_now_ms();
    const uint8_t *bg = p->bgin ? s->bg : p->bg_still;
    int rc = bd_stream_composite(p->stream, s->rgb, s->prob, bg, s->out, e, sizeof e);
    p->t_comp += bd_now_ms() - t0;
    return stage_end(p, f, rc, e, COMPOSED);
}

static int stage_write(pipe_t *p, long f)
{
    slot *s = &p->s[f % SLOTS];
    char err[512], e[400];
    double t0 = bd_now_ms();
    int rc = 0;
    if (!p->out && !(p->out = bd_y4m_create(p->job->output, &p->out_info, e, sizeof e)))
        rc = -1;
    const uint8_t *frame = s->out;
    if (!rc && !p->mask) {
        if (bd_rgb_to_yuv(&p->out_info, s->out, s->out_planes)) {
            snprintf(e, sizeof e, "frame %ld: out of memory", f + 1);
            rc = -1;
        }
        frame = s->out_planes;
    }
    if (!rc && bd_y4m_write_frame(p->out, frame, e, sizeof e)) rc = -1;
    p->t_write += bd_now_ms() - t0;
    pthread_mutex_lock(&p->mu);
    if (rc) {
        p->write_failed = 1;
        snprintf(err, sizeof err, "backdrop %s: %s", p->job->name, e);
        fault(p, f, err);
    } else {
        p->written = f + 1;
        s->state = FREE;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    if (!rc && !p->job->quiet && isatty(2)) {
        static double last;
        double now = bd_now_ms();
        if (now - last > 500 || f == 0) {
            last = now;
            fprintf(stderr, "\rbackdrop %s: frame %ld, %.1f fps ", p->job->name, f + 1,
                    (f + 1) * 1e3 / (now - p->start));
        }
    }
    return rc;
}

/* ------------------------------------------------------------------ threads ---------- */

typedef struct {
    pipe_t *p;
    int want;                    /* the state this stage takes frames in */
    int (*run)(pipe_t *, long);
} stage_thread;

static void *stage_main(void *arg)
{
    stage_thread *t = arg;
    pipe_t *p = t->p;
    omp_set_num_threads(1);      /* the network has the cores' OpenMP threads */
    for (long f = 0;; f++) {
        pthread_mutex_lock(&p->mu);
        int go = wait_for(p, f, t->want) == 0;
        pthread_mutex_unlock(&p->mu);
        if (!go || t->run(p, f)) break;
    }
    return NULL;
}

/* The network's thread count. With --threads N it is N. By default it is tuned while the
 * stream runs: windows of TUNE_WINDOW frames are timed with 1 thread and with all of them
 * (the pipeline's rate, as seen by the network's loop, which the slots tie to the slowest
 * stage), the faster is kept for TUNE_KEEP frames, then both are timed again. On a busy
 * machine (or a small one, where the pipeline's other stages need a core too) one thread
 * can be the faster, and the default is then never much slower than --threads 1. */
#define TUNE_WINDOW 6
#define TUNE_KEEP 150
#define TUNE_START 3            /* frames for the pipeline to fill before timing */

typedef struct {
    int cand[2], ncand, cur;
    int phase;                  /* 0, 1: timing cand[phase]; 2: keeping the best */
    long phase_start;           /* first frame of the phase */
    double t0, took[2];
} thread_tuner;

static void tuner_init(thread_tuner *t, int fixed)
{
    memset(t, 0, sizeof *t);
    const int all = omp_get_max_threads();
    t->cand[0] = fixed > 0 ? fixed : all;
    t->cand[1] = 1;
    t->ncand = fixed > 0 || all == 1 ? 1 : 2;
    t->cur = t->cand[0];
    t->phase = t->ncand > 1 ? 0 : 2;
    t->phase_start = TUNE_START;
    omp_set_num_threads(t->cur);
}

static void tuner_frame(thread_tuner *t, long f)
{
    if (t->ncand < 2 || f < TUNE_START) return;
    const double now = bd_now_ms();
    if (f == t->phase_start) {
        t->t0 = now;
        return;
    }
    const long len = t->phase == 2 ? TUNE_KEEP : TUNE_WINDOW;
    if (f < t->phase_start + len) return;
    if (t->phase < 2) t->took[t->phase] = now - t->t0;
    t->phase = t->phase == 2 ? 0 : t->phase + 1;
    if (t->phase == 2) t->cur = t->took[1] < t->took[0] ? t->cand[1] : t->cand[0];
    else t->cur = t->cand[t->phase];
    omp_set_num_threads(t->cur);
    t->phase_start = f;
    t->t0 = now;
}

static void run_pipeline(pipe_t *p)
{
    if (p->serial) {
        for (long f = 0; f < p->limit; f++)
            if (stage_read(p, f) || stage_segment(p, f) || stage_compose(p, f) ||
                stage_write(p, f))
                break;
        return;
    }
    stage_thread st[3] = {{p, FREE, stage_read}, {p, SEGMENTED, stage_compose},
                          {p, COMPOSED, stage_write}};
    pthread_t th[3];
    int started = 0;
    for (; started < 3; started++)
        if (pthread_create(&th[started], NULL, stage_main, &st[started])) break;
    if (started < 3) {
        pthread_mutex_lock(&p->mu);
        fault(p, 0, "cannot start the pipeline's threads");
        pthread_mutex_unlock(&p->mu);
    } else {
        thread_tuner tu;
        tuner_init(&tu, p->job->threads);
        for (long f = 0;; f++) {      /* the network, on this thread */
            pthread_mutex_lock(&p->mu);
            int go = wait_for(p, f, READ) == 0;
            pthread_mutex_unlock(&p->mu);
            if (!go) break;
            tuner_frame(&tu, f);
            if (stage_segment(p, f)) break;
        }
        p->threads_used = tu.cur;
        p->tuned = tu.ncand > 1;
    }
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
}

/* ------------------------------------------------------------------ the job ---------- */

/* OpenMP threads that wait at a barrier spin by default; the pipeline's other threads then
 * find no core free, and on a busy machine a 2-thread network ran 3-6x slower than on one
 * thread (measured: 2.8 against 11.5 fps). libgomp reads OMP_WAIT_POLICY once, before
 * main, so when it is unset the video commands run themselves again with it set to
 * passive (the waiting threads sleep). Nothing has been read or written yet; on any
 * failure this returns and the stream runs with spinning. */
void cli_video_passive_wait(void)
{
    const char *pre = getenv("LD_PRELOAD");
    if (getenv("OMP_WAIT_POLICY") || (pre && strstr(pre, "vgpreload")))
        return;                       /* set already, or under valgrind (whose launcher
                                         /proc/self/exe would then be) */
    FILE *f = fopen("/proc/self/cmdline", "rb");
    if (!f) return;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    int whole = feof(f);
    fclose(f);
    if (!whole || n == 0) return;
    buf[n] = 0;
    char *args[1024];
    int argc = 0;
    for (size_t i = 0; i < n && argc < 1023; i += strlen(buf + i) + 1) args[argc++] = buf + i;
    args[argc] = NULL;
    if (argc >= 1023 || setenv("OMP_WAIT_POLICY", "passive", 1)) return;
    fflush(NULL);
    execv("/proc/self/exe", args);
    unsetenv("OMP_WAIT_POLICY");      /* exec failed: go on as we are */
}

static int has_y4m_ext(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && !strcasecmp(path + n - 4, ".y4m");
}

int cli_video_run(const cli_video_job *job)
{
    pipe_t p;
    memset(&p, 0, sizeof p);
    p.job = job;
    p.limit = NO_LIMIT;
    p.err_frame = NO_LIMIT;
    p.serial = getenv("BACKDROP_PIPELINE") && !strcmp(getenv("BACKDROP_PIPELINE"), "serial");
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    char err[512];
    int rc = BD_EXIT_FAIL;
    bd_image still = {0};
    uint8_t *fitted = NULL;
    const int bg_stream = job->background && has_y4m_ext(job->background);

    if (job->background && bg_stream && !strcmp(job->background, job->input)) {
        fprintf(stderr, "backdrop %s: the background stream cannot be the input stream\n",
                job->name);
        return BD_EXIT_USAGE;
    }
    if (job->threads > 0) omp_set_num_threads(job->threads);
    if (!(p.in = bd_y4m_open(job->input, &p.info, err, sizeof err))) {
        fprintf(stderr, "backdrop %s: %s\n", job->name, err);
        goto done;
    }
    const int w = p.info.w, h = p.info.h;
    if (job->background && !bg_stream) {
        if (bd_image_load(job->background, &still, err, sizeof err)) {
            fprintf(stderr, "backdrop %s: %s\n", job->name, err);
            goto done;
        }
        if (!(fitted = malloc((size_t)w * h * 3)) ||
            bd_fit_cover(still.data, still.w, still.h, 3, fitted, w, h)) {
            fprintf(stderr, "backdrop %s: out of memory\n", job->name);
            goto done;
        }
        p.bg_still = fitted;
    } else if (bg_stream) {
        if (!(p.bgin = bd_y4m_open(job->background, &p.bg_info, err, sizeof err))) {
            fprintf(stderr, "backdrop %s: %s\n", job->name, err);
            goto done;
        }
        p.bg_planes = malloc(bd_y4m_frame_bytes(&p.bg_info));
        p.bg_rgb = malloc((size_t)p.bg_info.w * p.bg_info.h * 3);
        if (!p.bg_planes || !p.bg_rgb) {
            fprintf(stderr, "backdrop %s: out of memory\n", job->name);
            goto done;
        }
    }
    if (!(p.stream = bd_stream_new(job->model, w, h, &job->stream, err, sizeof err))) {
        fprintf(stderr, "backdrop %s: %s\n", job->name, err);
        goto done;
    }
    p.mask = job->stream.fx.kind == BD_FX_MASK;
    p.out_info = p.info;
    if (p.mask) {
        p.out_info.chroma = BD_Y4M_MONO;
        p.out_info.range = BD_Y4M_RANGE_FULL;
    }
    int sw, sh;
    bd_stream_grid(p.stream, &sw, &sh);
    const size_t rgb_bytes = (size_t)w * h * 3;
    for (int i = 0; i < SLOTS; i++) {
        slot *s = &p.s[i];
        s->planes = malloc(bd_y4m_frame_bytes(&p.info));
        s->rgb = malloc(rgb_bytes);
        s->prob = malloc((size_t)sw * sh * sizeof(float));
        s->out = malloc(p.mask ? (size_t)w * h : rgb_bytes);
        s->out_planes = p.mask ? NULL : malloc(bd_y4m_frame_bytes(&p.out_info));
        s->bg = bg_stream ? malloc(rgb_bytes) : NULL;
        if (!s->planes || !s->rgb || !s->prob || !s->out || (!p.mask && !s->out_planes) ||
            (bg_stream && !s->bg)) {
            fprintf(stderr, "backdrop %s: out of memory for %dx%d frames\n", job->name, w, h);
            goto done;
        }
    }

    p.threads_used = job->threads > 0 ? job->threads : omp_get_max_threads();
    p.start = bd_now_ms();
    run_pipeline(&p);
    const double wall = bd_now_ms() - p.start;
    if (!job->quiet && isatty(2) && p.written) fputc('\n', stderr);

    if (p.out) {
        if (p.write_failed) {
            bd_y4m_writer_abort(p.out);
        } else if (bd_y4m_writer_finish(p.out, err, sizeof err)) {
            if (p.err_frame == NO_LIMIT)
                snprintf(p.err, sizeof p.err, "backdrop %s: %.400s", job->name, err);
            p.err_frame = 0;
        }
        p.out = NULL;
    }
    if (p.err_frame != NO_LIMIT) {
        fprintf(stderr, "%s\n", p.err);
        goto done;
    }
    rc = BD_EXIT_OK;
    if (!job->quiet)
        fprintf(stderr, "backdrop %s: %s -> %s: %ld frames %dx%d C%s F%d:%d, %.1f fps\n",
                job->name, !strcmp(job->input, "-") ? "stdin" : job->input,
                !strcmp(job->output, "-") ? "stdout" : job->output, p.written, w, h,
                bd_y4m_chroma_name(p.info.chroma), p.info.fps_num, p.info.fps_den,
                p.written * 1e3 / wall);
    if (job->timing && p.written) {
        bd_stream_stats st;
        bd_stream_get_stats(p.stream, &st);
        const double n = (double)p.written;
        fprintf(stderr,
                "time %ld frames %dx%d (%s, network on %d thread%s%s): wall %.1f ms/frame "
                "(%.1f fps); busy per frame: "
                "read+convert %.1f ms, network %.1f (softmax %.1f, %ld runs), composite %.1f "
                "(smooth %.1f, matte %.1f, effect %.1f), convert+write %.1f\n",
                p.written, w, h, p.serial ? "serial" : "pipelined", p.threads_used,
                p.threads_used == 1 ? "" : "s", p.tuned ? ", tuned" : "", wall / n, n * 1e3 / wall,
                p.t_read / n, p.t_net / n, st.mask_ms / n, st.network_runs, p.t_comp / n,
                st.smooth_ms / n, st.matte_ms / n, st.effect_ms / n, p.t_write / n);
    }
done:
    if (p.out) bd_y4m_writer_abort(p.out);
    for (int i = 0; i < SLOTS; i++) {
        free(p.s[i].planes);
        free(p.s[i].rgb);
        free(p.s[i].prob);
        free(p.s[i].out);
        free(p.s[i].out_planes);
        free(p.s[i].bg);
    }
    bd_stream_free(p.stream);
    bd_y4m_close(p.in);
    bd_y4m_close(p.bgin);
    free(p.bg_planes);
    free(p.bg_rgb);
    free(fitted);
    bd_image_free(&still);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    return rc;
}
