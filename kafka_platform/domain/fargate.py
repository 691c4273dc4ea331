"""Fargate task sizes and container image references."""

from __future__ import annotations

import re

from kafka_platform.errors import show

# Memory (MiB) Fargate accepts for each CPU size (units of 1/1024 vCPU).
_MEMORY = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}
ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/"
                       r"(?P<repository>[a-z0-9._/-]+)(?::(?P<tag>[\w.-]+)|@(?P<digest>sha256:[0-9a-f]{64}))$")
_ANY_IMAGE = re.compile(r"^[a-z0-9.-]+(:\d+)?/[a-z0-9._/-]+(?::[\w.-]+|@sha256:[0-9a-f]{64})$")


def task_size_problem(cpu: int, memory_mib: int) -> tuple[str, str] | None:
    if cpu not in _MEMORY:
        return "cpu", f"{cpu} is not a Fargate CPU size; use one of {', '.join(map(str, _MEMORY))}"
    if memory_mib not in _MEMORY[cpu]:
        choices = _MEMORY[cpu]
        return "memory_mib", (f"{memory_mib} does not fit cpu {cpu}; Fargate offers {choices[0]} to {choices[-1]} "
                              f"MiB in steps of {choices[1] - choices[0]}")
    return None


def image_reachability_problem(image: str, region: str) -> str | None:
    """Without internet egress, tasks pull only from ECR in their own region (through the VPC's ECR endpoints;
    another region's ECR or another registry is on the internet)."""
    match = ECR_IMAGE.match(image)
    if match is not None and match["region"] == region:
        return None
    where = f"ECR in {match['region']}" if match else image.split("/", 1)[0]
    return (f"{show(image)} is pulled from {where}, which the VPC's endpoints do not reach (tasks have no internet); "
            f"copy it to ECR in {region} (<account>.dkr.ecr.{region}.amazonaws.com/<repository>:<version>), or set "
            "network.internet_egress_reason")


def image_problem(image: str) -> str | None:
    """A bank deploys what it reviewed: an image is pinned to a version tag or a digest, never latest."""
    if not (ECR_IMAGE.match(image) or _ANY_IMAGE.match(image)):
        return (f"{show(image)} is not a pinned image reference; use registry/repository:version or "
                "registry/repository@sha256:<digest>, e.g. 333333333333.dkr.ecr.eu-west-2.amazonaws.com/app:1.4.2")
    if image.endswith(":latest"):
        return f"{show(image)} is not pinned: latest changes under a running service; use a version tag or digest"
    return None
