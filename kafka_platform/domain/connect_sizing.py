"""How many connectors a Connect cluster of a given size holds: the sizing rule docs/guides/add-a-connector.md gives, from what
``make bench-connect`` measured (``docs/benchmarks/connect/results.json``: two workers with the image's JVM, G1, heap half the
task's memory, on the real runtime tier).

* **Live heap** (after a full GC) of a worker that runs ``c`` Debezium PostgreSQL connectors:
  ``LIVE_HEAP_BASE_MIB + LIVE_HEAP_PER_CONNECTOR_MIB * c``, a line above the busiest worker's live heap at 10 and 20
  connectors on two workers (``tests/domain/test_connect_sizing.py`` holds the constants to the results file).
  Beyond 10 connectors a worker it is extrapolated: the 2-core machine that measured it holds no more than 20 beside
  its brokers and PostgreSQL (at 30 and 40 not every stream delivered).
* **A lost worker's connectors** move to the others once ``scheduled.rebalance.max.delay.ms`` has passed, so each
  worker must hold ``ceil(N / (min_workers - 1))`` of them (all N with one worker: then nothing takes them over).
* **Headroom**: the live set may use at most ``1 / HEAP_HEADROOM`` of the heap, so that G1 collects concurrently,
  without full pauses (inferred: G1's default ``InitiatingHeapOccupancyPercent`` is 45 %).

CPU is not part of the rule: at the bank's light change rate the workers' CPU stayed low, and CPU scaling
(``cpu_target_percent``) adds workers when it does not.
"""

from __future__ import annotations

import math

# Measured by make bench-connect (docs/benchmarks/connect/results.json); see the module docstring.
LIVE_HEAP_BASE_MIB = 48
LIVE_HEAP_PER_CONNECTOR_MIB = 10.0
HEAP_HEADROOM = 2


def connectors_per_worker(connectors: int, min_workers: int) -> int:
    """What the busiest worker holds with one worker lost (all of them on a cluster of one)."""
    return math.ceil(connectors / max(1, min_workers - 1))


def heap_needed_mib(connectors: int, min_workers: int) -> int:
    return math.ceil(HEAP_HEADROOM * (LIVE_HEAP_BASE_MIB + LIVE_HEAP_PER_CONNECTOR_MIB *
                                      connectors_per_worker(connectors, min_workers)))


def sizing_problem(connectors: int, memory_mib: int, min_workers: int) -> str | None:
    """Why ``connectors`` do not fit workers of ``memory_mib`` (heap: half of it), ``min_workers`` of them, or None."""
    if connectors == 0:
        return None
    heap, needed = memory_mib // 2, heap_needed_mib(connectors, min_workers)
    if heap >= needed:
        return None
    share = connectors_per_worker(connectors, min_workers)
    least = 2 * needed
    return (f"{memory_mib} MiB gives each worker a {heap} MiB heap, and with one of the {min_workers} workers lost "
            f"the busiest holds {share} of the {connectors} connectors, which need {needed} MiB "
            f"({HEAP_HEADROOM} x ({LIVE_HEAP_BASE_MIB} + {LIVE_HEAP_PER_CONNECTOR_MIB:g} per connector), measured by "
            f"make bench-connect); use the next memory_mib Fargate offers from {least}, or more min_workers")
