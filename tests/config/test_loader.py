"""How the loader reads files and reports what is wrong with them."""

import pytest

from kafka_platform.config import load_environment, load_environments
from kafka_platform.errors import ConfigurationError

MINIMAL = """\
name: dev
account: "111111111111"
region: eu-west-2
availability_zones: [eu-west-2a, eu-west-2b, eu-west-2c]
network:
  vpc_cidr: 10.10.0.0/16
kafka:
  cluster_name: bank-dev
  kafka_version: 4.1.x.kraft
  broker_instance_type: kafka.m7g.large
  broker_count: 3
  broker_volume_size_gib: 100
"""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments").mkdir()
    return tmp_path / "environments"


def problems(path):
    with pytest.raises(ConfigurationError) as raised:
        load_environment(path)
    return [str(p) for p in raised.value.problems]


def test_a_minimal_file_gets_the_documented_defaults(folder):
    (folder / "dev.yaml").write_text(MINIMAL)
    environment = load_environment(folder / "dev.yaml")
    assert environment.kafka.enhanced_monitoring == "PER_TOPIC_PER_BROKER"
    assert environment.kafka.removal_policy == "retain"
    assert environment.kafka.scram_authentication is False
    assert environment.network.nat_gateways == 1


def test_every_problem_in_a_file_is_reported_at_once(folder):
    (folder / "dev.yaml").write_text(MINIMAL.replace("broker_count: 3", "broker_count: 4")
                                     .replace("eu-west-2c]", "eu-west-1c]"))
    assert problems(folder / "dev.yaml") == [
        "environments/dev.yaml: availability_zones[2]: \"eu-west-1c\" is not in region eu-west-2; use zones of "
        "eu-west-2, such as eu-west-2a",
        "environments/dev.yaml: kafka.broker_count: 4 is not a multiple of the 3 availability zones; use 3, 6 or 9",
    ]


def test_a_key_written_twice_is_refused_not_silently_overwritten(folder):
    (folder / "dev.yaml").write_text(MINIMAL + "kafka:\n  broker_count: 6\n")
    assert problems(folder / "dev.yaml") == [
        "environments/dev.yaml: line 13, column 1: key \"kafka\" appears twice in one mapping (first on line 7); "
        "keep one"]


def test_broken_yaml_names_the_line(folder):
    (folder / "dev.yaml").write_text(MINIMAL.replace("  broker_count: 3", " broker_count: 3"))
    [message] = problems(folder / "dev.yaml")
    assert message.startswith("environments/dev.yaml: line 11, column ")
    assert message.endswith("; check the indentation and quoting there")


def test_a_file_that_is_not_a_mapping_is_refused(folder):
    (folder / "dev.yaml").write_text("- just\n- a list\n")
    assert problems(folder / "dev.yaml") == [
        "environments/dev.yaml: holds [\"just\", \"a list\"], not a mapping; start with name: dev and the keys of "
        "docs/reference/configuration.md"]


def test_a_missing_file_is_named(folder):
    assert problems(folder / "nope.yaml") == [
        "environments/nope.yaml: cannot be read (No such file or directory); check the path"]


def test_problems_of_several_files_are_reported_together(folder):
    (folder / "dev.yaml").write_text(MINIMAL.replace("broker_count: 3", "broker_count: 4"))
    (folder / "prod.yaml").write_text(MINIMAL.replace("name: dev", "name: prod").replace("bank-dev", "bank prod"))
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder)
    assert [p.source for p in raised.value.problems] == ["environments/dev.yaml", "environments/prod.yaml"]


def test_asking_for_an_environment_without_a_file_names_the_choices(folder):
    (folder / "dev.yaml").write_text(MINIMAL)
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder, only=["prod"])
    assert str(raised.value) == ("environments: \"prod\" has no file environments/prod.yaml; choose from dev")


