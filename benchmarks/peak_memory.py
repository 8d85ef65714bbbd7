"""The peak memory of this process, for probes that benchmarks run in a subprocess.

Why not ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` alone: on Linux a child keeps
the high-water mark its parent had when it forked, so a probe started by a benchmark
that already used 350 MB reports 350 MB whatever it did itself. ``VmHWM`` in
``/proc/self/status`` belongs to the process's own address space, made anew at exec;
``ru_maxrss`` is the fallback where there is no ``/proc``.

>>> peak_mb() > 1
True
"""

from __future__ import annotations

import re
import resource


def peak_mb() -> float:
    """This process's peak resident memory, in MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            found = re.search(r"VmHWM:\s+(\d+)", status.read())
        if found is not None:
            return int(found.group(1)) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
