"""Waiting for LevelDB's background compaction, for benchmarks that time work after a bulk load.

LevelDB compacts in a background thread of the process, for up to a minute after a large load or
after opening a copied database; timing blocks meanwhile measures them against a busy second core.
"""

from __future__ import annotations

import contextlib
import os
import time


def background_cpu_ms() -> float | None:
    """CPU time of this process's threads but the main one (LevelDB's compaction thread), or
    None where /proc/self/task is not there."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return None
    ticks = 0
    for task in tasks:
        if task == str(os.getpid()):
            continue
        with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def settle(limit: float = 300.0) -> float:
    """Wait until LevelDB's background compaction has stopped (no CPU for 2 s): a state copied
    or filled just now is compacted for up to a minute, which would run during the timed blocks
    and take the second core. Returns the seconds waited."""
    started = time.perf_counter()
    last = background_cpu_ms()
    quiet = 0.0
    while last is not None and quiet < 2.0 and time.perf_counter() - started < limit:
        time.sleep(0.5)
        now = background_cpu_ms()
        quiet = quiet + 0.5 if now == last else 0.0
        last = now
    return time.perf_counter() - started
