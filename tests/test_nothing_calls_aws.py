"""The trap that proves "nothing calls AWS" is live: planted credentials, every endpoint a closed local port."""

import boto3
import botocore.exceptions
import pytest

from tests.conftest import PLANTED_AWS


def test_the_run_has_credentials_planted_and_endpoints_closed():
    import os

    assert {key: os.environ.get(key) for key in PLANTED_AWS} == PLANTED_AWS


@pytest.mark.parametrize("service, call", [("sts", "get_caller_identity"), ("kafka", "list_clusters_v2"),
                                           ("secretsmanager", "list_secrets")])
def test_any_aws_call_fails_here(service, call):
    client = boto3.client(service, config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=2))
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        getattr(client, call)()