def test_only_limits_the_environments_loaded(folder):
    (folder / "dev.yaml").write_text(MINIMAL)
    (folder / "prod.yaml").write_text(MINIMAL.replace("name: dev", "name: prod"))
    assert [e.name for e in load_environments(folder, only=["prod"])] == ["prod"]


def test_a_yml_file_is_named_not_silently_skipped(folder):
    (folder / "prod.yaml").write_text(MINIMAL.replace("name: dev", "name: prod"))
    (folder / "dev.yml").write_text(MINIMAL)
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder)
    assert [str(p) for p in raised.value.problems] == [
        "environments/dev.yml: is not read: environment files end in .yaml; rename it to dev.yaml"]


def test_a_folder_that_does_not_exist_is_named(folder):
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder.parent / "nonexistent")
    assert [str(p) for p in raised.value.problems] == [
        "nonexistent: is not a folder (it does not exist); point ENVIRONMENTS_DIR (or --directory) at the folder of "
        "environment files"]


PROD = MINIMAL.replace("name: dev", "name: prod").replace("bank-dev", "bank-prod")


def test_a_dev_file_copied_from_prod_with_its_account_and_cluster_is_refused(folder):
    (folder / "prod.yaml").write_text(PROD)
    (folder / "dev.yaml").write_text(PROD.replace("name: prod", "name: dev"))
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder)
    assert [str(p) for p in raised.value.problems] == [
        "environments/prod.yaml: kafka.cluster_name: \"bank-prod\" is also dev's cluster, in the same account "
        "111111111111: MSK cannot hold two clusters of one name there; give this one its own name"]


def test_two_environments_share_an_account_only_when_both_say_so(folder):
    (folder / "prod.yaml").write_text(PROD)
    (folder / "dev.yaml").write_text(MINIMAL)
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder)
    assert [str(p) for p in raised.value.problems] == [
        "environments/prod.yaml: account: \"111111111111\" is also dev's account; if both environments belong there, "
        "say so in both files (shares_account_with: [dev] here, [prod] there), otherwise correct the account"]
    (folder / "prod.yaml").write_text(PROD + "shares_account_with: [dev]\n")
    (folder / "dev.yaml").write_text(MINIMAL + "shares_account_with: [prod]\n")
    assert [e.name for e in load_environments(folder)] == ["dev", "prod"]


def test_staging_may_not_be_destroyed_with_its_stack(folder):
    (folder / "staging.yaml").write_text(MINIMAL.replace("name: dev", "name: staging") + "  removal_policy: destroy\n")
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder)
    assert [str(p) for p in raised.value.problems] == [
        "environments/staging.yaml: kafka.removal_policy: \"destroy\" would delete the staging cluster and its data "
        "with the stack; staging and prod must use retain"]


def test_the_connect_defaults_are_the_documented_ones():
    from kafka_platform.config.model import Connect

    connect = Connect(name="bank-cdc")
    assert connect.prune_undeclared_connectors is True
    assert (connect.cpu, connect.memory_mib, connect.min_workers, connect.max_workers) == (2048, 8192, 2, 4)
    assert (connect.scheduled_rebalance_max_delay_seconds, connect.reconcile_timeout_seconds) == (30, 600)


