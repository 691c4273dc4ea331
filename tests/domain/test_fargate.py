"""Fargate task sizes and image references, each message in full (found by make mutate: the configuration refuses
through these, and its battery checked a few of them)."""

import pytest

from kafka_platform.domain import fargate, lag_scaling


def test_a_cpu_size_fargate_does_not_offer_lists_the_ones_it_does():
    assert fargate.task_size_problem(300, 1024) == (
        "cpu", "300 is not a Fargate CPU size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384")


@pytest.mark.parametrize("cpu, memory, expected", [
    (256, 512, None), (256, 2048, None), (512, 4096, None), (16384, 122880, None),
    (256, 4096, ("memory_mib", "4096 does not fit cpu 256; Fargate offers 512 to 2048 MiB in steps of 512")),
    (1024, 1536, ("memory_mib", "1536 does not fit cpu 1024; Fargate offers 2048 to 8192 MiB in steps of 1024")),
    (8192, 20000, ("memory_mib", "20000 does not fit cpu 8192; Fargate offers 16384 to 61440 MiB in steps of 4096")),
])
def test_memory_must_fit_the_cpu(cpu, memory, expected):
    assert fargate.task_size_problem(cpu, memory) == expected


@pytest.mark.parametrize("image, problem", [
    ("333333333333.dkr.ecr.eu-west-2.amazonaws.com/lending/loans:2.3.1", None),
    ("333333333333.dkr.ecr.eu-west-2.amazonaws.com/loans@sha256:" + "a" * 64, None),
    ("registry.example.com:5000/team/app:1.0", None),
    ("loans", '"loans" is not a pinned image reference; use registry/repository:version or '
              "registry/repository@sha256:<digest>, e.g. 333333333333.dkr.ecr.eu-west-2.amazonaws.com/app:1.4.2"),
    ("registry.example.com/team/app", '"registry.example.com/team/app" is not a pinned image reference; use '
                                      "registry/repository:version or registry/repository@sha256:<digest>, e.g. "
                                      "333333333333.dkr.ecr.eu-west-2.amazonaws.com/app:1.4.2"),
    ("registry.example.com/team/app:latest", '"registry.example.com/team/app:latest" is not pinned: latest changes '
                                             "under a running service; use a version tag or digest"),
])
def test_an_image_is_pinned(image, problem):
    assert fargate.image_problem(image) == problem


def test_an_image_outside_the_regions_ecr_is_named_where_it_is_pulled_from():
    assert fargate.image_reachability_problem("333333333333.dkr.ecr.eu-west-2.amazonaws.com/a:1", "eu-west-2") is None
    assert fargate.image_reachability_problem("333333333333.dkr.ecr.us-east-1.amazonaws.com/a:1", "eu-west-2") == (
        '"333333333333.dkr.ecr.us-east-1.amazonaws.com/a:1" is pulled from ECR in us-east-1, which the VPC\'s '
        "endpoints do not reach (tasks have no internet); copy it to ECR in eu-west-2 "
        "(<account>.dkr.ecr.eu-west-2.amazonaws.com/<repository>:<version>), or set network.internet_egress_reason")
    assert fargate.image_reachability_problem("quay.io/debezium/connect:3.0", "eu-west-2").startswith(
        '"quay.io/debezium/connect:3.0" is pulled from quay.io, which')


def test_the_default_scale_out_cooldown_per_mode():
    assert lag_scaling.default_scale_out_cooldown_seconds("steps") == 240
    assert lag_scaling.default_scale_out_cooldown_seconds("target_tracking") == 60
    assert lag_scaling.default_scale_out_cooldown_seconds("needed_tasks") == 60
