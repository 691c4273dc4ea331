"""MSK data at rest under a customer-managed key (MSK's default is an AWS-managed key nobody can audit or revoke)."""

from kafka_platform.gates.rules import Compliance, DeclaredTopology, Resource, Result, Rule, dig, is_intrinsic


def check(resource: Resource, topology: DeclaredTopology | None = None) -> Result:
    key = dig(resource.properties, "EncryptionInfo", "EncryptionAtRest", "DataVolumeKMSKeyId")
    if key is None or (isinstance(key, str) and "alias/aws/" in key):
        return ["DataVolumeKMSKeyId"]
    if is_intrinsic(key) or isinstance(key, str):
        return Compliance.COMPLIANT
    return ["DataVolumeKMSKeyId"]


RULE = Rule(
    name="MSKCustomerManagedKey", resource_types=("AWS::MSK::Cluster",),
    info="The MSK cluster does not encrypt data at rest with a customer-managed KMS key.",
    explanation="With a customer-managed key the bank controls rotation, access and revocation of broker data, and "
                "every use is in CloudTrail; the AWS-managed key allows none of that.",
    check=check)
