"""A snapshot per stack per environment, asset hashes normalised. Snapshots back the assertions elsewhere up; they
change only when a template changes on purpose (``pytest --snapshot-update``, then read the diff)."""

import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import ENVIRONMENT_NAMES

STACKS = ("Network", "Alerting", "Kafka", "Consumers", "Connect", "Observability")
HASH = re.compile(r"\b[0-9a-f]{64}\b")


def normalise(value):
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        return HASH.sub("<asset-hash>", value)
    return value


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_template_matches_snapshot(synthesized, snapshot_json, environment, stack):
    assert normalise(synthesized.raw(environment, stack)) == snapshot_json


# Each standby's stacks (staging and prod have one).
@pytest.mark.parametrize("stack", ("Network", "Alerting", "Kafka", "Replication", "Observability"))
@pytest.mark.parametrize("environment", ["staging-dr", "prod-dr"])
def test_standby_matches_snapshot(synthesized, snapshot_json, environment, stack):
    assert normalise(synthesized.raw(environment, stack)) == snapshot_json


# Only the environments that declare data teams have the stack.
@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_data_access_matches_snapshot(synthesized, snapshot_json, environment):
    assert normalise(synthesized.raw(environment, "DataAccess")) == snapshot_json


def test_normalising_replaces_only_asset_hashes():
    digest = "a" * 64
    assert normalise({"S3Key": f"{digest}.zip", "Name": "bank-streaming-prod"}) == {
        "S3Key": "<asset-hash>.zip", "Name": "bank-streaming-prod"}
