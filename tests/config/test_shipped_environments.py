"""The three shipped environments load and describe a London bank."""

from kafka_platform.domain.msk import BANK_SERVER_PROPERTIES


def test_three_environments_ship(environments):
    assert sorted(environments) == ["dev", "prod", "staging"]


def test_prod_runs_in_london_over_three_zones_with_dublin_for_disaster_recovery(environments):
    prod = environments["prod"]
    assert prod.region == "eu-west-2"
    assert prod.availability_zones == ["eu-west-2a", "eu-west-2b", "eu-west-2c"]
    assert prod.disaster_recovery.region == "eu-west-1"
    assert prod.disaster_recovery.availability_zones == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    # Staging and prod replicate; dev (t3.small brokers, which MSK Replicator refuses) has no standby.
    assert {n: e.disaster_recovery.phase for n, e in environments.items() if e.disaster_recovery} == {
        "prod": "replicate", "staging": "replicate"}


def test_stage_names_are_capitalised_environment_names(environments):
    assert {e.stage_name for e in environments.values()} == {"Dev", "Staging", "Prod"}


def test_staging_and_prod_retain_their_data_and_dev_does_not(environments):
    assert environments["prod"].kafka.removal_policy == "retain"
    assert environments["staging"].kafka.removal_policy == "retain"
    assert environments["dev"].kafka.removal_policy == "destroy"


def test_each_environment_has_its_own_account(environments):
    assert len({e.account for e in environments.values()}) == 3


def test_no_environment_overrides_the_bank_durability_defaults(environments):
    guarded = {"min.insync.replicas", "default.replication.factor", "unclean.leader.election.enable",
               "auto.create.topics.enable", "compression.type"}
    for environment in environments.values():
        assert not guarded & set(environment.kafka.server_properties), environment.name
    assert set(BANK_SERVER_PROPERTIES) >= guarded


def test_topics_come_from_both_stories(environments):
    names = {t.name for t in environments["prod"].kafka.topics}
    assert {"loan-applications", "repayments", "credit-assessments", "card-transactions", "ledger-events"} <= names


def test_prod_keeps_ledger_events_two_years_through_tiered_storage(environments):
    ledger = environments["prod"].topic("ledger-events")
    assert ledger.tiered_storage and ledger.retention_hours == 2 * 8760 and ledger.local_retention_hours == 72
