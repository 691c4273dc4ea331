"""Recognising a secret written in clear: by the name it is stored under, or by the shape of its value.

Kafka config-provider references (``${env:DB_PASSWORD}``, ``${secretsManager:...}``) are not secrets: they name
where the secret is, and are the way secrets must reach connectors.
"""

from __future__ import annotations

import re

_SECRET_WORDS = {"PASSWORD", "PASSWD", "PWD", "SECRET", "TOKEN", "CREDENTIAL", "CREDENTIALS", "APIKEY", "PASSPHRASE"}
# Inside a longer word too: sslpassword, dbPassword, clientsecret, authtoken. ("key" alone is not one: Kafka's own
# key.converter and key.serializer would be refused.)
_SECRET_PARTS = ("PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL")
_SECRET_PAIRS = {("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY"), ("SECRET", "KEY"), ("CLIENT", "SECRET")}
_SECRET_VALUES = (
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"), "a URL with a password in it"),
    (re.compile(r"\b(?:password|passwd|secret|token)\s*=\s*\"(?!\$\{)[^\"]+\"", re.I), "a JAAS password"),
    # Unquoted too: KAFKA_SASL_JAAS="... password=S3cr3t;" or "user=app password=S3cr3t" (a reference stays allowed).
    (re.compile(r"\b(?:password|passwd|pwd|secret|token)\s*=\s*(?![\"'\s$*])[^\s;,]+", re.I), "a password in a value"),
    (re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}"), "a JSON web token"),
)
_PROVIDER_REFERENCE = re.compile(r"^\$\{[A-Za-z][A-Za-z0-9]*:[^}]+\}$")
#: ``<NAME>_FROM_SECRET``: the Connect workers' credentials provider reads ``${env:<NAME>}`` from the secret and
#: field its value names (``domain.connect_worker``).
CREDENTIAL_SOURCE_SUFFIX = "_FROM_SECRET"
_SECRET_SOURCE = re.compile(r"arn:[\w-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+#[\w.-]+")


def is_provider_reference(value: str) -> bool:
    """``${env:NAME}`` and friends: a pointer Kafka Connect resolves at runtime, never the secret itself."""
    return bool(_PROVIDER_REFERENCE.match(value.strip()))


def _words(name: str) -> list[str]:
    """``dbPassword`` and ``DB_PASSWORD`` alike: ``["DB", "PASSWORD"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if w]


def _names_an_arn(name: str) -> bool:
    return _words(name)[-1:] == ["ARN"]


def secret_name(name: str) -> bool:
    """Whether ``name`` (DB_PASSWORD, database.password, apiKey, ...) is where a secret would be stored."""
    words = _words(name)
    return (any(w in _SECRET_WORDS or any(part in w for part in _SECRET_PARTS) for w in words)
            or any(pair in _SECRET_PAIRS for pair in zip(words, words[1:])))


def secret_problem(name: str, value: object) -> str | None:
    """Why ``name: value`` looks like a secret in clear, or None. Non-text values (tokens resolved by CloudFormation)
    are judged by name only."""
    text = value if isinstance(value, str) else None
    if text is not None and is_provider_reference(text):
        return None
    if _names_an_arn(name) and (text is None or re.fullmatch(r"arn:[\w-]+:[\w-]+:[^\s]*", text)):
        return None  # CONNECT_REST_SECRET_ARN: where a secret is (an ARN, or a reference to one), not the secret
    if name.endswith(CREDENTIAL_SOURCE_SUFFIX) and text is not None and _SECRET_SOURCE.fullmatch(text):
        return None  # DBZ_X_PASSWORD_FROM_SECRET=<secret ARN>#password: where the worker reads it, not the secret
    if secret_name(name):
        return f"{name} looks like a secret by its name"
    if text is not None:
        for pattern, what in _SECRET_VALUES:
            if pattern.search(text):
                return f"the value of {name} looks like {what}"
    return None
