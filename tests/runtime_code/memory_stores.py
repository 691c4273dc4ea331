"""In-memory stand-ins for what the Connect functions keep in AWS: CloudWatch's metrics, the health monitor's state
(an SSM parameter) and the connectors' declarations (SSM parameters, ``declared.Declarations``)."""

from __future__ import annotations

from typing import Any


class RecordingCloudWatch:
    def __init__(self) -> None:
        self.metric_data: list[dict[str, Any]] = []

    def put_metric_data(self, **request: Any) -> None:
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
