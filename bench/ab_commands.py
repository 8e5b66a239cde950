#!/usr/bin/env python3
"""Alternate whole commands, one round after another, and print each one's median wall and CPU time.

For deciding between two builds on a shared, noisy machine: the rounds alternate the commands,
so drift over minutes hits all of them alike. CPU time is the children's user + system time.
A command may start with VAR=value words for its environment. Example (two copies of warbler):

    python3 bench/ab_commands.py 60 "./old spectrogram rec.wav --out a.npy --quiet" \\
                                    "./new spectrogram rec.wav --out b.npy --quiet"
"""

from __future__ import annotations

import os
import resource
import shlex
import statistics
import subprocess
import sys
import time


def main() -> int:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    rounds = int(sys.argv[1])
    specs = []
    for command in sys.argv[2:]:
        words = shlex.split(command)
        env = dict(os.environ)
        while words and "=" in words[0] and not words[0].startswith(("/", ".")):
            key, value = words.pop(0).split("=", 1)
            env[key] = value
        specs.append((words, env))
    wall: list[list[float]] = [[] for _ in specs]
    cpu: list[list[float]] = [[] for _ in specs]
    for _ in range(rounds):
        for i, (words, env) in enumerate(specs):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(words, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            wall[i].append((time.perf_counter() - t0) * 1e3)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[i].append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1e3)
    for command, w, c in zip(sys.argv[2:], wall, cpu):
        w.sort()
        print(f"{statistics.median(w):7.2f} ms wall (p25 {w[len(w) // 4]:.2f}, p75 {w[3 * len(w) // 4]:.2f}), "
              f"{statistics.median(c):6.1f} ms CPU  {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
