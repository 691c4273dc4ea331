"""MSK clients authenticate with IAM, and nobody connects unauthenticated."""

from kafka_platform.gates.rules import DeclaredTopology, Resource, Result, Rule, dig


def check(resource: Resource, topology: DeclaredTopology | None = None) -> Result:
    authentication = resource.properties.get("ClientAuthentication")
    findings = []
    if dig(authentication or {}, "Sasl", "Iam", "Enabled") is not True:
        findings.append("IamAuthentication")
    if dig(authentication or {}, "Unauthenticated", "Enabled") is True or authentication is None:
        findings.append("UnauthenticatedAccess")
    return findings


RULE = Rule(
    name="MSKIamAuthenticationOnly", resource_types=("AWS::MSK::Cluster",),
    info="The MSK cluster does not require IAM authentication, or allows unauthenticated clients.",
    explanation="IAM authentication ties every Kafka action to a role and an exact topic or group ARN; an "
                "unauthenticated listener lets anything in the VPC read and write every topic.",
    check=check)
