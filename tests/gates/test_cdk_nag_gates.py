"""cdk-nag (AwsSolutions, PCI DSS 3.2.1, NIST 800-53 rev 5) and the KafkaPlatform pack on every environment.

Findings are read from the validation report that synthesis writes: the gates run where ``make synth`` runs them.
"""

import re
from collections import Counter

from kafka_platform.gates.report import report_failures
from kafka_platform.gates.acknowledge import MIN_REASON_CHARS

SERVICES = ("loan-approvals", "repayments-processor", "credit-assessment", "card-fraud-screening")
# Every acknowledgment in the shipped environments, by rule and construct path (stage replaced by <Stage>).
# A new one must be added here, where a reviewer sees it; the reasons live next to the code that acknowledges.
FUNCTIONS = ("<Stage>/Kafka/Cluster/BootstrapBrokersFunction", "<Stage>/Connect/Connect/Reconciler",
             "<Stage>/Connect/Connect/HealthMonitor", "<Stage>/Connect/Connect/RestAccess/Initializer",
             "<Stage>/Connect/Connect/RestAccess/Rotator")
EXPECTED_ACKNOWLEDGMENTS = Counter({
    # Every platform function: Describe on "*", its network interfaces (scoped by VPC), no dead-letter queue.
    **{("AwsSolutions-IAM5[Resource::*]", f"{function}/Role/Policy/Resource"): 1 for function in FUNCTIONS},
    **{("AwsSolutions-IAM5[Resource::arn:aws:ec2:eu-west-2:<Account>:network-interface/*]",
        f"{function}/Role/Policy/Resource"): 1 for function in FUNCTIONS},
    **{("NIST.800.53.R5-LambdaDLQ", f"{function}/Function/Resource"): 1 for function in FUNCTIONS},
    # The reconciler and the monitor read their own stack's deployed template (its ARN ends in a UUID).
    **{("AwsSolutions-IAM5[Resource::arn:aws:cloudformation:eu-west-2:<Account>:stack/<Stage>-Connect/*]",
        f"<Stage>/Connect/Connect/{function}/Role/Policy/Resource"): 1 for function in ("Reconciler", "HealthMonitor")},
    # Kafka Connect workers: settings in the environment, ECR login.
    ("AwsSolutions-ECS2", "<Stage>/Connect/Connect/TaskDefinition/Resource"): 1,
    ("AwsSolutions-IAM5[Resource::*]", "<Stage>/Connect/Connect/ExecutionRole/Policy/Resource"): 1,
    **{(f"{pack}-VPCNoUnrestrictedRouteToIGW", f"<Stage>/Network/Network/Vpc/PublicSubnet{i}/DefaultRoute"): 1
       for pack in ("PCI.DSS.321", "NIST.800.53.R5") for i in (1, 2, 3)},
    **{("W3010", f"<Stage>/Network/Network/Vpc/{kind}Subnet{i}/Subnet"): 1
       for kind in ("Public", "Private") for i in (1, 2, 3)},
    **{("AwsSolutions-ECS2", f"<Stage>/Consumers/{service}/TaskDefinition/Resource"): 1 for service in SERVICES},
    **{("AwsSolutions-IAM5[Resource::*]", f"<Stage>/Consumers/{service}/ExecutionRole/Policy/Resource"): 1
       for service in SERVICES},
    ("KafkaPlatform-IAMPoliciesManaged[InlinePolicy]",
     "<Stage>/Network/Custom::VpcRestrictDefaultSGCustomResourceProvider/Role"): 1,
    ("KafkaPlatform-IAMPoliciesManaged[AwsManagedPolicy::AWSLambdaBasicExecutionRole]",
     "<Stage>/Network/Custom::VpcRestrictDefaultSGCustomResourceProvider/Role"): 1,
    # CDK's AwsCustomResource reading the S3 prefix list id at deployment, outside the VPC (it runs before the
    # endpoints exist); its role is a managed policy of ours with Describe on "*".
    ("AwsSolutions-IAM5[Resource::*]", "<Stage>/Network/Network/AwsApi/PrefixListLookupRole/Policy/Resource"): 1,
    **{(finding, "<Stage>/Network/AWS679f53fac002430cb0da5b7982bd2287/Resource"): 1
       for finding in ("NIST.800.53.R5-LambdaConcurrency", "NIST.800.53.R5-LambdaDLQ",
                       "NIST.800.53.R5-LambdaInsideVPC", "PCI.DSS.321-LambdaInsideVPC")},
})


def suppressed(report):
    for plugin in report["pluginReports"]:
        for item in plugin.get("suppressedViolations") or []:
            for construct in item["violatingConstructs"]:
                yield plugin["pluginName"], item, construct["constructPath"]


def stageless(path):
    return re.sub(r"^(Dev|Staging|Prod)/", "<Stage>/", path)


