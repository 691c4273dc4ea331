"""``kafka-platform access``: who reads and writes each topic, computed from the synthesized IAM policies."""

from __future__ import annotations

import csv
import json

from aws_cdk import App
from aws_cdk import aws_iam as iam

from kafka_platform.access_report import Grant, grants
from kafka_platform.assembly import CloudAssembly
from kafka_platform.cli import main
from tests.conftest import cdk_context
from tests.support import new_stack

PRODUCT = "products.customer-events.public.customers"


def rows(synthesized, environment="Prod"):
    return [g for g in grants(synthesized.assembly) if g.environment == environment]


def who(found, topic, access):
    return sorted({(g.kind, g.principal) for g in found if g.topic == topic and g.access == access})


def test_the_data_team_reads_its_product_and_nothing_raw(synthesized):
    found = rows(synthesized)
    assert who(found, PRODUCT, "read") == [("data-team", "fraud-data-science")]
    [team] = [g for g in found if g.kind == "data-team" and g.access == "read"]
    assert team.assumed_by == "arn:aws:iam::444444444444:role/fraud-data-science-streaming"
    assert team.role == "kafka-data-prod-fraud-data-science" and team.stack == "Prod-DataAccess"
    # Everything the team may touch: one topic read (and described), nothing written, no cdc.* topic.
    assert sorted({(g.topic, g.access) for g in found if g.kind == "data-team"}) == [(PRODUCT, "describe"),
                                                                                      (PRODUCT, "read")]


def test_services_and_connect_appear_with_what_they_really_hold(synthesized):
    found = rows(synthesized)
    assert who(found, "loan-applications", "read") == [("service", "credit-assessment"), ("service", "loan-approvals")]
    assert who(found, "loan-decisions", "write") == [("service", "loan-approvals")]
    # Connect writes each connector's prefix, the product's included; nobody reads the raw change streams here.
    assert who(found, "cdc.customers.*", "write") == [("connect", "bank-cdc-prod")]
    assert who(found, "products.customer-events.*", "write") == [("connect", "bank-cdc-prod")]
    assert who(found, "cdc.customers.*", "read") == []
    # Another account and MSK Replicator may open a VPC connection, and hold no topic there.
    assert who(found, "(cluster)", "vpc-connection") == [("account", "arn:aws:iam::444444444444:root"),
                                                         ("service", "kafka.amazonaws.com")]
    assert not [g for g in found if g.kind == "other"]


def test_the_command_prints_per_topic_and_writes_csv_and_json(synthesized, tmp_path, capsys):
    assert main(["access", str(synthesized.assembly.directory), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"  cluster bank-streaming-prod\n" in out
    assert f"    {PRODUCT}\n      read:           data-team fraud-data-science\n" in out
    assert "      write:          service loan-approvals\n" in out
    with open(tmp_path / "access.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    listed = json.loads((tmp_path / "access.json").read_text())
    assert table == [{k: str(v) for k, v in row.items()} for row in listed]
    assert {"environment": "Prod", "cluster": "bank-streaming-prod", "topic": PRODUCT, "access": "read",
            "kind": "data-team",
            "principal": "fraud-data-science"}.items() <= listed[[i for i, r in enumerate(listed)
                                                                 if r["topic"] == PRODUCT and
                                                                 r["access"] == "read"][0]].items()
    assert len(listed) == len(grants(synthesized.assembly))


def test_the_replicator_reads_the_primary_and_writes_the_standby(synthesized):
    found = [g for g in grants(synthesized.assembly) if g.environment == "ProdDr" and g.kind == "replicator"]
    assert {g.principal for g in found} == {"bank-streaming-prod-to-dr"}
    reads = {(g.cluster, g.topic) for g in found if g.access == "read"}
    assert ("bank-streaming-prod", "loan-applications") in reads
    writes = {(g.cluster, g.topic) for g in found if g.access == "write"}
    assert writes == {("bank-streaming-prod", "__amazon_msk_*"), ("bank-streaming-prod-dr", "*")}


def test_a_grant_added_by_hand_to_any_role_shows_up_as_other(tmp_path):
    app = App(outdir=str(tmp_path / "cdk.out"), context=cdk_context())
    stack = new_stack(app, "Team")
    role = iam.Role(stack, "Notebook", assumed_by=iam.AccountPrincipal("555555555555"))
    role.add_to_policy(iam.PolicyStatement(actions=["kafka-cluster:ReadData", "kafka-cluster:WriteData"], resources=[
        "arn:aws:kafka:eu-west-2:111111111111:topic/bank/0b6b5c1e-2d4f-4a8e-9a57-123456789abc-2/cdc.accounts.*"]))
    app.synth()
    found = grants(CloudAssembly.open(tmp_path / "cdk.out"))
    assert {(g.topic, g.access, g.kind) for g in found} == {("cdc.accounts.*", "read", "other"),
                                                            ("cdc.accounts.*", "write", "other")}
    assert all(isinstance(g, Grant) and g.environment == "" and "555555555555" in g.assumed_by for g in found)


def test_the_report_filters_by_stage_topic_and_principal(synthesized, tmp_path, capsys):
    from kafka_platform.cli import main

    assert main(["access", str(synthesized.assembly.directory), "--out", str(tmp_path), "--stage", "prod",
                 "--topic", "loan-applications"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Prod:\n") and "Staging:" not in out and "Dev:" not in out
    assert "loan-applications" in out and "repayments" not in out
    rows = (tmp_path / "access.csv").read_text().splitlines()[1:]
    assert rows and all(",loan-applications," in row or ",*" in row for row in rows)
    assert main(["access", str(synthesized.assembly.directory), "--out", str(tmp_path), "--principal",
                 "fraud-data-science"]) == 0
    out = capsys.readouterr().out
    assert "data-team fraud-data-science" in out or "fraud-data-science" in out
    assert "service loan-approvals" not in out
