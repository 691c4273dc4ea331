"""Every check on one consumer service's settings, keyed by configuration field name.

The configuration loader reports these under ``consumers[<name>].<field>``; ``KafkaConsumerService`` reports them
under its construct path, with its own prop names where they differ (``max_delay``, ``scale_out_cooldown``...).
"""

from __future__ import annotations

from typing import Mapping, Sequence

from kafka_platform.domain import lag_scaling, msk_metrics, needed_tasks, schedules
from kafka_platform.domain.lag_scaling import ScalingStep
from kafka_platform.domain.secrets import secret_problem
from kafka_platform.errors import show

CLOUDWATCH_METRICS_PER_ALARM = 10
# The CloudFormation metadata key under which KafkaConsumerService describes the consumer on its scalable target
# (Service, ConsumerGroup, Topics, Partitions, MaxDelaySeconds, TaskThroughputMessagesPerSecond): read by the
# KafkaPlatform-ConsumerTasksWithinPartitions rule, the synth summary and the scaling simulator.
SCALABLE_TARGET_METADATA_KEY = "KafkaPlatform"
# The wake-up alarm's name ends so; readers of the templates tell its step policy from the scale-out one by it.
WAKE_UP_ALARM_SUFFIX = "-wake-up"


def consumer_problems(*, consumer_group: str, topic_names: Sequence[str], partitions: int,
                      environment: Mapping[str, str], min_tasks: int, max_tasks: int | None,
                      wake_up_on_produce: bool, scaling_mode: str, task_throughput: float | None,
                      max_delay_seconds: int, scale_out_backlog_per_task: int | None,
                      scale_in_backlog_per_task: int | None, scale_out_steps: Sequence[ScalingStep] | None,
                      scale_in_percent: int | None,
                      scale_out_cooldown_seconds: int, scale_in_cooldown_seconds: int,
                      target_backlog_per_task: int | None, broker_count: int | None,
                      headroom_percent: int | None = None,
                      scheduled_capacity: Sequence[schedules.ScheduledCapacity] = ()) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if (p := msk_metrics.consumer_group_problem(consumer_group)) is not None:
        problems.append(("consumer_group", p))
    if not topic_names:
        problems.append(("topics", "is empty; a consumer reads at least one topic"))
    elif len(topic_names) + 1 > CLOUDWATCH_METRICS_PER_ALARM:
        problems.append(("topics", f"has {len(topic_names)} topics; the scaling alarms divide one lag metric per "
                                   f"topic by the running tasks, and CloudWatch allows {CLOUDWATCH_METRICS_PER_ALARM} "
                                   f"metrics per alarm: consume {CLOUDWATCH_METRICS_PER_ALARM - 1} topics or fewer, "
                                   "or split the service"))
    for topic in sorted({t for t in topic_names if list(topic_names).count(t) > 1}):
        # Tasks would be sized for its partitions twice, and its lag counted twice.
        problems.append(("topics", f"{show(topic)} is listed twice; list each topic once"))
    if max_delay_seconds < 60:
        problems.append(("max_delay_seconds", f"{max_delay_seconds} is below the one-minute lag metric; use 60 or "
                                              "more"))
    for name, value in environment.items():
        if (p := secret_problem(name, value)) is not None:
            problems.append((f"environment.{name}", f"{p}; pass it under secrets, from Secrets Manager"))
    problems += lag_scaling.capacity_problems(partitions=partitions, min_tasks=min_tasks, max_tasks=max_tasks,
                                              wake_up_on_produce=wake_up_on_produce)
    problems += schedules.scheduled_capacity_problems(
        scheduled_capacity, min_tasks=min_tasks,
        max_tasks=partitions if max_tasks is None else min(max_tasks, partitions))
    if headroom_percent is not None and scaling_mode != "needed_tasks":
        problems.append(("headroom_percent", "applies to scaling_mode needed_tasks; remove it, or choose that mode"))
    if scaling_mode == "needed_tasks":
        for name, value in (("scale_out_backlog_per_task_messages", scale_out_backlog_per_task),
                            ("scale_in_backlog_per_task_messages", scale_in_backlog_per_task),
                            ("scale_out_steps", scale_out_steps), ("scale_in_percent", scale_in_percent),
                            ("target_backlog_per_task_messages", target_backlog_per_task)):
            if value is not None:
                problems.append((name, "applies to scaling_mode steps or target_tracking, not needed_tasks (which "
                                       "sizes the fleet from the incoming rate); remove it, or change the mode"))
        problems += needed_tasks.needed_tasks_problems(
            task_throughput=task_throughput, broker_count=broker_count, topics=len(topic_names),
            partitions=partitions, headroom_percent=headroom_percent, metrics_per_alarm=CLOUDWATCH_METRICS_PER_ALARM)
        problems += lag_scaling.cooldown_problems(scale_out_cooldown_seconds, scale_in_cooldown_seconds)
    elif scaling_mode == "steps":
        if target_backlog_per_task is not None:
            problems.append(("target_backlog_per_task_messages", "applies to scaling_mode target_tracking; remove "
                                                                 "it, or choose that mode (one mode per service)"))
        problems += lag_scaling.step_policy_problems(
            task_throughput=task_throughput, max_delay_seconds=max_delay_seconds,
            scale_out_backlog_per_task=scale_out_backlog_per_task,
            scale_in_backlog_per_task=scale_in_backlog_per_task, scale_out_steps=scale_out_steps,
            scale_in_percent=scale_in_percent, scale_out_cooldown_seconds=scale_out_cooldown_seconds,
            scale_in_cooldown_seconds=scale_in_cooldown_seconds)
    else:
        for name, value in (("scale_out_backlog_per_task_messages", scale_out_backlog_per_task),
                            ("scale_in_backlog_per_task_messages", scale_in_backlog_per_task),
                            ("scale_out_steps", scale_out_steps),
                            ("scale_in_percent", scale_in_percent)):
            if value is not None:
                problems.append((name, "applies to step scaling; remove it, or set scaling_mode: steps (one mode "
                                       "per service)"))
        problems += lag_scaling.target_tracking_problems(target_backlog_per_task=target_backlog_per_task,
                                                         task_throughput=task_throughput,
                                                         max_delay_seconds=max_delay_seconds)
    if wake_up_on_produce:
        if broker_count is None:
            problems.append(("wake_up_on_produce", "needs the cluster's broker count (give broker_count to "
                                                   "from_cluster_attributes): the wake-up sums each broker's "
                                                   "MessagesInPerSec"))
        elif broker_count * len(topic_names) + 1 > CLOUDWATCH_METRICS_PER_ALARM:
            problems.append(("wake_up_on_produce", f"would need {broker_count * len(topic_names) + 1} metrics in one "
                                                   f"alarm, above CloudWatch's {CLOUDWATCH_METRICS_PER_ALARM}; "
                                                   "consume fewer topics or keep min_tasks at 1"))
    return problems
