"""A process's own peak memory.

On Linux `ru_maxrss` survives `exec`: a step started from a parent that once held gigabytes of benchmark data
reports the parent's peak, not its own. `VmHWM` in /proc/self/status belongs to the process's own address space,
which `exec` makes new, so it is the step's own peak."""
from __future__ import annotations

import resource
from pathlib import Path

STATUS = Path("/proc/self/status")


def peak_mb() -> float:
    """This process's own peak resident memory in MB: VmHWM where Linux gives it, else ru_maxrss."""
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Start this process's peak memory again from what it holds now (Linux's /proc/self/clear_refs), so each part of
    a step is measured alone; False where the system does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def resident_mb() -> float:
    """This process's resident memory now, in MB (VmRSS), or 0 where Linux does not give it."""
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0