def test_four_zones_are_refused_as_one_zone_is():
    """"2 or 3 availability zones", the upper bound too (a region with four zones would otherwise pass)."""
    from kafka_platform.config import load_environment
    from kafka_platform.config.rules import _zones
    from tests.conftest import ENVIRONMENTS_DIR

    dev = load_environment(ENVIRONMENTS_DIR / "dev.yaml")
    four = dev.model_copy(update={"region": "us-east-1",
                                  "availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]})
    assert [field for field, _ in _zones(four)] == ["availability_zones"]
    three = dev.model_copy(update={"region": "us-east-1",
                                   "availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"]})
    assert list(_zones(three)) == []


@pytest.mark.parametrize("name", ["collections-dev", "Prod", "p", "a23456789012345678"])
def test_the_rule_for_environment_names_is_stated_with_its_reason(folder, name):
    (folder / f"{name}.yaml").write_text(MINIMAL.replace("name: dev", f"name: {name}"))
    assert problems(folder / f"{name}.yaml") == [
        f'environments/{name}.yaml: name: "{name}" is not an environment name; use 2-16 lower-case letters and '
        "digits, starting with a letter, such as prod or collectionsdev (no hyphen: a standby is named <name>-dr, "
        "and each name becomes a stage, Prod, and part of every resource name)"]


def test_a_name_within_the_rule_is_accepted(folder):
    (folder / "collectionsdev.yaml").write_text(MINIMAL.replace("name: dev", "name: collectionsdev"))
    assert load_environment(folder / "collectionsdev.yaml").stage_name == "Collectionsdev"


def test_an_empty_folder_is_named_with_the_fix(folder):
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder)
    assert [str(p) for p in raised.value.problems] == [
        "environments: holds no environment files (*.yaml); add one, such as dev.yaml"]


def test_asking_for_environments_in_an_empty_folder_says_it_is_empty(folder):
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder, only=["dev", "prod"])
    assert [str(p) for p in raised.value.problems] == [
        'environments: "dev" has no file environments/dev.yaml; choose from nothing (the folder is empty)',
        'environments: "prod" has no file environments/prod.yaml; choose from nothing (the folder is empty)']


def test_the_choices_are_every_file_and_an_empty_only_means_all(folder):
    (folder / "dev.yaml").write_text(MINIMAL)
    (folder / "prod.yaml").write_text(PROD.replace('"111111111111"', '"222222222222"'))
    with pytest.raises(ConfigurationError, match="; choose from dev, prod$"):
        load_environments(folder, only=["staging"])
    assert [e.name for e in load_environments(folder, only=[])] == ["dev", "prod"]
    assert [e.name for e in load_environments(folder, only=iter(["dev"]))] == ["dev"]  # any iterable


def test_the_default_folder_is_environments_in_the_working_directory(folder):
    (folder / "dev.yaml").write_text(MINIMAL)
    assert [e.name for e in load_environments()] == ["dev"]


def test_every_misnamed_file_is_named(folder):
    (folder / "prod.yml").write_text(PROD)
    (folder / "dev.yml").write_text(MINIMAL)
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder)
    assert [p.source for p in raised.value.problems] == ["environments/dev.yml", "environments/prod.yml"]


def test_a_misspelt_required_key_deep_in_a_list_is_one_problem(folder):
    """The unknown key is reported with its suggestion; the required key it was meant to be is not reported missing."""
    text = MINIMAL.replace("  broker_volume_size_gib: 100\n", "  broker_volume_size_gib: 100\n  topics:\n"
                           "    - name: loans\n      partitons: 6\n")
    (folder / "dev.yaml").write_text(text)
    found = problems(folder / "dev.yaml")
    assert len(found) == 1 and found[0].startswith(
        "environments/dev.yaml: kafka.topics[loans].partitons: is not a known key; did you mean partitions? ")


def test_folder_problems_name_the_folder_or_file_and_no_field(folder):
    (folder / "dev.yml").write_text(MINIMAL)
    for call in (lambda: load_environments(folder.parent / "nonexistent"), lambda: load_environments(folder)):
        with pytest.raises(ConfigurationError) as raised:
            call()
        assert [p.field for p in raised.value.problems] == [""]
    (folder / "dev.yml").unlink()
    for call in (lambda: load_environments(folder), lambda: load_environments(folder, only=["prod"])):
        with pytest.raises(ConfigurationError) as raised:
            call()
        assert [p.field for p in raised.value.problems] == [""]


