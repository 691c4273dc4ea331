"""aws-cdk-lib's conventions across the public API, checked over everything ``kafka_platform`` exports, so that a
construct added later follows them too."""

import dataclasses
import inspect
import re

import pytest
from constructs import Construct

import kafka_platform

PUBLIC = {name: getattr(kafka_platform, name) for name in kafka_platform.__all__ if name != "__version__"}
CONSTRUCTS = {name: value for name, value in PUBLIC.items()
              if inspect.isclass(value) and "constructs" in value.__module__ and "__init__" in vars(value)}
# A number whose unit is in its name: aws-cdk-lib takes a Duration for time, a Size for bytes, RetentionDays for logs.
# Memory in MiB and volumes in GiB are aws-cdk-lib's and AWS's own convention (ecs.TaskDefinition, MSK), and stay.
UNIT_IN_NAME = re.compile(r"_(ms|millis|seconds|minutes|hours|days|bytes)$")


def keyword_props(construct: type) -> list[str]:
    parameters = inspect.signature(construct.__init__).parameters.values()
    return [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]


def test_the_public_constructs_are_all_checked():
    assert {"KafkaCluster", "KafkaTopic", "KafkaConsumerService", "DebeziumConnectCluster", "KafkaClusterAlarms",
            "PlatformNetwork", "DataTeamReadRole", "AlarmTopic", "PlatformDashboard"} <= set(CONSTRUCTS)


@pytest.mark.parametrize("name", sorted(CONSTRUCTS))
def test_no_public_prop_is_a_number_with_its_unit_in_its_name(name):
    assert [prop for prop in keyword_props(CONSTRUCTS[name]) if UNIT_IN_NAME.search(prop)] == []


def test_the_connector_spec_takes_a_duration_for_its_heartbeat():
    fields = [f.name for f in dataclasses.fields(kafka_platform.PostgresConnectorSpec)]
    assert "heartbeat_interval" in fields and not [f for f in fields if UNIT_IN_NAME.search(f)]


@pytest.mark.parametrize("name", sorted(CONSTRUCTS))
def test_alarms_are_routed_by_an_alarm_action_as_in_aws_cdk_lib(name):
    # One convention: ``alarm_action: cloudwatch.IAlarmAction`` (AlarmTopic.alarm_action, or any action of a team's).
    props = keyword_props(CONSTRUCTS[name])
    assert "alarm_topic" not in props
    if any(p.startswith("alarm") for p in props):
        assert "alarm_action" in props


@pytest.mark.parametrize("name", sorted(n for n, c in PUBLIC.items() if inspect.isclass(c) and issubclass(c, Construct)
                                         and "__init__" in vars(c)))
def test_help_describes_every_prop_where_ides_show_it(name):
    construct = PUBLIC[name]
    documented = inspect.getdoc(construct.__init__) or ""
    assert "Creates a new construct node" not in documented  # jsii's generic text, inherited from Construct
    parameters = inspect.signature(construct.__init__).parameters
    assert [p for p in parameters if p not in ("self", "scope") and f":param {p}:" not in documented] == []
    assert construct.__doc__ and not construct.__doc__.startswith("Creates a new construct")
