"""A snapshot per stack of every stage (the standbys and a team's stacks included), asset hashes normalised: each is
the stack's last approved template, which ``kafka-platform plan`` and the change-safety test compare with. Snapshots
back the assertions elsewhere up; they change only when a template changes on purpose (``pytest --snapshot-update``,
then read the diff)."""

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from kafka_platform.plan import APPROVED, approved_path, normalise
from tests.conftest import ROOT


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_every_stack_matches_its_approved_template(synthesized, snapshot_json):
    stacks = synthesized.assembly.stacks()
    # Compared one by one so that syrupy reports (and --snapshot-update writes) every stack that differs.
    different = [s.stack_name for s in stacks if normalise(s.template) != snapshot_json(name=s.stack_name)]
    assert different == []
    assert all(approved_path(ROOT / APPROVED, s.stack_name).exists() for s in stacks)


def test_normalising_replaces_only_asset_hashes():
    digest = "a" * 64
    assert normalise({"S3Key": f"{digest}.zip", "Name": "bank-streaming-prod"}) == {
        "S3Key": "<asset-hash>.zip", "Name": "bank-streaming-prod"}
