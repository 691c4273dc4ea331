"""In-memory stand-ins for what the Connect functions keep in AWS: CloudWatch's metrics, the health monitor's state
(an SSM parameter), the connectors' declarations (SSM parameters, ``declared.Declarations``) and Secrets Manager;
and an HTTP answer for a replaced ``urlopen``."""

from __future__ import annotations

from typing import Any


class RecordingCloudWatch:
    """Every PutMetricData request as sent (``requests``), and their metrics in one list (``metric_data``)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.metric_data: list[dict[str, Any]] = []

    def put_metric_data(self, **request: Any) -> None:
        self.requests.append(request)
        self.metric_data.extend(request["MetricData"])


class MemoryState:
    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self.state: dict[str, Any] = {} if state is None else state

    def load(self) -> dict[str, Any]:
        return dict(self.state)

    def save(self, state: dict[str, Any]) -> None:
        self.state.clear()
        self.state.update(state)


class MemoryDeclarations:
    def __init__(self, **declarations: dict[str, Any]) -> None:
        self.values: dict[str, dict[str, Any]] = dict(declarations)

    def put(self, name: str, declaration: dict[str, Any]) -> None:
        self.values[name] = declaration

    def delete(self, name: str) -> None:
        self.values.pop(name, None)

    def all(self) -> dict[str, dict[str, Any]]:
        return dict(self.values)


class Secrets:
    """Secrets Manager's GetSecretValue: ``value`` as the SecretString, or ``error`` raised; ids asked are recorded."""

    def __init__(self, value: str | None = None, error: Exception | None = None) -> None:
        self.value, self.error, self.calls = value, error, []

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls.append(SecretId)
        if self.error:
            raise self.error
        return {"SecretString": self.value}


class Answer:
    """What a replaced ``urllib.request.urlopen`` returns: a 200 whose body is ``body``."""

    status = 200

    def __init__(self, body: bytes = b"") -> None:
        self.body = body

    def __enter__(self) -> "Answer":
        return self

    def __exit__(self, *exc: Any) -> bool:
        return False

    def read(self) -> bytes:
        return self.body
