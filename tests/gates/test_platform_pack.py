"""The KafkaPlatform pack inside cdk-nag: resources read as CloudFormation writes them, topology per stage."""

from aws_cdk import App, Stage
from aws_cdk import aws_cloudwatch as cloudwatch

from kafka_platform.gates.platform_pack import RULES, KafkaPlatformChecks, resource_view
from kafka_platform.gates.rules import DeclaredTopology
from tests.conftest import cdk_context
from tests.support import new_stack


def test_rule_names_are_unique_and_each_rule_lives_in_its_own_module():
    assert len({rule.name for rule in RULES}) == len(RULES) == 10
    assert len({rule.check.__module__ for rule in RULES}) == len(RULES)


def test_resources_are_read_in_cloudformation_form(synthesized):
    cluster = synthesized.stages["prod"].kafka.cluster.resource
    view = resource_view(cluster)
    assert view.type == "AWS::MSK::Cluster"
    assert view.properties["ClientAuthentication"]["Sasl"]["Iam"] == {"Enabled": True}


def lag_alarm_in_stage(app, stage_name, group):
    stage = Stage(app, stage_name)
    stack = new_stack(stage, "Consumers")
    metric = cloudwatch.Metric(namespace="AWS/Kafka", metric_name="SumOffsetLag",
                               dimensions_map={"Consumer Group": group, "Topic": "repayments"})
    cloudwatch.Alarm(stack, "Lag", metric=metric, threshold=1, evaluation_periods=1)


def test_each_stage_is_judged_against_its_own_topology():
    app = App(context=cdk_context())
    lag_alarm_in_stage(app, "Dev", "dev-group")
    lag_alarm_in_stage(app, "Prod", "dev-group")
    pack = KafkaPlatformChecks(topologies={
        "Dev": DeclaredTopology({"repayments": 6}, {"dev-group": ("repayments",)}),
        "Prod": DeclaredTopology({"repayments": 48}, {"prod-group": ("repayments",)})})
    report = pack.validate_scope(app)
    [violation] = report.violations
    assert violation.rule_name == "KafkaPlatform-LagAlarmDeclared[ConsumerGroup::dev-group]"
    assert [r.construct_path for r in violation.violating_resources] == ["Prod/Consumers/Lag/Resource"]


def test_an_app_without_stages_is_judged_against_the_one_topology_it_declares():
    # A team's own app: its stacks sit directly in the App; register_gates(app, DeclaredTopology(...)) applies to all.
    app = App(context=cdk_context())
    for name, group in (("Declared", "collections-workers"), ("Undeclared", "collections-other")):
        stack = new_stack(app, name)
        metric = cloudwatch.Metric(namespace="AWS/Kafka", metric_name="SumOffsetLag",
                                   dimensions_map={"Consumer Group": group, "Topic": "repayments"})
        cloudwatch.Alarm(stack, "Lag", metric=metric, threshold=1, evaluation_periods=1)
    pack = KafkaPlatformChecks(topologies=DeclaredTopology({"repayments": 48},
                                                           {"collections-workers": ("repayments",)}))
    [violation] = pack.validate_scope(app).violations
    assert violation.rule_name == "KafkaPlatform-LagAlarmDeclared[ConsumerGroup::collections-other]"
    assert [r.construct_path for r in violation.violating_resources] == ["Undeclared/Lag/Resource"]
