"""The policy every connector config must pass before it reaches Connect (the reconciler and the health monitor both
write configs), and the salt a data product's config names.

What a connector should be is what its stack's deployed template declares (``deployed.py``); this module decides
whether a config may be sent at all.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from connect_rest import secret_string

# A data product's config names its hashing salt by this placeholder (kafka_platform.domain.data_products): the salt
# itself is read where a config is written, from the secret HashSaltSecretArn names, so that it never appears in a
# template or a declaration.
SALT_PLACEHOLDER = "{salt}"
_HASH_KEY = re.compile(r"^column\.mask\.hash\.(?:[\w-]+\.){1,2}with\.salt\.")
_SALT = re.compile(r"^[A-Za-z0-9]{16,128}$")
_REFERENCE = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*):([^}:]*)(?::[^}]*)?\}")


class PolicyError(Exception):
    """A request refused: another Connect cluster, or a config reaching beyond its connector."""


def credential_problems(name: str, config: Mapping[str, str]) -> list[str]:
    """A connector may read only its own credentials: ``${env:DBZ_<CONNECTOR>_USER}`` and ``..._PASSWORD``, exactly.
    Any other config-provider reference would let one connector's config read another's database password from the
    shared workers (a prefix would not do: connector ``orders`` would reach ``DBZ_ORDERS_CDC_PASSWORD``)."""
    prefix = "DBZ_" + re.sub(r"[^A-Z0-9]", "_", name.upper())
    own = (f"{prefix}_USER", f"{prefix}_PASSWORD")
    problems = []
    for key, value in sorted(config.items()):
        for provider, variable in _REFERENCE.findall(str(value)):
            if provider != "env" or variable not in own:
                problems.append(f"{key} refers to ${{{provider}:{variable}}}, which is not connector {name}'s own "
                                f"(${{env:{own[0]}}} or ${{env:{own[1]}}})")
    return problems


# What no connector config may hold, whatever its template says (the construct refuses them at synthesis: this is
# the same rule where configs reach Connect). A JDBC option or an SSL factory overrides the database's TLS checks; a
# query runs SQL on the database with the connector's credentials.
_TLS_OVERRIDE = re.compile(r"^driver\.|sslfactory", re.I)
_SQL = re.compile(r"(^|\.)(snapshot\.select\.statement\.overrides)|^converters$|\.query$", re.I)
_HEARTBEAT = re.compile(r"^INSERT INTO [a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)? \(id, seen_at\) VALUES \(1, now\(\)\) "
                        r"ON CONFLICT \(id\) DO UPDATE SET seen_at = now\(\)$")
_VERIFYING = ("verify-ca", "verify-full")


def config_problems(name: str, config: Mapping[str, str]) -> list[str]:
    """The policy every config passes before it reaches Connect: its own credentials only
    (``credential_problems``), no JDBC or SSL-factory override, TLS that verifies the database unless the config
    says otherwise in the platform's own key, no SQL but the platform's heartbeat upsert."""
    problems = credential_problems(name, config)
    for key, value in sorted(config.items()):
        if _TLS_OVERRIDE.search(key):
            problems.append(f"{key} overrides the database connection's TLS or driver; no connector config may")
        elif key == "heartbeat.action.query":
            if not _HEARTBEAT.match(str(value)):
                problems.append(f"{key} is not the platform's heartbeat upsert; no other SQL runs on a database")
        elif _SQL.search(key):
            problems.append(f"{key} would run SQL (or load code) on the database; no connector config may")
    if config.get("database.sslmode") in _VERIFYING and not config.get("database.sslrootcert"):
        problems.append("database.sslmode verifies the server but database.sslrootcert names no CA bundle")
    return problems


def with_salt(config: Mapping[str, str], secret_arn: Any,
              read: Callable[[str], str] | None = None) -> dict[str, str]:
    """``config`` with the salt of ``secret_arn`` where a hashing property's name holds ``SALT_PLACEHOLDER``. The
    placeholder is accepted there only, and only with a secret to fill it; the secret's value must be letters and
    digits (it becomes part of a property name)."""
    keys = [key for key in config if SALT_PLACEHOLDER in key]
    if not keys:
        return dict(config)
    misplaced = [key for key in keys if not (_HASH_KEY.match(key) and key.endswith(SALT_PLACEHOLDER))]
    if misplaced:
        raise PolicyError(f"{', '.join(misplaced)}: the salt placeholder {SALT_PLACEHOLDER} belongs only at the end of "
                          "column.mask.hash.<version>.<algorithm>.with.salt.")
    if not isinstance(secret_arn, str) or not secret_arn.startswith("arn:"):
        raise PolicyError(f"{keys[0]} needs its salt, and HashSaltSecretArn names no secret ({secret_arn!r})")
    salt = (read or secret_string)(secret_arn)
    if not _SALT.match(salt):
        raise PolicyError(f"the salt in {secret_arn} is not 16-128 letters and digits; put such a value there")
    return {key.replace(SALT_PLACEHOLDER, salt) if key in keys else key: value for key, value in config.items()}


def resolved(name: str, config: Mapping[str, Any], salt_secret: Any,
             read: Callable[[str], str] | None = None) -> dict[str, str]:
    """The config to send to Connect: every value a string, the policy checked, the salt put in its place."""
    desired = {key: str(value) for key, value in config.items()}
    if problems := config_problems(name, desired):
        raise PolicyError("; ".join(problems))
    return with_salt(desired, salt_secret, read)


def differs(current: Mapping[str, Any], desired: Mapping[str, str]) -> bool:
    actual = {key: str(value) for key, value in current.items() if key != "name"}
    wanted = {key: value for key, value in desired.items() if key != "name"}
    return actual != wanted