def test_every_environment_passes_every_pack(synthesized):
    assert report_failures(synthesized.assembly.directory) == []
    unacknowledged = [(p["pluginName"], v["ruleName"], [c["constructPath"] for c in v["violatingConstructs"]])
                      for p in synthesized.report["pluginReports"] for v in p["violations"]]
    assert unacknowledged == []


def test_the_acknowledgments_are_exactly_the_reviewed_ones(synthesized):
    found = Counter()
    for _, item, path in suppressed(synthesized.report):
        if _is_connector_prefix(item) or _is_data_access(item) or _is_standby(item):
            continue  # one per connector, data product, data team or standby: counted by the tests below
        rule = re.sub(r"\b\d{12}\b", "<Account>", item["ruleName"])
        rule = re.sub(r"connect/bank-cdc-(dev|staging|prod)/", "connect/<Connect>/", rule)
        rule = re.sub(r"stack/(Dev|Staging|Prod)-", "stack/<Stage>-", rule)
        found[(rule, stageless(item["acknowledgedAt"]))] += 1
    per_environment = Counter({key: count // 3 for key, count in found.items()})
    assert per_environment == EXPECTED_ACKNOWLEDGMENTS
    assert all(count % 3 == 0 for count in found.values()), "every environment acknowledges the same findings"


def test_each_acknowledgment_has_a_reason_recorded_in_the_report(synthesized):
    for _, item, _ in suppressed(synthesized.report):
        assert len(item["reason"]) >= MIN_REASON_CHARS, item["ruleName"]
        assert "::" in item["acknowledgedId"], "namespaced ids record the reason in the report"


def test_each_acknowledgment_sits_at_the_finding_resource_or_its_construct(synthesized):
    for _, item, path in suppressed(synthesized.report):
        remainder = path.removeprefix(item["acknowledgedAt"])
        assert remainder in ("", "/Resource"), (item["ruleName"], path, item["acknowledgedAt"])


def test_each_acknowledgment_covers_one_finding_of_a_multi_finding_rule(synthesized):
    for _, item, _ in suppressed(synthesized.report):
        if item["ruleName"].split("-")[-1].startswith(("IAM5", "IAMPoliciesManaged")):
            assert "[" in item["acknowledgedId"], item["acknowledgedId"]


# aws-cdk-lib's FlowLog acknowledges these built-in validation findings itself; they are not ours to use.
CDK_LIBRARY_ACKNOWLEDGMENTS = {("CloudFormation-Validate::F3002", "FlowLog"),
                               ("CloudFormation-Validate::F3003", "FlowLog")}


def test_no_acknowledgment_is_stale(synthesized):
    from aws_cdk import Validations

    used = {(item["acknowledgedId"], item["acknowledgedAt"]) for _, item, _ in suppressed(synthesized.report)}
    declared = set()
    for stage in synthesized.stages.values():
        for construct in stage.node.find_all():
            for entry in construct.node.metadata:
                if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                    declared |= {(rule, construct.node.path) for rule in entry.data
                                 if (rule, construct.node.id) not in CDK_LIBRARY_ACKNOWLEDGMENTS}
    assert declared == used


def _is_connector_prefix(item):
    return (item["ruleName"].startswith("AwsSolutions-IAM5[Resource::") and
            "/Connect/Connect/TaskRole/Policy" in item["acknowledgedAt"])


def test_each_connector_topic_prefix_is_acknowledged_once_on_its_own(synthesized, environments):
    """The wildcard of each connector's topic prefix, and nothing else, is acknowledged on the worker's policies."""
    for environment in environments.values():
        stage = environment.stage_name
        found = sorted(item["ruleName"].rsplit("/", 1)[1].rstrip("]")
                       for _, item, _ in suppressed(synthesized.report)
                       if _is_connector_prefix(item) and item["acknowledgedAt"].startswith(stage + "/"))
        assert found == sorted(f"{c.topic_prefix}.*" for c in environment.connect.connector_specs()), stage


def _is_standby(item):
    return re.match(r"^(ProdDr|StagingDr)/", item["acknowledgedAt"]) is not None


# A standby (<Stage>Dr) acknowledges what its network and cluster share with every environment, and its replication.
_REPLICATOR_ROLE = "<Standby>/Replication/Replicator/ExecutionRole/Policy/Resource"
EXPECTED_STANDBY_ACKNOWLEDGMENTS = {
    ("AwsSolutions-IAM5[Resource::*]", "<Standby>/Kafka/Cluster/BootstrapBrokersFunction/Role/Policy/Resource"),
    ("AwsSolutions-IAM5[Resource::arn:aws:ec2:eu-west-1:<Account>:network-interface/*]",
     "<Standby>/Kafka/Cluster/BootstrapBrokersFunction/Role/Policy/Resource"),
    ("NIST.800.53.R5-LambdaDLQ", "<Standby>/Kafka/Cluster/BootstrapBrokersFunction/Function/Resource"),
    ("AwsSolutions-IAM5[Resource::*]", "<Standby>/Network/Network/AwsApi/PrefixListLookupRole/Policy/Resource"),
    ("KafkaPlatform-IAMPoliciesManaged[AwsManagedPolicy::AWSLambdaBasicExecutionRole]",
     "<Standby>/Network/Custom::VpcRestrictDefaultSGCustomResourceProvider/Role"),
    ("KafkaPlatform-IAMPoliciesManaged[InlinePolicy]",
     "<Standby>/Network/Custom::VpcRestrictDefaultSGCustomResourceProvider/Role"),
    *{(finding, f"<Standby>/{stack}/AWS679f53fac002430cb0da5b7982bd2287/Resource")
      for finding in ("NIST.800.53.R5-LambdaConcurrency", "NIST.800.53.R5-LambdaDLQ",
                      "NIST.800.53.R5-LambdaInsideVPC", "PCI.DSS.321-LambdaInsideVPC")
      for stack in ("Network", "Replication")},
    *{(f"{pack}-VPCNoUnrestrictedRouteToIGW", f"<Standby>/Network/Network/Vpc/PublicSubnet{i}/DefaultRoute")
      for pack in ("PCI.DSS.321", "NIST.800.53.R5") for i in (1, 2, 3)},
    *{("W3010", f"<Standby>/Network/Network/Vpc/{kind}Subnet{i}/Subnet") for kind in ("Public", "Private")
      for i in (1, 2, 3)},
    # The replicator's wildcards: the standby's topics and groups (only it writes there), Replicator's internal
    # topics on the primary, and the data team's group prefix whose offsets are synchronised.
    ("AwsSolutions-IAM5[Resource::<standby>:topic/*]", _REPLICATOR_ROLE),
    ("AwsSolutions-IAM5[Resource::<standby>:group/*]", _REPLICATOR_ROLE),
    ("AwsSolutions-IAM5[Resource::<primary>:topic/__amazon_msk_*]", _REPLICATOR_ROLE),
    ("AwsSolutions-IAM5[Resource::<primary>:group/fraud-ds-*]", _REPLICATOR_ROLE),
}


def _standby_rule(rule):
    """The replicator's ARNs without the tokens that name the clusters (another stack's output, a deploy-time read)."""
    rule = re.sub(r"\b\d{12}\b", "<Account>", rule)
    rule = re.sub(r"arn:<AWS::Partition>:kafka:eu-west-1:<Account>:(topic|group)/[a-z-]+-dr/.*/([^/]+)\]$",
                  r"<standby>:\1/\2]", rule)
    return re.sub(r"arn:<AWS::Partition>:kafka:eu-west-2:<Account>:(topic|group)/[a-z-]+/.*/([^/]+)\]$",
                  r"<primary>:\1/\2]", rule)


def test_each_standby_acknowledges_exactly_the_reviewed_findings(synthesized):
    found = Counter((_standby_rule(item["ruleName"]), re.sub(r"^(ProdDr|StagingDr)/", "<Standby>/",
                                                             item["acknowledgedAt"]))
                    for _, item, _ in suppressed(synthesized.report) if _is_standby(item))
    assert set(found) == EXPECTED_STANDBY_ACKNOWLEDGMENTS
    assert set(found.values()) == {2}  # once in each of the two standbys


def _is_data_access(item):
    return "/DataProduct-" in item["acknowledgedAt"] or "/DataAccess/" in item["acknowledgedAt"]


def test_each_data_products_salt_and_each_data_teams_group_prefix_is_acknowledged_on_its_own(synthesized,
                                                                                            environments):
    for environment in environments.values():
        stage = environment.stage_name
        found = sorted((re.sub(r"\b\d{12}\b", "<Account>", item["ruleName"]), item["acknowledgedAt"])
                       for _, item, _ in suppressed(synthesized.report)
                       if _is_data_access(item) and item["acknowledgedAt"].startswith(stage + "/"))
        expected = []
        for product in (environment.connect.product_specs() if environment.connect else []):
            if product.hashes:
                expected += [(rule, f"{stage}/Connect/Connect/DataProduct-{product.name}/HashSalt/Resource")
                             for rule in ("AwsSolutions-SMG4", "NIST.800.53.R5-SecretsManagerRotationEnabled")]
        for team in environment.data_teams:
            expected.append((f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kafka:{environment.region}:<Account>:"
                             f"group/{environment.kafka.cluster_name}/<cluster UUID>/{team.consumer_group_prefix}*]",
                             f"{stage}/DataAccess/{team.name}/Role/Policy/Resource"))
        # The cluster's UUID is another stack's output, written as cdk-nag writes it.
        found = [(re.sub(r"/\{\"Fn::GetStackOutput\":[^}]*\}\}/", "/<cluster UUID>/", rule), path)
                 for rule, path in found]
        assert found == sorted(expected), stage
    assert any(e.data_teams for e in environments.values())
