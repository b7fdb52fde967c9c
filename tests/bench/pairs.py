#!/usr/bin/python3
"""Wall and CPU time of commands run alternately, side by side (tests/bench/startup.sh and
others drive it).

usage: pairs.py ROUNDS [--warmup N] [--shell] NAME=COMMAND...
  Each round runs every COMMAND once, in an order that rotates from round to round, so that a
  change in the machine's load falls on all of them alike. COMMAND is split on blanks (no shell)
  unless --shell is given (then it runs under /bin/sh -c). Wall time is from the launch to the
  command's exit, as a caller sees it. CPU time is user + system time of *every* process the
  command started, detached ones too: this process is a child subreaper (prctl(2)
  PR_SET_CHILD_SUBREAPER), so orphans are re-parented here, and each process's rusage is
  collected as it is reaped (wait4(2)), until none is left. Prints per command the median wall
  and CPU (ms) with the interquartile range, and the ratio of each median to the first
  command's. Exit status 1 when a command failed.
"""
import ctypes
import os
import shlex
import statistics
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def one(argv):
    """Run argv; (wall s, cpu s, exit status) with every descendant reaped."""
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(os.devnull, os.O_RDWR)
            os.dup2(fd, 0)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    wall, cpu, status = None, 0.0, None
    while True:
        try:
            p, st, ru = os.wait4(-1, 0)
        except ChildProcessError:
            break
        cpu += ru.ru_utime + ru.ru_stime
        if p == pid:
            wall = time.monotonic() - t0
            status = os.waitstatus_to_exitcode(st)
    return wall, cpu, status


def q(v, f):
    v = sorted(v)
    return v[min(len(v) - 1, int(f * len(v)))]


def main():
    args = sys.argv[1:]
    if not args:
        sys.stderr.write(__doc__)
        return 2
    rounds, warmup, shell = int(args.pop(0)), 2, False
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--warmup":
            warmup = int(args.pop(0))
        elif a == "--shell":
            shell = True
    cmds = []
    for a in args:
        name, cmd = a.split("=", 1)
        cmds.append((name, ["/bin/sh", "-c", cmd] if shell else shlex.split(cmd)))
    if not cmds:
        sys.stderr.write(__doc__)
        return 2
    subreaper()
    res = {n: ([], []) for n, _ in cmds}
    failed = 0
    for r in range(-warmup, rounds):
        k = r % len(cmds)
        for name, argv in cmds[k:] + cmds[:k]:
            w, c, st = one(argv)
            if st != 0:
                failed += 1
                sys.stderr.write("pairs: %s exited %s\n" % (name, st))
            if r >= 0:
                res[name][0].append(w)
                res[name][1].append(c)
    base = cmds[0][0]
    bw, bc = (statistics.median(x) for x in res[base])
    print("%-22s %10s %16s %10s %16s %8s %8s" % ("command", "wall ms", "(IQR)", "CPU ms", "(IQR)",
                                               "wall/1st", "CPU/1st"))
    for name, _ in cmds:
        w, c = res[name]
        mw, mc = statistics.median(w), statistics.median(c)
        print("%-22s %10.2f %16s %10.2f %16s %7.2fx %7.2fx" % (
            name, mw * 1e3, "(%.1f-%.1f)" % (q(w, .25) * 1e3, q(w, .75) * 1e3), mc * 1e3,
            "(%.1f-%.1f)" % (q(c, .25) * 1e3, q(c, .75) * 1e3), mw / bw, mc / bc if bc else 0))
    print("(%d rounds, medians; %d CPUs, load average %s)" % (
        rounds, os.cpu_count(), " ".join(open("/proc/loadavg").read().split()[:3])))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
