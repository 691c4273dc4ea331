"""A Kafka Connect REST client for the reconciler and the health monitor (standard library only).

Retries what Connect says is transient (409 while a rebalance is in progress, 503 while a worker starts, 5xx,
timeouts, refused connections)
with exponential backoff, 200 ms doubling, at most ``max_attempts`` times and never past the ``deadline``. Whatever
it reports has secrets redacted. It authenticates with the REST API's basic credentials and, over ``https``, trusts
exactly the certificates the platform's secret lists (``rest_access`` reads both from the Secrets Manager secret
named by ``CONNECT_REST_SECRET_ARN``; ``rest_access.py`` writes and rotates it). A refused password or an untrusted
certificate makes ``platform_client`` read the secret once more (a rotation may have happened since): after that, a
certificate the secret does not list is an error at once, never retried.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, NamedTuple

LOGGER = logging.getLogger(__name__)
_SECRET_WORD = (r"(?:password|passwd|pwd|passphrase|secret(?!smanager)|token|credentials?|api[._-]?key|private[._-]?key|"
                r"authori[sz]ation)")
_SECRET_KEY = re.compile(_SECRET_WORD, re.I)
# A name that holds a secret: any identifier containing one of the words (database.password, AWS_SECRET_ACCESS_KEY,
# ssl.key.password, sasl.jaas.config's password, apiKey ...).
_NAME = rf"[\w.-]*{_SECRET_WORD}[\w.-]*"
_SALT_IN_NAME = re.compile(r"(\bcolumn\.mask\.hash\.(?:[\w-]+\.){1,2}with\.salt\.)(?!\{salt\})[^\s=\"':,]+", re.I)
# Redacted by structure, in this order: JSON members, quoted values (JAAS, properties), URL user-info, Kafka's
# ConfigException, and unquoted values, which run to the end of the line (a value may hold commas, semicolons or spaces: where it ends is unknown).
_REDACTIONS = (
    # JSON escaped inside a JSON string (a message quoting a request body): \"database.password\":\"x\"
    (re.compile(rf'(\\+"{_NAME}\\+"\s*:\s*\\+")(?:(?!\\+").)*(\\+")', re.I), r"\1****\2"),
    (re.compile(rf'("{_NAME}"\s*:\s*)"(?:[^"\\]|\\.)*"', re.I), r'\1"****"'),
    # JSON members whose value is not a string: a number, true/false, an object or a list
    (re.compile(rf'("{_NAME}"\s*:\s*)(?:-?\d[\w.+-]*|true|false|\{{[^{{}}]*\}}|\[[^\[\]]*\])', re.I), r'\1"****"'),
    # Python's repr of a dict, as a logged exception or a boto3 response prints it: {'password': 'x'}
    (re.compile(rf"('{_NAME}'\s*:\s*)(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?\d[\w.+-]*)", re.I), r"\1'****'"),
    (re.compile(rf"(\b{_NAME}\s*[=:]\s*)\"(?:[^\"\\]|\\.)*\"", re.I), r'\1"****"'),
    (re.compile(rf"(\b{_NAME}\s*[=:]\s*)'(?:[^'\\]|\\.)*'", re.I), r"\1'****'"),
    # URL user-info: the password runs to the last @ before the host (it may hold @ and /)
    (re.compile(r"(//[^/\s:@]+:)\S*(@)"), r"\1****\2"),
    # Kafka's ConfigException puts the value before the name: "Invalid value X for configuration NAME: ..."
    (re.compile(rf"(Invalid value ).+?( for configuration {_NAME})", re.I), r"\1****\2"),
    # (not an ARN's resource type: "...:secret:name-AbCdEf" names a secret, it does not hold one)
    (re.compile(rf"(?<!:)(\b{_NAME}\s*[=:]\s*)(?![\"'\s]|\*\*\*\*|\$\{{)[^\r\n]+", re.I), r"\1****"),
    # Debezium reads a hashing salt from the property's name: column.mask.hash.v2.SHA-256.with.salt.<salt>.
    (_SALT_IN_NAME, r"\1****"),
)


class ConnectError(Exception):
    """Connect answered with an error that retrying will not fix, or the deadline passed."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(redact_text(message))
        self.status = status


