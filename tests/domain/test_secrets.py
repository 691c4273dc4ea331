"""Names are split into words on case changes as well as separators (found by make mutate)."""

from kafka_platform.domain.secrets import secret_name, secret_problem


def test_camel_case_names_are_split_into_words():
    assert secret_name("privateKey") and secret_name("private_key") and secret_name("clientSecret")
    assert not secret_name("keyConverter") and not secret_name("privatekeyring")
    assert secret_problem("dbSecretArn", "arn:aws:secretsmanager:eu-west-2:1:secret:db-AbCdEf") is None
    assert secret_problem("dbSecretArn", "hunter2") == "dbSecretArn looks like a secret by its name"
