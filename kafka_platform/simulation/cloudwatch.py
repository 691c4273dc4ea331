"""CloudWatch alarm evaluation as the simulator applies it (aws-facts.md section 2).

``evaluate`` takes the latest ``evaluation_periods`` datapoints (None where missing) and returns the new state:

* ``missing``: missing points are left out; INSUFFICIENT_DATA only when every point is missing.
* ``notBreaching`` / ``breaching``: missing points count as not breaching / breaching.
* ``ignore``: missing points are left out; when every point is missing the state does not change.

The alarm is in ALARM when at least ``datapoints_to_alarm`` of the points considered breach. (CloudWatch may look
further back when points are missing; the simulator does not: an assumption in the alarm's favour of staying put.)
"""

from __future__ import annotations

from typing import Sequence

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"

_COMPARISONS = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}


def breaches(value: float, comparison: str, threshold: float) -> bool:
    return _COMPARISONS[comparison](value, threshold)


def evaluate(points: Sequence[float | None], *, comparison: str, threshold: float, datapoints_to_alarm: int,
             treat_missing_data: str, current_state: str) -> str:
    """The alarm's state after an evaluation over ``points`` (oldest first, length evaluation_periods)."""
    present = [p for p in points if p is not None]
    missing = len(points) - len(present)
    breaching = sum(1 for p in present if breaches(p, comparison, threshold))
    if treat_missing_data == "breaching":
        breaching += missing
    elif treat_missing_data in ("missing", "ignore") and not present:
        return current_state if treat_missing_data == "ignore" else INSUFFICIENT_DATA
    return ALARM if breaching >= datapoints_to_alarm else OK


def aggregate(values: Sequence[float], how: str) -> float:
    """Application Auto Scaling's MetricAggregationType over the datapoints that put the alarm in ALARM."""
    if how == "Maximum":
        return max(values)
    if how == "Minimum":
        return min(values)
    return sum(values) / len(values)
