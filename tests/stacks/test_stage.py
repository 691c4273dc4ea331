"""Composition: a stage per environment, stacks by concern, protection and tags from configuration."""

import pytest

from tests.support import resources


def test_one_stage_per_environment_named_for_cdk_deploy(synthesized):
    # Staging and prod have a standby in their DR region, its own stage (cdk deploy 'ProdDr/*').
    assert sorted(synthesized.assembly.stages()) == ["Dev", "Prod", "ProdDr", "Staging", "StagingDr"]


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
def test_stacks_by_concern(synthesized, stage):
    # DataAccess only where the environment declares data teams (staging and prod).
    data_access = ("DataAccess",) if stage != "Dev" else ()
    assert [s.name for s in synthesized.assembly.stacks(stage)] == [
        f"{stage}/{name}" for name in ("Network", "Alerting", "Kafka", "Consumers", "Connect", *data_access,
                                       "Observability")]


def test_each_stage_deploys_to_its_own_account_and_region(synthesized, environments):
    for environment in environments.values():
        for stack in synthesized.assembly.stacks(environment.stage_name):
            assert (stack.account, stack.region) == (environment.account, environment.region)


def test_retained_environments_are_protected_against_stack_deletion(synthesized):
    """Every stack of staging and prod (they retain their data), none of dev's (it is destroyed with its stacks)."""
    for name, protected in (("prod", True), ("staging", True), ("dev", False)):
        stacks = synthesized.assembly.stacks(synthesized.stages[name].stage_name)
        assert len(stacks) >= 6
        for stack in stacks:
            stage_stack = synthesized.stages[name].node.find_child(stack.name.split("/", 1)[1])
            assert stage_stack.termination_protection is protected, stack.stack_name


def test_configured_tags_reach_the_resources(synthesized):
    cluster = next(iter(resources(synthesized.raw("prod", "Kafka"), "AWS::MSK::Cluster").values()))
    assert cluster["Properties"]["Tags"] == {"cost-centre": "streaming-platform", "data-classification": "confidential",
                                             "environment": "prod", "managed-by": "kafka-platform"}


def test_no_template_carries_cdk_version_reporting(synthesized):
    for stack in synthesized.assembly.stacks():
        assert resources(stack.template, "AWS::CDK::Metadata") == {}


def test_stacks_reference_each_other_without_exports_that_would_lock_them(synthesized):
    assert "Outputs" not in synthesized.raw("prod", "Network") or all(
        "Export" not in o for o in synthesized.raw("prod", "Network")["Outputs"].values())
