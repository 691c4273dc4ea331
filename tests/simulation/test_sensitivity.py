"""The sensitivity table: each variant changes what it names, and the table reports it per profile."""

import pytest

from kafka_platform.simulation import sensitivity
from kafka_platform.simulation.service import find_services


@pytest.fixture(scope="module")
def month_end_rows(synthesized):
    [loans] = find_services(synthesized.assembly, stage="Prod", name="loan-approvals")
    rows = sensitivity.measure_one(loans, profile_names=("month-end",), seeds=2)
    return {row.variant: row for row in rows}


def test_every_variant_is_measured_once(month_end_rows):
    assert list(month_end_rows) == list(sensitivity.VARIANTS)


def test_the_schedule_variants_move_the_month_end_as_they_should(month_end_rows):
    faithful, early, late, none = (month_end_rows[v] for v in ("faithful", "surge-0830", "surge-1000",
                                                               "no-schedule"))
    assert faithful.above_p90 == 0
    # A surge before the pre-warm, or no pre-warm at all: the reaction alone, minutes above the two-minute target.
    assert early.above_p90 >= 3 and none.above_p90 >= 3
    # A surge an hour after the pre-warm: on time, but an hour of every partition read for nothing.
    assert late.above_p90 == 0 and late.ratio_median > faithful.ratio_median + 0.2
    assert none.ratio_median < faithful.ratio_median


def test_a_model_variant_changes_the_model_not_the_schedule(month_end_rows):
    assert month_end_rows["capacity-min-c-p"].ratio_median > month_end_rows["faithful"].ratio_median + 0.2


def test_the_table_reports_the_worst_p90_per_profile():
    rows = [sensitivity.Row("faithful", "a", "month-end", 1.1, 0, 0), sensitivity.Row("faithful", "b", "crash", 1.3,
                                                                                      2, 4),
            sensitivity.Row("no-schedule", "a", "month-end", 1.0, 5, 6), sensitivity.Row("no-schedule", "b", "crash",
                                                                                         1.2, 2, 4)]
    assert sensitivity.table(rows).splitlines() == [
        "| assumption changed | x oracle (median) | change | month-end: worst p90 minutes | crash: worst p90 minutes |",
        "|---|---|---|---|---|",
        "| faithful: the defaults (engine.py) | 1.200 | +0.000 | 0 | 4 |",
        "| no-schedule: no scheduled action (the month-end pre-warm removed) | 1.100 | -0.100 | 6 | 4 |"]
