/* bochs_init.c — PID 1 of the initramfs that tests/emu/bochs_run.sh boots under Bochs.
 *
 * It mounts /proc, /sys and /dev (devtmpfs), puts the serial console on stdout and
 * stderr (stdin is /dev/null), reports whether the (emulated) CPU has AVX-512 and
 * whether the kernel enabled the zmm register state, then runs the one program the
 * runner packed:
 *   /bochs_run/argv  NUL-separated: the program's path in the guest, then its argv
 *   /bochs_run/env   NUL-separated VAR=VALUE strings, the whole environment (last wins)
 *   /bochs_run/cwd   the working directory (no trailing newline)
 *   /bochs_run/require  optional: /proc/cpuinfo flags the CPU must have, one a line
 *                       (the runner's --vnni writes avx512_vnni)
 * and prints marker lines the runner looks for on the serial log:
 *   BOCHS_RUN_CPU avx512f=N avx512dq=N avx512bw=N avx512vl=N avx512_vnni=N zmm_state=N
 *   BOCHS_RUN_BEGIN                 (the program's output follows)
 *   BOCHS_RUN_EXIT=<code>           (128+signal when it was killed by a signal)
 * The program does not run (exit 125 reported) when the CPU lacks avx512f, or a flag
 * that /bochs_run/require names, so a misconfigured emulator cannot pass a test.
 * When /bochs_run/dmesg exists, the kernel log is printed first (to debug the boot).
 * Then it powers the machine off through ACPI, which makes Bochs quit (the runner
 * usually kills Bochs as soon as the status line is complete).
 * Built by the runner with: gcc -std=c11 -O2 -static -Wall -Wextra -Werror. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void say(const char *s) { /* unbuffered: the serial log must have it before poweroff */
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void power_off(void) {
    tcdrain(1); /* the tty must have sent everything to the UART */
    sync();
    reboot(RB_POWER_OFF);
    for (;;) pause(); /* PID 1 must not exit: that would panic and reboot */
}

/* Reads a whole file; returns a malloc'd buffer (NUL added past the end) or NULL. */
static char *slurp(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) break;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (buf) buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

/* Splits a NUL-separated buffer into a NULL-terminated vector. */
static char **split0(char *buf, size_t len) {
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\0') count++;
    if (len > 0 && buf[len - 1] != '\0') count++;
    char **v = calloc(count + 1, sizeof *v);
    if (!v) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len && k < count; k++) {
        v[k] = buf + i;
        i += strlen(buf + i) + 1;
    }
    return v;
}

/* Prints the kernel log records ("<prio>,<seq>,<usec>,-;text") as "[usec] text". */
static void dump_kmsg(void) {
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    if (fd < 0) return;
    char rec[2048], out[2100];
    for (;;) {
        ssize_t n = read(fd, rec, sizeof rec - 1);
        if (n < 0 && errno == EPIPE) continue; /* overwritten records */
        if (n <= 0) break;
        rec[n] = '\0';
        char *semi = strchr(rec, ';');
        unsigned long long usec = 0;
        sscanf(rec, "%*d,%*u,%llu", &usec);
        snprintf(out, sizeof out, "[%8.3f] %s", usec / 1e6, semi ? semi + 1 : rec);
        say(out);
    }
    close(fd);
}

/* 1 when the "flags" line of /proc/cpuinfo has the word `flag`. */
static int has_flag(const char *cpuinfo, const char *flag) {
    const char *line = cpuinfo ? strstr(cpuinfo, "\nflags") : NULL;
    if (!line) return 0;
    const char *end = strchr(line + 1, '\n');
    size_t fl = strlen(flag);
    for (const char *p = strchr(line, ':'); p && (!end || p < end); p = strchr(p + 1, ' ')) {
        const char *w = p + 1;
        if (strncmp(w, flag, fl) == 0 && (w[fl] == ' ' || w[fl] == '\n' || w[fl] == '\0'))
            return 1;
    }
    return 0;
}

