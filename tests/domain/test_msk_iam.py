"""MSK IAM resource ARNs, parsed and built (found by make mutate: reached only through synthesized policies)."""

import pytest

from kafka_platform.domain.msk_iam import ClusterArnParts, kafka_resource, kafka_resource_cluster

ARN = "arn:aws:kafka:eu-west-2:333333333333:cluster/bank-streaming-prod/0f1e2d3c-1111-2222-3333-444455556666-2"


def test_a_cluster_arn_splits_into_the_parts_every_resource_arn_repeats():
    parts = ClusterArnParts.parse(ARN)
    assert parts == ClusterArnParts("aws", "eu-west-2", "333333333333", "bank-streaming-prod",
                                    "0f1e2d3c-1111-2222-3333-444455556666-2")
    prefix = "arn:aws:kafka:eu-west-2:333333333333"
    cluster = "bank-streaming-prod/0f1e2d3c-1111-2222-3333-444455556666-2"
    assert parts.topic_arn("repayments") == f"{prefix}:topic/{cluster}/repayments"
    assert parts.group_arn("loan-*") == f"{prefix}:group/{cluster}/loan-*"
    assert parts.transactional_id_arn("connect-bank-cdc-*") == f"{prefix}:transactional-id/{cluster}/connect-bank-cdc-*"
    assert ClusterArnParts.parse(ARN.replace("arn:aws:", "arn:aws-cn:")).partition == "aws-cn"


@pytest.mark.parametrize("arn", [
    "arn:aws:kafka:eu-west-2:333333333333:cluster/name",                  # no UUID
    "arn:aws:kafka:eu-west-2:333333333333:cluster/name/uuid/more",        # too many parts
    "arn:aws:kafka:eu-west-2:333333333333:cluster//uuid",                 # no name
    "arn:aws:kafka:eu-west-2:333333333333:cluster/name/",                 # no UUID
    "arn:aws:kafka:eu-west-2:cluster/name/uuid",                          # no account
    "arx:aws:kafka:eu-west-2:333333333333:cluster/name/uuid",             # not an ARN
    "arn:aws:kafkax:eu-west-2:333333333333:cluster/name/uuid",            # another service
    "arn:aws:kafka:eu-west-2:333333333333:topic/name/uuid/t",             # not a cluster
])
def test_anything_else_is_refused_with_the_expected_shape(arn):
    with pytest.raises(ValueError) as raised:
        ClusterArnParts.parse(arn)
    assert str(raised.value) == f"{arn!r} is not an MSK cluster ARN; expected arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID"


def test_a_resource_arn_names_its_cluster():
    parts = ClusterArnParts.parse(ARN)
    assert kafka_resource_cluster(parts.topic_arn("t")) == "bank-streaming-prod"
    assert kafka_resource_cluster(parts.transactional_id_arn("x*")) == "bank-streaming-prod"
    assert kafka_resource_cluster(ARN) is None  # the cluster itself names no resource of it
    assert kafka_resource_cluster("arn:aws:s3:::bucket/key") is None
    assert kafka_resource(parts.group_arn("g-*")) == ("group", "g-*") and kafka_resource(ARN) == ("cluster", "")


def test_an_arn_as_a_template_writes_it_is_flattened_to_text():
    from kafka_platform.domain.msk_iam import flatten_arn

    joined = {"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "kafka", {"Ref": "AWS::Region"}, "1", "topic/c/u/t"]]}
    assert flatten_arn(joined) == "arn:aws:kafka:{?}:1:topic/c/u/t"
    assert flatten_arn("arn:aws:kafka:x") == "arn:aws:kafka:x"
    assert flatten_arn({"Fn::GetAtt": ["Cluster", "Arn"]}) == "{?}"          # two arguments, not a join
    assert flatten_arn({"Fn::Join": ":"}) == "{?}"
    assert flatten_arn({"Ref": "Other"}) == "{?}"
    assert flatten_arn({"Ref": "AWS::Partition", "Extra": 1}) == "{?}"       # not one intrinsic
    assert flatten_arn(["arn"]) == "{?}" and flatten_arn(7) == "{?}"
