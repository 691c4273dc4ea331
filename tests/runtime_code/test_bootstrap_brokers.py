"""The GetBootstrapBrokers custom resource handler, with a fake MSK client and a captured response."""

import json

from tests.runtime_code.lambda_modules import load

bootstrap_brokers = load("bootstrap_brokers")
ARN = "arn:aws:kafka:eu-west-2:333333333333:cluster/bank-streaming-prod/uuid-3"


class FakeKafka:
    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def get_bootstrap_brokers(self, ClusterArn):  # noqa: N803 - boto3's argument name
        self.calls.append(ClusterArn)
        return self.answer


def event(request_type):
    return {"RequestType": request_type, "ResponseURL": "https://example.invalid/response", "StackId": "stack",
            "RequestId": "request", "LogicalResourceId": "BootstrapBrokers", "PhysicalResourceId": ARN,
            "ResourceProperties": {"ClusterArn": ARN, "ClusterVersion": "K1"}}


def run(request_type, kafka):
    sent = []
    custom_resource = load("custom_resource")
    body = custom_resource.respond(event(request_type), lambda e: bootstrap_brokers.bootstrap_brokers(e, kafka),
                                   send=lambda url, data: sent.append((url, json.loads(data))))
    assert sent == [("https://example.invalid/response", body)]
    return body


def test_create_returns_the_iam_brokers_as_attributes():
    kafka = FakeKafka({"BootstrapBrokerStringSaslIam": "b-1:9098,b-2:9098", "BootstrapBrokerStringTls": "b-1:9094"})
    body = run("Create", kafka)
    assert body["Status"] == "SUCCESS"
    assert body["Data"] == {"BootstrapBrokerStringSaslIam": "b-1:9098,b-2:9098", "ClusterUuid": "uuid-3"}
    assert body["PhysicalResourceId"] == ARN and kafka.calls == [ARN]


def test_a_cluster_without_iam_brokers_fails_the_deployment_with_the_reason():
    body = run("Update", FakeKafka({"BootstrapBrokerStringTls": "b-1:9094"}))
    assert body["Status"] == "FAILED"
    assert body["Reason"] == f"cluster {ARN} has no IAM bootstrap brokers; is IAM authentication enabled?"


def test_delete_calls_nothing():
    kafka = FakeKafka({})
    assert run("Delete", kafka)["Status"] == "SUCCESS" and kafka.calls == []


def test_an_api_error_is_reported_not_raised():
    class Broken:
        def get_bootstrap_brokers(self, ClusterArn):  # noqa: N803
            raise RuntimeError("AccessDenied")

    body = run("Create", Broken())
    assert (body["Status"], body["Reason"]) == ("FAILED", "AccessDenied")


def test_long_reasons_are_cut_to_fit_cloudformation_response_limit():
    custom_resource = load("custom_resource")

    def fail(_):
        raise RuntimeError("x" * 10_000)

    body = custom_resource.respond(event("Create"), fail, send=lambda url, data: None)
    assert len(body["Reason"]) <= custom_resource.MAX_REASON_CHARS
    assert body["Reason"].endswith("(see the logs)")


def test_the_cluster_uuid_is_the_last_part_of_the_arn():
    assert bootstrap_brokers.cluster_uuid(ARN) == "uuid-3"
    with __import__("pytest").raises(ValueError, match="is not an MSK cluster ARN"):
        bootstrap_brokers.cluster_uuid("arn:aws:kafka:eu-west-2:1:topic/x")