/* 1 when the OS enabled opmask + zmm state in XCR0 (bits 1,2,5,6,7). */
static int zmm_state_enabled(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0; /* OSXSAVE */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xe6u) == 0xe6u;
}

int main(void) {
    mkdir("/proc", 0555);
    mkdir("/dev", 0755);
    mkdir("/tmp", 01777);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    mkdir("/sys", 0555);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    int con = open("/dev/console", O_RDWR | O_NOCTTY);
    if (con >= 0) {
        dup2(con, 1);
        dup2(con, 2);
        if (con > 2) close(con);
    }
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0 && nul != 0) { dup2(nul, 0); close(nul); }

    char *cpuinfo = slurp("/proc/cpuinfo", NULL);
    int f = has_flag(cpuinfo, "avx512f"), dq = has_flag(cpuinfo, "avx512dq");
    int bw = has_flag(cpuinfo, "avx512bw"), vl = has_flag(cpuinfo, "avx512vl");
    int vnni = has_flag(cpuinfo, "avx512_vnni");
    int zmm = zmm_state_enabled();
    char line[256];
    snprintf(line, sizeof line,
             "\nBOCHS_RUN_CPU avx512f=%d avx512dq=%d avx512bw=%d avx512vl=%d avx512_vnni=%d "
             "zmm_state=%d\n",
             f, dq, bw, vl, vnni, zmm);
    say(line);
    if (!f || !zmm) {
        say("BOCHS_RUN_BEGIN\nBOCHS_RUN_EXIT=125\n");
        power_off();
    }
    char *req = slurp("/bochs_run/require", NULL);
    for (char *w = req ? strtok(req, " \n") : NULL; w; w = strtok(NULL, " \n")) {
        if (!has_flag(cpuinfo, w)) {
            snprintf(line, sizeof line, "BOCHS_RUN_MISSING %.100s\nBOCHS_RUN_BEGIN\nBOCHS_RUN_EXIT=125\n", w);
            say(line);
            power_off();
        }
    }

    size_t alen = 0, elen = 0;
    char *abuf = slurp("/bochs_run/argv", &alen);
    char *ebuf = slurp("/bochs_run/env", &elen);
    char *cwd = slurp("/bochs_run/cwd", NULL);
    char **argv = abuf ? split0(abuf, alen) : NULL;
    char **envp = ebuf ? split0(ebuf, elen) : NULL;
    if (!argv || !argv[0] || !argv[1] || !envp) {
        say("BOCHS_RUN_BEGIN\nbochs_init: missing /bochs_run/argv or /bochs_run/env\n"
            "BOCHS_RUN_EXIT=126\n");
        power_off();
    }
    say("BOCHS_RUN_BEGIN\n");
    if (access("/bochs_run/dmesg", F_OK) == 0) dump_kmsg();
    pid_t pid = fork();
    if (pid == 0) {
        if (cwd && cwd[0] && chdir(cwd) != 0) {
            snprintf(line, sizeof line, "bochs_init: chdir: %s\n", strerror(errno));
            say(line);
            _exit(126);
        }
        clearenv();
        for (char **e = envp; *e; e++) putenv(*e); /* a later VAR= replaces an earlier one */
        execve(argv[0], argv + 1, environ);
        snprintf(line, sizeof line, "bochs_init: exec %.150s: %s\n", argv[0], strerror(errno));
        say(line);
        _exit(errno == ENOENT ? 127 : 126);
    }
    int code = 126;
    if (pid > 0) {
        int st = 0;
        for (;;) { /* as PID 1 we also reap orphans: wait for our child only */
            pid_t w = waitpid(-1, &st, 0);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) break;
            if (w == pid) {
                code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
            }
        }
    }
    snprintf(line, sizeof line, "\nBOCHS_RUN_EXIT=%d\n", code);
    say(line);
    power_off();
    return 0;
}
