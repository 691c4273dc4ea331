"""Reading a synthesized cloud assembly (cdk.out) as plain JSON: stages, stacks and their templates.

The synth summary, the tests and the scaling simulator all read what was really synthesized, never a second
description of it. No jsii here.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from kafka_platform.errors import ConfigurationError, Problem


@dataclass(frozen=True)
class SynthesizedStack:
    stage: str
    name: str  # the construct path, e.g. "Prod/Kafka"
    stack_name: str  # the CloudFormation stack name, e.g. "Prod-Kafka"
    template_path: Path
    account: str
    region: str

    @cached_property
    def template(self) -> dict[str, Any]:
        """The template, read once per ``SynthesizedStack`` (each ``CloudAssembly.stacks()`` call reads afresh)."""
        return json.loads(self.template_path.read_text())

    def resources(self, resource_type: str | None = None) -> dict[str, dict[str, Any]]:
        return {logical_id: resource for logical_id, resource in self.template.get("Resources", {}).items()
                if resource_type is None or resource["Type"] == resource_type}


@dataclass(frozen=True)
class CloudAssembly:
    directory: Path

    @classmethod
    def open(cls, directory: Path | str) -> CloudAssembly:
        """The assembly synthesized into ``directory``, or a clear error when there is none."""
        directory = Path(directory)
        if not (directory / "manifest.json").exists():
            raise ConfigurationError([Problem(str(directory), "", "holds no cloud assembly (manifest.json); run make "
                                                                  "synth (or cdk synth) first")])
        return cls(directory)

    def stages(self) -> list[str]:
        return [artifact["properties"]["displayName"]
                for artifact in self._manifest(self.directory)["artifacts"].values()
                if artifact["type"] == "cdk:cloud-assembly"]

    def stage_named(self, given: str, hint: str = "") -> str:
        """The stage ``given`` names, however it is written: the environment's name (``prod``, ``prod-dr``), the
        stage's (``Prod``, ``ProdDr``) or a CDK pattern (``Prod/*``); anything else is refused with the stage meant."""
        stages = self.stages()
        key = _stage_key(given)
        for stage in stages:
            if _stage_key(stage) == key:
                return stage
        close = difflib.get_close_matches(key, [_stage_key(s) for s in stages], n=1, cutoff=0.6)
        meant = next((s for s in stages if close and _stage_key(s) == close[0]), None)
        meant_hint = f"did you mean {meant}? " if meant else ""
        raise ConfigurationError([Problem(str(self.directory), "", f"has no stage {given!r}; {meant_hint}it has "
                                          f"{', '.join(sorted(stages)) or 'none'} (an environment is named by its "
                                          f"file, prod, or its stage, Prod){'; ' + hint if hint else ''}")])

    def stacks(self, stage: str | None = None) -> list[SynthesizedStack]:
        return list(self._stacks(stage))

    def stack(self, name: str) -> SynthesizedStack:
        """``name`` is the stack's path, ``Prod/Kafka``."""
        for stack in self._stacks(None):
            if stack.name == name:
                return stack
        raise KeyError(f"no stack {name!r} in {self.directory}; it has {[s.name for s in self._stacks(None)]}")

    def _stacks(self, stage: str | None) -> Iterator[SynthesizedStack]:
        """The stacks of each stage (nested assemblies), and those of an app without stages (stage ``""``)."""
        if stage in (None, ""):
            yield from self._stacks_in(self.directory, "")
        for artifact in self._manifest(self.directory)["artifacts"].values():
            if artifact["type"] != "cdk:cloud-assembly":
                continue
            stage_name = artifact["properties"]["displayName"]
            if stage is None or stage_name == stage:
                yield from self._stacks_in(self.directory / artifact["properties"]["directoryName"], stage_name)

    def _stacks_in(self, directory: Path, stage: str) -> Iterator[SynthesizedStack]:
        for stack in self._manifest(directory)["artifacts"].values():
            if stack["type"] != "aws:cloudformation:stack":
                continue
            account, region = stack["environment"].removeprefix("aws://").split("/")
            yield SynthesizedStack(stage=stage, name=stack["displayName"],
                                   stack_name=stack["properties"].get("stackName", stack["displayName"]),
                                   template_path=directory / stack["properties"]["templateFile"],
                                   account=account, region=region)

    @staticmethod
    def _manifest(directory: Path) -> dict[str, Any]:
        return json.loads((directory / "manifest.json").read_text())


def _stage_key(name: str) -> str:
    """``Prod/*``, ``prod``, ``Prod``; ``prod-dr``, ``ProdDr``: one spelling."""
    return name.removesuffix("/*").replace("-", "").replace("_", "").lower()
