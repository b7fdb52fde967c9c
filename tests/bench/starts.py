#!/usr/bin/python3
"""Starts per second of many sessions at once (tests/bench/starts.sh drives it).

usage: starts.py BUDGET_S TARGET LEVEL... -- NAME=COMMAND...
  For each concurrency LEVEL and each NAME=COMMAND (split on blanks, no shell): start LEVEL
  copies of COMMAND at the same moment, wait for all, and repeat until TARGET starts were made
  or BUDGET_S seconds were spent on that level (at least one round). Each start is bounded by
  timeout(1) at 120 s. Prints, per level and command: starts per second (starts / wall time of
  the rounds), the median and p90 time of one start (launch to exit) and the failures, then the
  ratio of each command's rate to the first command's.
"""
import subprocess
import sys
import time

START_TIMEOUT = 120


def round_of(cmd, n):
    """n copies of cmd at once; their durations (s) and how many failed."""
    t0 = time.monotonic()
    procs = [subprocess.Popen(["timeout", "-k", "5", str(START_TIMEOUT)] + cmd,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(n)]
    durs, failed = [], 0
    pending = {p.pid: p for p in procs}
    while pending:
        for pid, p in list(pending.items()):
            if p.poll() is not None:
                durs.append(time.monotonic() - t0)
                failed += p.returncode != 0
                del pending[pid]
        time.sleep(0.002)
    return durs, failed, time.monotonic() - t0


def level(cmd, n, budget, target):
    durs, failed, wall, t_start = [], 0, 0.0, time.monotonic()
    while True:
        d, f, w = round_of(cmd, n)
        durs += d
        failed += f
        wall += w
        if len(durs) >= target or time.monotonic() - t_start >= budget:
            break
    durs.sort()
    return {"rate": len(durs) / wall, "p50": durs[len(durs) // 2],
            "p90": durs[min(len(durs) - 1, len(durs) * 9 // 10)], "n": len(durs),
            "failed": failed}


def main():
    if "--" not in sys.argv or len(sys.argv) < 6:
        sys.stderr.write(__doc__)
        return 2
    sep = sys.argv.index("--")
    budget, target = float(sys.argv[1]), int(sys.argv[2])
    levels = [int(x) for x in sys.argv[3:sep]]
    cmds = [a.split("=", 1) for a in sys.argv[sep + 1:]]
    print("%6s  %-12s %10s %9s %9s %6s %7s   %s" % ("level", "command", "starts/s", "p50 s",
                                                   "p90 s", "n", "failed", "rate ratio"))
    for n in levels:
        res = [(name, level(c.split(), n, budget, target)) for name, c in cmds]
        base = res[0][1]["rate"]
        for name, r in res:
            print("%6d  %-12s %10.1f %9.3f %9.3f %6d %7d   %.2fx of %s" % (
                n, name, r["rate"], r["p50"], r["p90"], r["n"], r["failed"], r["rate"] / base,
                res[0][0]))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
