"""Every connector declared in every environment, data products' included, passes the real Debezium plugin's
validation."""

from __future__ import annotations

import json
import subprocess
import urllib.request

import yaml

from kafka_platform.config import load_environment
from kafka_platform.domain.debezium import CONNECTOR_CLASS
from tests.conftest import ENVIRONMENTS_DIR
from tests.runtime import harness
from tests.runtime.conftest import NOT_ALLOWED_VARIABLE


def validate(connect_url: str, config: dict[str, str]) -> list[str]:
    """``PUT /connector-plugins/<class>/config/validate``: the plugin's own checks, errors as field: message."""
    request = harness.rest_request(f"{connect_url}/connector-plugins/{CONNECTOR_CLASS}/config/validate",
                                   data=json.dumps(config).encode(), method="PUT")
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - the local Connect worker
        result = json.loads(response.read())
    return [f"{item['value']['name']}: {error}" for item in result["configs"] for error in item["value"]["errors"]]


def plugin_problems(runtime, environments) -> dict[str, list[str]]:
    """Every declared connector's configuration (only host and port pointed at the local PostgreSQL), validated by
    the plugin; returns the connectors with errors."""
    problems = {}
    for environment in environments:
        # Data products' connectors too: their column filters and masks are the plugin's to accept.
        for spec in (environment.connect.connector_specs() if environment.connect else []):
            errors = validate(runtime.connect_url, {"name": spec.name, **runtime.spec_config(spec)})
            if errors:
                problems[f"{environment.name}/{spec.name}"] = errors
    return problems


def test_every_declared_connector_is_valid_for_the_plugin(runtime):
    assert len(runtime.connectors()) >= 20  # 1 in dev, 4 in staging, 16 in prod
    assert plugin_problems(runtime, runtime.environments.values()) == {}


def test_an_invalid_connector_in_an_environment_file_makes_this_check_fail(runtime, tmp_path):
    """A setting our synth validation lets through (an allowed extra_config key, its value the plugin's business) but
    the plugin rejects: the check above reports it, so the suite fails."""
    data = yaml.safe_load((ENVIRONMENTS_DIR / "dev.yaml").read_text())
    data["connect"]["connectors"][0]["extra_config"] = {"decimal.handling.mode": "sometimes"}
    (tmp_path / "dev.yaml").write_text(yaml.safe_dump(data))
    problems = plugin_problems(runtime, [load_environment(tmp_path / "dev.yaml")])
    [(name, errors)] = problems.items()
    assert name == "dev/accounts-cdc"
    assert any(error.startswith("decimal.handling.mode: ") for error in errors), errors


def test_a_missing_database_is_caught_by_the_plugin_connecting(runtime):
    _, connector = runtime.connectors()[0]
    errors = validate(runtime.connect_url, {"name": connector.name,
                                            **runtime.connector_config(connector, **{"database.dbname": "nowhere"})})
    # Debezium connects while validating: a database that is not there is reported against the host.
    assert errors == ['database.hostname: Error while validating connector config: FATAL: database "nowhere" '
                      'does not exist']


def test_verify_full_refuses_a_server_whose_certificate_another_ca_signed(runtime, tmp_path):
    """The declared connectors pass with the CA that signed the server (above); with any other CA, verify-full refuses
    the connection: the database's identity is really checked."""
    other = tmp_path / "other-ca.crt"
    subprocess.run(["openssl", "req", "-new", "-x509", "-days", "1", "-nodes", "-subj", "/CN=another CA",
                    "-keyout", str(tmp_path / "other-ca.key"), "-out", str(other)], check=True, capture_output=True)
    other.chmod(0o644)
    _, connector = runtime.connectors()[0]
    config = runtime.connector_config(connector, **{"database.sslrootcert": str(other)})
    assert config["database.sslmode"] == "verify-full"
    errors = validate(runtime.connect_url, {"name": connector.name, **config})
    assert errors and all(error.startswith("database.hostname: ") for error in errors), errors
    assert any("SSL" in error or "certificate" in error.lower() or "PKIX" in error for error in errors), errors


def test_the_workers_config_provider_reads_only_connector_credentials(runtime):
    """The workers hold a variable outside the allowlist (DBZ_.*) that holds the right password: a config reading it
    gets nothing, and the database refuses the connection; the same password under a connector's own name works."""
    _, connector = runtime.connectors()[0]
    config = runtime.connector_config(connector)
    assert validate(runtime.connect_url, {"name": connector.name, **config}) == []
    errors = validate(runtime.connect_url, {"name": connector.name,
                                            **{**config, "database.password": f"${{env:{NOT_ALLOWED_VARIABLE}}}"}})
    assert any("password authentication failed" in error for error in errors), errors
