"""The sizing rule rests on make bench-connect's measurements: its line must lie above every one of them."""

import json
import math
from pathlib import Path

import pytest

from kafka_platform.domain import connect_sizing
from kafka_platform.domain.connect_sizing import connectors_per_worker, heap_needed_mib, sizing_problem

RESULTS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks" / "connect" / "results.json"


def test_the_live_heap_line_bounds_every_measured_worker():
    results = [r for r in json.loads(RESULTS.read_text()) if "heap_used_mib" in r]
    assert len({r["connectors"] for r in results}) >= 2, "a line needs two connector counts at least"
    for result in results:
        busiest = math.ceil(result["connectors"] / result["workers"])
        line = connect_sizing.LIVE_HEAP_BASE_MIB + connect_sizing.LIVE_HEAP_PER_CONNECTOR_MIB * busiest
        assert max(result["heap_used_mib"]) <= line, result
        # and not far above it: a rule that asks for twice what is needed refuses clusters that would hold
        assert max(result["heap_used_mib"]) >= 0.5 * line, result


def test_a_lost_workers_connectors_land_on_the_others():
    assert connectors_per_worker(80, 2) == 80 and connectors_per_worker(80, 3) == 40
    assert connectors_per_worker(80, 1) == 80 and connectors_per_worker(81, 3) == 41


def test_the_shipped_sizes_hold_the_banks_80_connectors_and_a_small_task_does_not():
    assert sizing_problem(88, 8192, 3) is None and sizing_problem(88, 8192, 2) is None
    needed = heap_needed_mib(88, 2)
    problem = sizing_problem(88, 2 * needed - 2, 2)
    assert problem is not None and problem.startswith(f"{2 * needed - 2} MiB gives each worker a ")
    assert f"use the next memory_mib Fargate offers from {2 * needed}, or more min_workers" in problem
    assert sizing_problem(88, 2 * needed, 2) is None
    assert sizing_problem(0, 200, 1) is None


@pytest.mark.parametrize("connectors,min_workers", [(10, 2), (40, 2), (80, 3)])
def test_more_workers_or_memory_never_hurt(connectors, min_workers):
    assert heap_needed_mib(connectors, min_workers + 1) <= heap_needed_mib(connectors, min_workers)


def test_even_one_connector_must_fit_the_heap_and_none_always_does():
    from kafka_platform.domain.connect_sizing import sizing_problem

    assert sizing_problem(1, 200, 1) is not None and "of the 1 connectors" in sizing_problem(1, 200, 1)
    assert sizing_problem(0, 200, 1) is None
