"""MSK brokers are not reachable from the internet."""

from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource, Result, Rule, dig


def check(resource: Resource, topology: DeclaredTopology | None = None) -> Result:
    access = dig(resource.properties, "BrokerNodeGroupInfo", "ConnectivityInfo", "PublicAccess", "Type")
    # Public access cannot be turned on at creation; absent means disabled, but we ask for it to be explicit.
    if access == "DISABLED":
        return Compliance.COMPLIANT
    return ["PublicAccess"]


RULE = Rule(
    name="MSKPublicAccessDisabled", resource_types=("AWS::MSK::Cluster",),
    info="The MSK cluster does not explicitly disable public access.",
    explanation="Brokers of a bank stay inside its VPCs; public access exposes them to the internet.",
    check=check)
