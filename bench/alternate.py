"""alternate.py — times several network runners against each other fairly: one timed run of
each in turn (A, B, C, A, B, C, ...; the first of each round rotates), all on the same input
and thread count, so that a noisy neighbour or a clock change hits every runner alike.

  alternate.py [--runs N] [--gap-ms G] [--warm W] NAME='COMMAND ...' NAME='COMMAND ...' ...

Each COMMAND is a runner started in serve mode (bench/bench_network, peer_xnnpack
--serve, peer_opencv.py --serve): it loads and warms up, prints `ready`, then answers each
`run` line on its stdin with `ms=X` (the time of that one run, measured inside the runner,
so process and model-loading costs are excluded). Runners are started one after another
and stay resident; G ms of idle separate two runs (default 50), so that the spinning
worker threads of one runner have gone to sleep before the next starts. With --warm W each
timed run comes right after W untimed ones of the same runner (default 0): then waking
worker threads that slept through the gap (on a VM, their idle vCPU too: seen here from
0.1 to 40 ms for a 4-ms network on 2 threads) is not timed, which is a fixed cost that
would otherwise weigh most on the fastest runner.
Prints the runners' other output prefixed with their name, then one line per runner
  alt NAME median_ms=X min_ms=Y max_ms=Z runs=N
and the time ratio of the first runner to each other one (below 1: the first is faster)
  ratio FIRST/NAME=R
Exit status 1 if a runner fails.
"""
import shlex
import statistics
import subprocess
import sys
import time


def usage():
    sys.exit("usage: alternate.py [--runs N] [--gap-ms G] [--warm W] NAME='COMMAND' NAME='COMMAND' ...")


class Runner:
    def __init__(self, name, command):
        self.name, self.command, self.ms = name, command, []
        self.proc = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)

    def read_until(self, prefix):
        """Echo the runner's lines until one starts with prefix; return that line."""
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line.startswith(prefix):
                return line
            print("%s: %s" % (self.name, line), flush=True)
        raise RuntimeError("%s exited (code %s) before printing '%s': %s"
                           % (self.name, self.proc.wait(), prefix, self.command))

    def run_once(self, warm=0):
        for _ in range(warm + 1):
            self.proc.stdin.write("run\n")
            self.proc.stdin.flush()
            ms = float(self.read_until("ms=")[3:])
        self.ms.append(ms)

    def finish(self):
        self.proc.stdin.close()
        for line in self.proc.stdout:
            print("%s: %s" % (self.name, line.rstrip("\n")), flush=True)
        return self.proc.wait()


def main(argv):
    runs, gap_ms, warm, specs = 10, 50.0, 0, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--runs", "--gap-ms", "--warm") and i + 1 < len(argv):
            if a == "--runs":
                runs = int(argv[i + 1])
            elif a == "--warm":
                warm = int(argv[i + 1])
            else:
                gap_ms = float(argv[i + 1])
            i += 2
            continue
        if "=" not in a or a.startswith("-"):
            usage()
        specs.append(a.split("=", 1))
        i += 1
    if len(specs) < 1 or runs < 1 or warm < 0:
        usage()

    runners = []
    try:
        for name, command in specs:        # one at a time: warm-ups do not overlap
            runners.append(Runner(name, command))
            runners[-1].read_until("ready")
        for r in range(runs):
            for j in range(len(runners)):
                time.sleep(gap_ms / 1000.0)
                runners[(r + j) % len(runners)].run_once(warm)
    except (RuntimeError, ValueError, BrokenPipeError) as e:
        print("alternate: %s" % e, file=sys.stderr)
        for x in runners:
            x.proc.kill()
        return 1
    failed = 0
    for x in runners:
        failed |= x.finish() != 0
    for x in runners:
        print("alt %s median_ms=%.3f min_ms=%.3f max_ms=%.3f runs=%d"
              % (x.name, statistics.median(x.ms), min(x.ms), max(x.ms), len(x.ms)))
    first = runners[0]
    for x in runners[1:]:
        print("ratio %s/%s=%.3f" % (first.name, x.name,
                                    statistics.median(first.ms) / statistics.median(x.ms)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
