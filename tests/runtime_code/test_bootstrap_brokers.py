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


def test_the_handler_answers_cloudformation_with_the_client_it_is_given(monkeypatch):
    custom_resource = load("custom_resource")
    sent = []
    monkeypatch.setattr(custom_resource, "_put", lambda url, data: sent.append((url, json.loads(data))))
    kafka = FakeKafka({"BootstrapBrokerStringSaslIam": "b-1:9098"})
    body = bootstrap_brokers.handler(event("Create"), None, kafka_client=kafka)
    assert sent == [("https://example.invalid/response", body)]
    assert body["Status"] == "SUCCESS" and body["Data"]["BootstrapBrokerStringSaslIam"] == "b-1:9098"


def test_scram_brokers_are_returned_beside_the_iam_ones_and_empty_strings_are_dropped():
    kafka = FakeKafka({"BootstrapBrokerStringSaslIam": "b-1:9098", "BootstrapBrokerStringSaslScram": "b-1:9096"})
    assert run("Create", kafka)["Data"] == {"BootstrapBrokerStringSaslIam": "b-1:9098",
                                            "BootstrapBrokerStringSaslScram": "b-1:9096", "ClusterUuid": "uuid-3"}
    kafka = FakeKafka({"BootstrapBrokerStringSaslIam": "b-1:9098", "BootstrapBrokerStringSaslScram": ""})
    assert "BootstrapBrokerStringSaslScram" not in run("Create", kafka)["Data"]
    body = run("Create", FakeKafka({"BootstrapBrokerStringSaslIam": ""}))
    assert body["Status"] == "FAILED" and "has no IAM bootstrap brokers" in body["Reason"]


def test_delete_keeps_the_physical_id_or_falls_back_to_the_arn():
    assert run("Delete", FakeKafka({}))["PhysicalResourceId"] == ARN
    delete = {**event("Delete"), "PhysicalResourceId": "physical-7"}
    assert bootstrap_brokers.bootstrap_brokers(delete, FakeKafka({})).physical_resource_id == "physical-7"
    delete = {**event("Delete"), "PhysicalResourceId": ""}
    assert bootstrap_brokers.bootstrap_brokers(delete, FakeKafka({})).physical_resource_id == ARN


def test_without_a_client_the_handler_makes_boto3_s_kafka_client(monkeypatch):
    import sys
    import types

    made = []
    fake_boto3 = types.SimpleNamespace(client=lambda name: made.append(name) or FakeKafka(
        {"BootstrapBrokerStringSaslIam": "b-1:9098"}))
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3)
    outcome = bootstrap_brokers.bootstrap_brokers(event("Create"))
    assert made == ["kafka"] and outcome.physical_resource_id == ARN


@__import__("pytest").mark.parametrize("arn", [
    "arn:aws:kafka:eu-west-2:1:cluster/name",              # no UUID
    "arn:aws:kafka:eu-west-2:1:cluster/name/uuid/extra",   # one part too many
    "arn:aws:kafka:eu-west-2:1:cluster//uuid",             # no name
    "arn:aws:kafka:eu-west-2:1:cluster/name/",             # empty UUID
    "aws:kafka:eu-west-2:1:cluster/name/uuid",             # not an ARN
    "arn:aws:kafka:eu-west-2:1:cluster/name:cluster/uuid",  # a name MSK would not accept
])
def test_a_malformed_cluster_arn_is_refused(arn):
    with __import__("pytest").raises(ValueError, match=r"is not an MSK cluster ARN \(arn:aws:kafka:REGION:ACCOUNT"):
        bootstrap_brokers.cluster_uuid(arn)