def redact_text(text: str) -> str:
    """Every secret value in text that leaves the function (logs, CloudFormation's status reason, which anyone with
    DescribeStackEvents reads): ``"database.password": "x"``, ``password="x"`` (JAAS), ``password=x, y`` (to the end of
    the line), ``jdbc:postgresql://user:x@host``, ``AWS_SECRET_ACCESS_KEY=x``. A config-provider reference
    (``${env:NAME}``) is kept: it names where the secret is, not the secret."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def redact_config(config: dict[str, Any]) -> dict[str, Any]:
    return {_SALT_IN_NAME.sub(r"\1****", k): ("****" if _SECRET_KEY.search(k) and not str(v).startswith("${") else v)
            for k, v in config.items()}


REST_SECRET_VARIABLE = "CONNECT_REST_SECRET_ARN"


class RestAccess(NamedTuple):
    """What a client of the REST API needs: the active user, and the PEM certificates it trusts (None: plain http,
    only where no secret lists any, as in tests without TLS)."""

    username: str
    password: str
    certificates: str | None = None


_ACCESS: dict[str, RestAccess] = {}


def rest_access(secrets_client: Any = None, *, fresh: bool = False) -> RestAccess | None:
    """The REST API's access from the secret ``CONNECT_REST_SECRET_ARN`` names (read once per execution environment,
    or again with ``fresh``), or None where no secret is named (a Connect cluster without authentication)."""
    arn = os.environ.get(REST_SECRET_VARIABLE)
    if not arn:
        return None
    if fresh or arn not in _ACCESS:
        try:
            value = json.loads(secret_string(arn, secrets_client))
            _ACCESS[arn] = RestAccess(str(value["username"]), str(value["password"]),
                                      str(value["certificates"]) if value.get("certificates") else None)
        except Exception as error:  # noqa: BLE001 - any failure is reported the same way, without the value
            raise ConnectError(f"cannot read the Connect REST credentials from {arn}: {type(error).__name__}") \
                from None
    return _ACCESS[arn]


def platform_client(url: str, *, deadline: float) -> "ConnectClient":
    """A client with the platform's access, which reads the secret again once if Connect refuses the password or
    presents a certificate the cached copy does not list."""
    access = rest_access()
    return ConnectClient(url, deadline=deadline, credentials=None if access is None else access[:2],
                         certificates=None if access is None else access.certificates,
                         reload=lambda: rest_access(fresh=True))


def secret_string(arn: str, secrets_client: Any = None) -> str:
    """A secret's value, read through Secrets Manager; a failure names the secret, never a value."""
    if secrets_client is None:
        import boto3

        secrets_client = boto3.client("secretsmanager")
    try:
        return str(secrets_client.get_secret_value(SecretId=arn)["SecretString"])
    except Exception as error:  # noqa: BLE001 - any failure is reported the same way, without the value
        raise ConnectError(f"cannot read the secret {arn}: {type(error).__name__}") from None


