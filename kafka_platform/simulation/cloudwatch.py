"""CloudWatch alarm evaluation as the simulator applies it.

An alarm evaluated each minute looks at an **evaluation range** wider than its ``evaluation_periods`` N (CloudWatch's
documentation: when the newest points are missing it uses older real ones); ``window`` picks the points it judges:

* at least N real points in the range: the N most recent real ones (missing-data treatment not used);
* fewer: every real point in the range, the rest filled by the treatment.

How much wider the range is, AWS does not say for one-minute periods: ``EVALUATION_RANGE_EXTRA`` periods (*inferred*;
the sensitivity table measures 0 against it). ``evaluate`` then applies the treatment to the window:

* ``missing``: missing points are left out; INSUFFICIENT_DATA only when every point is missing.
* ``notBreaching`` / ``breaching``: missing points count as not breaching / breaching.
* ``ignore``: missing points are left out; when every point is missing the state does not change.

The alarm is in ALARM when at least ``datapoints_to_alarm`` of the points considered breach.

Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html;
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html.
"""

from __future__ import annotations

from typing import Sequence

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
EVALUATION_RANGE_EXTRA = 2

_COMPARISONS = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}


def breaches(value: float, comparison: str, threshold: float) -> bool:
    return _COMPARISONS[comparison](value, threshold)


def window(evaluation_range: Sequence[float | None], periods: int) -> list[float | None]:
    """The points an alarm of ``periods`` evaluation periods judges, from its evaluation range (oldest first)."""
    real: list[float | None] = [p for p in evaluation_range if p is not None]
    if len(real) >= periods:
        return real[-periods:]
    return real + [None] * (periods - len(real))


def evaluate(points: Sequence[float | None], *, comparison: str, threshold: float, datapoints_to_alarm: int,
             treat_missing_data: str, current_state: str) -> str:
    """The alarm's state after an evaluation over ``points`` (a ``window``: N points, None where missing)."""
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
