#!/usr/bin/env python3
"""The cost model in README (Speed): how a world's instructions, time and memory grow with
the number of countries N and with the number of live agreements.

For each N in 30, 60, 100, 150, 198, 300, 400 (synthetic default worlds, one thread):
  - instructions inside the simulation (valgrind's callgrind, `Sim::new` + `Sim::step`),
    one world per seed, so that each world's count pairs with its own ticks and agreements;
  - wall time per world of `blocs run --worlds W --threads 1` (files written, no plots);
  - peak resident memory of `blocs run --worlds 1 --threads 1` (/usr/bin/time).
Then least-squares fits in logs: instructions per world ≈ a·N^b, seconds per world ≈ a·N^b,
and instructions per tick ≈ a·N^b·(1 + A)^c with A the mean number of live agreements over
the world's ticks. Residuals are the root mean square of the log residuals (0.1 ≈ ±10 %).

Instruction counts repeat to the instruction on a loaded machine; times do not (the
development machine is shared), which is why the fits of record are on instructions; the
time fit is printed beside them as measured, noise and all.

Usage (after `cargo build --release`, or with BLOCS_BIN naming another binary; needs
valgrind and Debian's `time`):
    python3 benches/cost_model.py [--quick] [--out /tmp/cost]
"""

import argparse
import csv
import math
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCS = os.environ.get("BLOCS_BIN", os.path.join(ROOT, "target", "release", "blocs"))
SIZES = [30, 60, 100, 150, 198, 300, 400]
# Worlds for the wall-time runs: about a second or two each at every N.
TIMED_WORLDS = {30: 400, 60: 200, 100: 60, 150: 30, 198: 16, 300: 6, 400: 4}


def scenario(out, n):
    path = os.path.join(out, f"n{n}.ron")
    with open(path, "w") as f:
        f.write(f"(name: \"cost_n{n}\", countries: Synthetic((countries: {n})))\n")
    return path


def callgrind(out, ron, seed):
    """Instructions inside the simulation for world 0 of `seed`, and its timeseries."""
    res = os.path.join(out, f"cg_{os.path.basename(ron)}_{seed}")
    cmd = [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={res}.out",
        "--toggle-collect=blocs_core::scheduler::run_world",
        "--toggle-collect=blocs_core::scheduler::Sim::new",
        "--toggle-collect=blocs_core::scheduler::Sim::step",
        BLOCS, "run", ron, "--seed", str(seed), "--worlds", "1", "--threads", "1",
        "--out", res, "--force", "-q", "--no-plots",
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    instr = int(re.search(r"Collected : (\d+)", p.stderr).group(1))
    with open(os.path.join(res, "timeseries.csv")) as f:
        rows = list(csv.DictReader(f))
    ticks = len(rows) - 1
    mean_agreements = sum(int(r["agreements"]) for r in rows) / len(rows)
    return instr, ticks, mean_agreements


def timed(out, ron, worlds, fmt):
    cmd = ["/usr/bin/time", "-f", fmt, BLOCS, "run", ron, "--seed", "1", "--worlds",
           str(worlds), "--threads", "1", "--out", os.path.join(out, "timed"), "--force",
           "-q", "--no-plots"]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(p.stderr.strip().splitlines()[-1])


def lstsq(xs, ys):
    """Least squares of ys on the columns xs (each a list), with an intercept."""
    rows = [[1.0] + [x[i] for x in xs] for i in range(len(ys))]
    k = len(rows[0])
    ata = [[sum(r[a] * r[b] for r in rows) for b in range(k)] for a in range(k)]
    aty = [sum(r[a] * y for r, y in zip(rows, ys)) for a in range(k)]
    # Gauss-Jordan on the normal equations (k ≤ 3, well conditioned in logs).
    m = [ata[a] + [aty[a]] for a in range(k)]
    for c in range(k):
        p = max(range(c, k), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(k):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [u - f * v for u, v in zip(m[r], m[c])]
    coef = [m[a][k] / m[a][a] for a in range(k)]
    fit = [sum(c * v for c, v in zip(coef, r)) for r in rows]
    rms = math.sqrt(sum((y - f) ** 2 for y, f in zip(ys, fit)) / len(ys))
    return coef, rms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/blocs-cost")
    ap.add_argument("--quick", action="store_true", help="2 seeds per N instead of 6")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    seeds = range(1, 3 if args.quick else 7)
    per_world = []  # (N, instructions, ticks, mean agreements)
    summary = []
    for n in SIZES:
        ron = scenario(args.out, n)
        worlds = [callgrind(args.out, ron, s) for s in seeds]
        per_world += [(n, *w) for w in worlds]
        instr = sum(w[0] for w in worlds) / len(worlds)
        secs = timed(args.out, ron, TIMED_WORLDS[n], "%e") / TIMED_WORLDS[n]
        rss_kb = timed(args.out, ron, 1, "%M")
        summary.append((n, instr, secs, rss_kb))
        print(f"N={n:4d}  instructions/world {instr:14,.0f}  ticks {sum(w[1] for w in worlds)/len(worlds):6.1f}"
              f"  agreements {sum(w[2] for w in worlds)/len(worlds):6.2f}  s/world {secs:.5f}"
              f"  peak RSS {rss_kb/1024:.1f} MB", flush=True)

    logn = [math.log(n) for n, *_ in per_world]
    (la, b), r = lstsq([logn], [math.log(i) for _, i, _, _ in per_world])
    print(f"\ninstructions/world ≈ {math.exp(la):.4g}·N^{b:.3f}  (rms log residual {r:.3f}, {len(per_world)} worlds)")
    (la, b), r = lstsq([[math.log(n) for n, *_ in summary]], [math.log(s) for _, _, s, _ in summary])
    print(f"seconds/world      ≈ {math.exp(la):.4g}·N^{b:.3f}  (rms log residual {r:.3f}, {len(summary)} sizes)")
    (la, b, c), r = lstsq(
        [logn, [math.log(1 + a) for *_, a in per_world]],
        [math.log(i / t) for _, i, t, _ in per_world],
    )
    print(f"instructions/tick  ≈ {math.exp(la):.4g}·N^{b:.3f}·(1 + A)^{c:.3f}  (rms log residual {r:.3f})")
    base = summary[0][3]
    print("peak RSS above the N = 30 run (MB): "
          + ", ".join(f"N={n}: {(k - base)/1024:.1f}" for n, _, _, k in summary))
    kb_n2 = [(k - base) / (n * n - SIZES[0] ** 2) for n, _, _, k in summary[1:]]
    print("bytes per N² above N = 30: " + ", ".join(f"{1024*x:.0f}" for x in kb_n2))
    with open(os.path.join(args.out, "cost_model.csv"), "w") as f:
        f.write("countries,instructions,ticks,mean_agreements\n")
        for row in per_world:
            f.write(",".join(str(x) for x in row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