def test_an_account_shared_by_a_later_environment_is_found_past_an_unrelated_one(folder):
    (folder / "dev.yaml").write_text(MINIMAL)
    (folder / "prod.yaml").write_text(PROD.replace('"111111111111"', '"222222222222"'))
    staging = MINIMAL.replace("name: dev", "name: staging").replace("bank-dev", "bank-staging") \
        .replace('"111111111111"', '"222222222222"')
    (folder / "staging.yaml").write_text(staging)
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder)
    assert [(p.source, p.field) for p in raised.value.problems] == [("environments/staging.yaml", "account")]


def test_sharing_an_account_needs_both_files_to_say_so(folder):
    (folder / "prod.yaml").write_text(PROD + "shares_account_with: [staging]\n")
    staging = PROD.replace("name: prod", "name: staging").replace("bank-prod", "bank-staging")
    (folder / "staging.yaml").write_text(staging)
    with pytest.raises(ConfigurationError) as raised:
        load_environments(folder)
    assert [(p.source, p.field) for p in raised.value.problems] == [("environments/staging.yaml", "account")]
    (folder / "staging.yaml").write_text(staging + "shares_account_with: [prod]\n")
    assert [e.name for e in load_environments(folder)] == ["prod", "staging"]


def test_file_level_problems_carry_no_field(folder):
    (folder / "dev.yaml").write_text("name: [dev\n")
    (folder / "list.yaml").write_text("- a\n")
    for path in (folder / "missing.yaml", folder / "dev.yaml", folder / "list.yaml"):
        with pytest.raises(ConfigurationError) as raised:
            load_environment(path)
        assert [p.field for p in raised.value.problems] == [""], path


def test_a_short_non_mapping_is_shown_and_a_long_one_described(folder):
    from kafka_platform.errors import show

    exactly = ["a" * 76]          # json: ["aaa..."] = 80 characters
    assert len(show(exactly)) == 80
    (folder / "dev.yaml").write_text(f"- {'a' * 76}\n")
    assert problems(folder / "dev.yaml") == [
        f'environments/dev.yaml: holds {show(exactly)}, not a mapping; start with name: dev and the keys of '
        "docs/reference/configuration.md"]
    (folder / "dev.yaml").write_text(f"- {'a' * 77}\n")
    assert problems(folder / "dev.yaml") == [
        "environments/dev.yaml: holds a list (81 characters), not a mapping; start with name: dev and the keys of "
        "docs/reference/configuration.md"]


def test_a_file_outside_the_working_directory_is_named_by_its_path(tmp_path, monkeypatch):
    from kafka_platform.config.loader import display_path

    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert display_path(tmp_path / "envs" / "dev.yaml") == str(tmp_path / "envs" / "dev.yaml")
    assert display_path(elsewhere / "dev.yaml") == "dev.yaml"


def test_a_file_is_read_as_utf_8_under_any_locale(folder):
    """A bank's text is not ASCII: under a C locale (no UTF-8 mode) Python's default encoding would refuse it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import kafka_platform

    text = MINIMAL + "  topics:\n    - name: loans\n      partitions: 6\n      description: Prêts à la consommation\n"
    (folder / "dev.yaml").write_text(text, encoding="utf-8")
    # The package this test imported (under make mutate, the sandbox's copy, whose mutant the variable names).
    package_root = str(Path(kafka_platform.__file__).resolve().parents[1])
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
           "PYTHONIOENCODING": "utf-8", "PYTHONPATH": package_root}
    if "__mutmut_" not in env.get("MUTANT_UNDER_TEST", "__mutmut_"):
        del env["MUTANT_UNDER_TEST"]  # mutmut's stats and self-check modes work in its own process only
    code = ("import sys; from kafka_platform.config import load_environment; "
            "print(load_environment(sys.argv[1]).kafka.topics[0].description)")
    done = subprocess.run([sys.executable, "-c", code, str(folder / "dev.yaml")], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "Prêts à la consommation"
    # And here, in this process: make mutate runs for a loader mutant only the tests that call the loader themselves.
    assert load_environment(folder / "dev.yaml").kafka.topics[0].description == "Prêts à la consommation"
