"""The alarm topic: encrypted with a rotating key CloudWatch may use, publishing over TLS only."""

from tests.support import only


def test_the_topic_is_encrypted_with_a_rotating_key_cloudwatch_can_use(synthesized):
    template = synthesized.raw("prod", "Alerting")
    topic = only(template, "AWS::SNS::Topic")["Properties"]
    key = template["Resources"][topic["KmsMasterKeyId"]["Fn::GetAtt"][0]]["Properties"]
    assert key["EnableKeyRotation"] is True
    cloudwatch = [s for s in key["KeyPolicy"]["Statement"]
                  if s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com"]
    assert cloudwatch and set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_publishing_requires_tls(synthesized):
    policy = only(synthesized.raw("prod", "Alerting"), "AWS::SNS::TopicPolicy")["Properties"]["PolicyDocument"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in policy["Statement"])


def test_configured_addresses_are_subscribed(synthesized):
    subscription = only(synthesized.raw("prod", "Alerting"), "AWS::SNS::Subscription")["Properties"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "streaming-oncall@bank.example")
