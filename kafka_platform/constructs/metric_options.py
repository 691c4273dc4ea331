"""The options every ``metric_*`` method takes, as in aws-cdk-lib.

aws-cdk-lib's own constructs (``bucket.metric_...``, ``queue.metric_...``) take ``cloudwatch.MetricOptions`` as
keyword arguments; ours do the same, typed for IDEs and type checkers (``**options: Unpack[MetricOptions]``):

* a method returning a ``cloudwatch.Metric`` takes ``MetricOptions`` (``color``, ``label``, ``period``, ``statistic``,
  ``unit``, ``account``, ``region``, ``dimensions_map``), applied over the platform's defaults (a one-minute period
  and an explicit statistic: CloudWatch's own defaults are 5 minutes and Average);
* a method returning a ``cloudwatch.MathExpression`` takes ``MathExpressionOptions`` (``color``, ``label``,
  ``period``, ``search_account``, ``search_region``);
* a method returning either (``cloudwatch.IMetric``: one topic gives a plain metric, several a math expression)
  takes ``SeriesOptions``: ``color``, ``label`` and ``period``, which both accept.

An option not in the list is refused with a ``ConfigurationError`` naming the method and the options it takes.
"""

from __future__ import annotations

from typing import Any, Mapping, TypedDict, TypeVar

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from kafka_platform.errors import raise_problems


class SeriesOptions(TypedDict, total=False):
    """What both a metric and a math expression take: how the series is drawn and aggregated in time."""

    #: The colour on a graph, as a hex string (``"#1f77b4"``).
    color: str
    #: The legend label.
    label: str
    #: The aggregation period (the platform's default is one minute).
    period: Duration


class MetricOptions(SeriesOptions, total=False):
    """``cloudwatch.MetricOptions`` as keyword arguments."""

    #: The statistic (``"Maximum"``, ``"Average"``, ``"p99"``, ...).
    statistic: str
    #: The unit CloudWatch filters the datapoints by; rarely needed.
    unit: cloudwatch.Unit
    #: The account the metric lives in (cross-account dashboards).
    account: str
    #: The region the metric lives in (cross-region dashboards).
    region: str
    #: Dimensions added to, or replacing, the metric's own.
    dimensions_map: Mapping[str, str]


class MathExpressionOptions(SeriesOptions, total=False):
    """``cloudwatch.MathExpressionOptions`` as keyword arguments."""

    #: The account whose metrics a SEARCH expression reads.
    search_account: str
    #: The region whose metrics a SEARCH expression reads.
    search_region: str


M = TypeVar("M", cloudwatch.Metric, cloudwatch.MathExpression, cloudwatch.IMetric)


def with_options(path: str, method: str, series: M, options: Mapping[str, Any], allowed: type[Any]) -> M:
    """``series`` with ``options`` applied (``with_``, as aws-cdk-lib does it); an unknown option is refused."""
    names: frozenset[str] = allowed.__required_keys__ | allowed.__optional_keys__
    unknown = sorted(set(options) - names)
    if unknown:
        raise_problems(path, [(f"{method}({unknown[0]}=...)", (
            f"is not an option of {method}; it takes {', '.join(sorted(names))} (aws-cdk-lib's "
            f"{allowed.__name__})"))])
    if not options:
        return series
    if isinstance(series, (cloudwatch.Metric, cloudwatch.MathExpression)):
        return series.with_(**options)  # type: ignore[return-value]
    raise TypeError(f"{method} returned a {type(series).__name__}, which takes no options")  # pragma: no cover