class ConnectClient:
    def __init__(self, base_url: str, *, deadline: float, request_timeout: float = 30.0, max_attempts: int = 10,
                 first_backoff: float = 0.2, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, credentials: tuple[str, str] | None = None,
                 certificates: str | None = None, reload: Callable[[], RestAccess | None] | None = None):
        self.base_url: str = base_url.rstrip("/")
        self._use(credentials, certificates)
        self._reload = reload
        self.deadline = deadline
        self.request_timeout = request_timeout
        self.max_attempts = max_attempts
        self.first_backoff = first_backoff
        self.clock = clock
        self.sleep = sleep

    def remaining(self) -> float:
        return self.deadline - self.clock()

    def _use(self, credentials: tuple[str, str] | None, certificates: str | None) -> None:
        self._authorization = None if credentials is None else \
            "Basic " + base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
        self._context: ssl.SSLContext | None = None
        if self.base_url.startswith("https://"):
            if not certificates:
                raise ConnectError(f"{self.base_url} is https, and no certificate to trust was given; the secret "
                                   f"{REST_SECRET_VARIABLE} names lists them under 'certificates'")
            # Only these certificates, with the host name checked: a pinned trust, not the public CAs.
            self._context = ssl.create_default_context(cadata=certificates)
            self._context.minimum_version = ssl.TLSVersion.TLSv1_2

    def _reloaded(self) -> bool:
        """Read the platform's access again, once per client: True if it was read."""
        if self._reload is None:
            return False
        reload, self._reload = self._reload, None
        access = reload()
        self._use(None if access is None else access[:2], None if access is None else access.certificates)
        return True

    # ---- the endpoints the platform uses ---------------------------------------------------------------------
    def wait_until_ready(self) -> None:
        """``GET /health`` (Kafka 3.9+) answers 200 once the worker has started and joined its group, 503 before,
        and 404 while its REST resources are not even registered. A worker still joining also answers 404 for
        connectors it has not read yet: nothing is decided before it is ready."""
        self.request("GET", "/health", retry_404=True)

    def connector_config(self, name: str) -> dict[str, str] | None:
        """The connector's config, or None if Connect does not know it (404)."""
        return self.request("GET", f"/connectors/{_quote(name)}/config", allow_404=True)

    def create(self, name: str, config: dict[str, str], state: str = "running") -> Any:
        """Creates the connector in its desired state (running | paused | stopped: ``initial_state``, Kafka 3.5+);
        409 if Connect already has it."""
        return self.request("POST", "/connectors", body={"name": name, "config": config,
                                                        "initial_state": state.upper()})

    def put_config(self, name: str, config: dict[str, str]) -> Any:
        """Creates the connector if absent, else replaces its config (Connect's idempotent create-or-update)."""
        return self.request("PUT", f"/connectors/{_quote(name)}/config", body=config)

    def status(self, name: str) -> dict[str, Any] | None:
        return self.request("GET", f"/connectors/{_quote(name)}/status", allow_404=True)

    def statuses(self) -> dict[str, Any]:
        return self.request("GET", "/connectors?expand=status") or {}

    def described(self) -> dict[str, Any]:
        """Every connector's status and live config in one call: ``{name: {"status": ..., "info": {"config": ...}}}``."""
        return self.request("GET", "/connectors?expand=status&expand=info") or {}

    def offsets(self, name: str) -> list[dict[str, Any]] | None:
        """The source offsets Connect committed for the connector (``GET /connectors/{name}/offsets``, Kafka 3.6+):
        ``[{"partition": {...}, "offset": {...}}]``, or None if Connect does not know it."""
        answer = self.request("GET", f"/connectors/{_quote(name)}/offsets", allow_404=True)
        return None if answer is None else list(answer.get("offsets", []))

    def set_state(self, name: str, state: str) -> None:
        verb = {"running": "resume", "paused": "pause", "stopped": "stop"}[state]
        self.request("PUT", f"/connectors/{_quote(name)}/{verb}")

    def delete(self, name: str) -> bool:
        """True if deleted, False if Connect did not have it."""
        return self.request("DELETE", f"/connectors/{_quote(name)}", allow_404=True) is not None

    def restart_connector(self, name: str) -> None:
        self.request("POST", f"/connectors/{_quote(name)}/restart?includeTasks=true&onlyFailed=true")

    def restart_all(self, name: str) -> None:
        """The connector and every task, running or not: each resolves its configuration again (its credentials)."""
        self.request("POST", f"/connectors/{_quote(name)}/restart?includeTasks=true&onlyFailed=false")

    def restart_task(self, name: str, task: int) -> None:
        self.request("POST", f"/connectors/{_quote(name)}/tasks/{task}/restart")

    def connectors(self) -> list[str]:
        return self.request("GET", "/connectors") or []

    # ---- transport -----------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, body: Any = None, allow_404: bool = False,
                retry_404: bool = False) -> Any:
        backoff = self.first_backoff
        last = "no attempt made"
        for attempt in range(1, self.max_attempts + 1):
            if self.remaining() <= 0:
                break
            try:
                return self._once(method, path, body, allow_404, retry_404)
            except _Retryable as retryable:
                last = str(retryable)
                LOGGER.info("%s %s: %s (attempt %d of %d)", method, path, last, attempt, self.max_attempts)
            pause = min(backoff, max(0.0, self.remaining()))
            if attempt < self.max_attempts and pause > 0:
                self.sleep(pause)
            backoff *= 2
        raise ConnectError(f"{method} {path} did not succeed within the time allowed: {last}")

    def _once(self, method: str, path: str, body: Any, allow_404: bool, retry_404: bool) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._authorization:
            headers["Authorization"] = self._authorization
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        timeout = max(0.1, min(self.request_timeout, self.remaining()))
        try:
            with urllib.request.urlopen(request, timeout=timeout,  # noqa: S310 - the Connect REST API
                                        context=self._context) as response:
                text = response.read().decode() or "null"
                return json.loads(text) if response.status != 204 else {}
        except urllib.error.HTTPError as error:
            detail = _error_message(error)
            if error.code in (401, 403):
                if self._reloaded():
                    raise _Retryable(f"HTTP {error.code}: credentials read again from the secret") from None
                raise ConnectError(f"{method} {path}: HTTP {error.code}: Connect refused the REST credentials "
                                   f"(check the secret {REST_SECRET_VARIABLE} names and the workers' copy of it)",
                                   error.code) from None
            if error.code == 404 and allow_404:
                return None
            if error.code == 404 and retry_404:
                raise _Retryable(f"HTTP 404 (still starting): {detail}") from None
            if error.code == 409 and "already exists" in detail:
                raise ConnectError(f"{method} {path}: HTTP 409: {detail}", error.code) from None
            if error.code == 409 or error.code >= 500:
                raise _Retryable(f"HTTP {error.code}: {detail}") from None
            raise ConnectError(f"{method} {path}: HTTP {error.code}: {detail}", error.code) from None
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, ssl.SSLCertVerificationError):
                if self._reloaded():
                    raise _Retryable("the certificate is not trusted: certificates read again from the secret") \
                        from None
                raise ConnectError(f"{method} {path}: the REST API presented a certificate the platform does not "
                                   f"trust ({reason.verify_message}); the secret {REST_SECRET_VARIABLE} names lists "
                                   "the trusted ones") from None
            raise _Retryable(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from None


class _Retryable(Exception):
    pass


def _error_message(error: urllib.error.HTTPError) -> str:
    try:
        payload = json.loads(error.read().decode() or "{}")
        return redact_text(str(payload.get("message", payload)))
    except (ValueError, OSError):
        return error.reason if isinstance(error.reason, str) else "no message"


def _quote(name: str) -> str:
    return urllib.parse.quote(name, safe="")
