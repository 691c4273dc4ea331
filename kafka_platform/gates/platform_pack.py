"""``KafkaPlatformChecks``: the bank's own cdk-nag pack, for what cdk-nag's packs do not check.

The pack only lists rules (``kafka_platform.gates.rules``) and adapts them to cdk-nag: each resource is resolved to
its CloudFormation properties once, and only rules for its type are applied.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Mapping

import jsii
from aws_cdk import CfnResource, Stack, Stage
from cdk_nag import IApplyRule, NagMessageLevel, NagPack, NagRuleCompliance

from kafka_platform.domain.consumers import SCALABLE_TARGET_METADATA_KEY
from kafka_platform.domain.data_products import DATA_TEAM_METADATA_KEY
from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource, Rule
from kafka_platform.gates.rules import (consumer_tasks_within_partitions, data_team_reads_curated_only,
                                        iam_policies_managed, kms_key_policy_least_privilege, lag_alarm_declared,
                                        msk_configuration_durable, msk_customer_managed_key,
                                        msk_iam_authentication_only, msk_public_access_disabled,
                                        no_secret_in_environment)

PACK_NAME = "KafkaPlatform"
RULES: tuple[Rule, ...] = (
    msk_customer_managed_key.RULE,
    msk_iam_authentication_only.RULE,
    msk_public_access_disabled.RULE,
    msk_configuration_durable.RULE,
    no_secret_in_environment.RULE,
    lag_alarm_declared.RULE,
    consumer_tasks_within_partitions.RULE,
    iam_policies_managed.RULE,
    data_team_reads_curated_only.RULE,
    kms_key_policy_least_privilege.RULE,
)
#: The CloudFormation metadata rules read (the rest of a resource's metadata is not theirs).
METADATA_KEYS = (SCALABLE_TARGET_METADATA_KEY, DATA_TEAM_METADATA_KEY)


def resource_view(node: CfnResource) -> Resource:
    """The resource as CloudFormation will see it (raw property overrides excepted, as in cdk-nag's own rules).
    Properties are resolved before rendering: L2s hand some to their L1 as lazy values."""
    stack = Stack.of(node)
    properties = stack.resolve(node._render_properties(stack.resolve(node._cfn_properties))) or {}  # noqa: SLF001
    metadata = {key: stack.resolve(value) for key in METADATA_KEYS if (value := node.get_metadata(key)) is not None}
    return Resource(type=node.cfn_resource_type, properties=properties, metadata=metadata, path=node.node.path)


@jsii.implements(IApplyRule)
class _AppliedRule:
    """One rule on one resource, in the shape cdk-nag's ``applyRule`` calls back."""

    def __init__(self, rule: Rule, node: CfnResource, resource: Callable[[], Resource],
                 topology: DeclaredTopology | None):
        self._rule, self._node, self._resource, self._topology = rule, node, resource, topology

    @property
    def rule_suffix_override(self) -> str:
        return self._rule.name

    @property
    def info(self) -> str:
        return self._rule.info

    @property
    def explanation(self) -> str:
        return self._rule.explanation

    @property
    def level(self) -> NagMessageLevel:
        return NagMessageLevel.ERROR

    @property
    def node(self) -> CfnResource:
        return self._node

    def rule(self, node: CfnResource) -> Any:
        # Read inside the callback: cdk-nag reports an exception here as a violation of this rule, on this
        # resource, instead of the whole pack failing.
        result = self._rule.check(self._resource(), self._topology)
        if isinstance(result, list):
            return result
        return NagRuleCompliance.COMPLIANT if result is Compliance.COMPLIANT else NagRuleCompliance.NOT_APPLICABLE


class KafkaPlatformChecks(NagPack):
    """MSK security and durability, secrets in clear, lag alarms on declared groups and topics, and consumer
    capacity within partitions. ``topologies`` maps a stage name (``Prod``) to what that environment declares, or is
    one ``DeclaredTopology`` for a whole app (a team's app without stages)."""

    def __init__(self, scope: Any = None, *,
                 topologies: Mapping[str, DeclaredTopology] | DeclaredTopology | None = None,
                 verbose: bool = True) -> None:
        super().__init__(scope, verbose=verbose)
        self._pack_name = PACK_NAME
        self._app_topology = topologies if isinstance(topologies, DeclaredTopology) else None
        self._topologies = {} if isinstance(topologies, DeclaredTopology) else dict(topologies or {})

    @property
    def name(self) -> str:
        return PACK_NAME

    def _check_resource(self, node: CfnResource) -> None:
        rules = [rule for rule in RULES if node.cfn_resource_type in rule.resource_types]
        if not rules:
            return
        resource = functools.cache(lambda: resource_view(node))
        stage = Stage.of(node)
        topology = self._topologies.get(stage.stage_name, self._app_topology) if stage is not None else \
            self._app_topology
        for rule in rules:
            self._apply_rule(_AppliedRule(rule, node, resource, topology))
