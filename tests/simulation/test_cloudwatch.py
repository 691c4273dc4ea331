"""Alarm evaluation, hand-computed: M of N datapoints, and each missing-data treatment.

Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html.
"""

import pytest

from kafka_platform.simulation.cloudwatch import ALARM, INSUFFICIENT_DATA, OK, aggregate, evaluate


def state(points, *, threshold=100, comparison="GreaterThanOrEqualToThreshold", datapoints=1, missing="missing",
          current=OK):
    return evaluate(points, comparison=comparison, threshold=threshold, datapoints_to_alarm=datapoints,
                    treat_missing_data=missing, current_state=current)


@pytest.mark.parametrize("comparison,value,expected", [
    ("GreaterThanOrEqualToThreshold", 100, ALARM), ("GreaterThanOrEqualToThreshold", 99.9, OK),
    ("GreaterThanThreshold", 100, OK), ("GreaterThanThreshold", 100.1, ALARM),
    ("LessThanOrEqualToThreshold", 100, ALARM), ("LessThanOrEqualToThreshold", 100.1, OK),
    ("LessThanThreshold", 100, OK), ("LessThanThreshold", 99.9, ALARM),
])
def test_the_comparison_decides_whether_the_threshold_itself_breaches(comparison, value, expected):
    assert state([value], comparison=comparison) == expected


def test_m_of_n_needs_m_breaching_datapoints_in_the_last_n():
    # 8 of 10 below 90: seven breaching points are not enough, eight are, wherever they fall in the window.
    points = [50] * 7 + [200] * 3
    assert state(points, threshold=90, comparison="LessThanOrEqualToThreshold", datapoints=8) == OK
    points = [200, 50, 50, 50, 200, 50, 50, 50, 50, 50]
    assert state(points, threshold=90, comparison="LessThanOrEqualToThreshold", datapoints=8) == ALARM


def test_missing_leaves_missing_points_out_and_lacks_data_only_when_all_are_missing():
    assert state([None], missing="missing") == INSUFFICIENT_DATA
    assert state([None, 150], missing="missing", datapoints=1) == ALARM
    # Two of three breach among the points present: with 3 needed it is OK, not ALARM and not stuck.
    assert state([None, 150, 150], missing="missing", datapoints=3) == OK


def test_not_breaching_counts_a_gap_as_fine_so_scale_in_never_runs_on_a_rebalance():
    low = dict(threshold=90, comparison="LessThanOrEqualToThreshold", datapoints=8, missing="notBreaching")
    assert state([50] * 8 + [None, None], **low) == ALARM
    assert state([50] * 7 + [None, None, None], **low) == OK
    assert state([None] * 10, **low) == OK


def test_breaching_counts_a_gap_as_a_breach():
    assert state([None], missing="breaching") == ALARM
    assert state([None, None, 50], missing="breaching", datapoints=3) == OK


def test_ignore_keeps_the_state_when_every_point_is_missing():
    assert state([None, None], missing="ignore", current=ALARM) == ALARM
    assert state([None, None], missing="ignore", current=OK) == OK
    assert state([None, 150], missing="ignore", current=OK) == ALARM


@pytest.mark.parametrize("how,expected", [("Maximum", 30), ("Minimum", 10), ("Average", 20)])
def test_metric_aggregation_over_the_datapoints(how, expected):
    assert aggregate([10, 20, 30], how) == expected


def test_missing_points_treated_as_breaching_add_to_those_that_breach():
    # Found by `make mutate`: 1 breaching point and 1 missing one, 2 of 3 to alarm: ALARM only if both count.
    assert evaluate([5.0, None, 0.0], comparison="GreaterThanOrEqualToThreshold", threshold=1, datapoints_to_alarm=2,
                    treat_missing_data="breaching", current_state="OK") == ALARM
