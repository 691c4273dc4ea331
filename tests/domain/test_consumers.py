"""Every check on one consumer service, called directly: the configuration's types refuse some values first, but a
team's code passes props straight to KafkaConsumerService (found by make mutate)."""

import pytest

from kafka_platform.domain.consumers import consumer_problems
from kafka_platform.domain.lag_scaling import ScalingStep

STEPS_ONLY = "applies to step scaling; remove it, or set scaling_mode: steps (one mode per service)"
NOT_NEEDED = ("applies to scaling_mode steps or target_tracking, not needed_tasks (which sizes the fleet from the "
              "incoming rate); remove it, or change the mode")


def problems(**changes):
    values = dict(consumer_group="loan-approvals", topic_names=["loan-applications"], partitions=24, environment={},
                  min_tasks=1, max_tasks=None, wake_up_on_produce=False, scaling_mode="steps", task_throughput=40,
                  max_delay_seconds=180, scale_out_backlog_per_task=None, scale_in_backlog_per_task=None,
                  scale_out_steps=None, scale_in_percent=None, scale_out_cooldown_seconds=240,
                  scale_in_cooldown_seconds=300, target_backlog_per_task=None, broker_count=3)
    values.update(changes)
    return consumer_problems(**values)


def test_a_sound_service_has_no_problem_in_each_mode():
    assert problems() == []
    assert problems(scaling_mode="target_tracking", scale_out_cooldown_seconds=60) == []
    assert problems(scaling_mode="needed_tasks", scale_out_cooldown_seconds=60, headroom_percent=10) == []
    assert problems(max_delay_seconds=60) == []


@pytest.mark.parametrize("changes, expected", [
    ({"consumer_group": "a:b"}, [("consumer_group", '"a:b" has \':\' or non-ASCII characters, for which MSK publishes '
                                                    "no lag metrics; use letters, digits, '.', '_' and '-'")]),
    ({"topic_names": []}, [("topics", "is empty; a consumer reads at least one topic")]),
    ({"topic_names": ["a", "b", "a", "b", "c"]}, [("topics", '"a" is listed twice; list each topic once'),
                                                   ("topics", '"b" is listed twice; list each topic once')]),
    ({"max_delay_seconds": 59}, [("max_delay_seconds", "59 is below the one-minute lag metric; use 60 or more")]),
    ({"headroom_percent": 10}, [("headroom_percent", "applies to scaling_mode needed_tasks; remove it, or choose that "
                                                     "mode")]),
    ({"environment": {"DB_PASSWORD": "hunter2"}},
     [("environment.DB_PASSWORD", "DB_PASSWORD looks like a secret by its name; pass it under secrets, from Secrets "
                                  "Manager")]),
])
def test_each_rule_in_full(changes, expected):
    assert problems(**changes) == expected


def test_nine_topics_fit_one_alarm_and_ten_do_not():
    assert problems(topic_names=[f"t{i}" for i in range(9)]) == []
    assert problems(topic_names=[f"t{i}" for i in range(10)]) == [("topics", (
        "has 10 topics; the scaling alarms divide one lag metric per topic by the running tasks, and CloudWatch "
        "allows 10 metrics per alarm: consume 9 topics or fewer, or split the service"))]


def test_step_settings_are_refused_outside_steps_naming_each():
    settings = dict(scale_out_backlog_per_task=1000, scale_in_backlog_per_task=10,
                    scale_out_steps=[ScalingStep(1000, None, 100)], scale_in_percent=20)
    assert problems(scaling_mode="target_tracking", scale_out_cooldown_seconds=60, **settings) == [
        ("scale_out_backlog_per_task_messages", STEPS_ONLY), ("scale_in_backlog_per_task_messages", STEPS_ONLY),
        ("scale_out_steps", STEPS_ONLY), ("scale_in_percent", STEPS_ONLY)]
    assert problems(scaling_mode="needed_tasks", scale_out_cooldown_seconds=60, target_backlog_per_task=5,
                    **settings) == [
        ("scale_out_backlog_per_task_messages", NOT_NEEDED), ("scale_in_backlog_per_task_messages", NOT_NEEDED),
        ("scale_out_steps", NOT_NEEDED), ("scale_in_percent", NOT_NEEDED),
        ("target_backlog_per_task_messages", NOT_NEEDED)]
    assert problems(target_backlog_per_task=5) == [
        ("target_backlog_per_task_messages", "applies to scaling_mode target_tracking; remove it, or choose that mode "
                                             "(one mode per service)")]


def test_each_mode_checks_its_own_settings():
    assert problems(scaling_mode="target_tracking", task_throughput=None, scale_out_cooldown_seconds=60) == [
        ("target_backlog_per_task_messages", "is missing; set it, or set task_throughput_messages_per_second and "
                                             "max_delay_seconds to derive it")]
    assert problems(task_throughput=None) == [
        ("scale_out_backlog_per_task_messages", "is missing; set it, or set task_throughput_messages_per_second and "
                                                "max_delay_seconds to derive it")]
    found = problems(scaling_mode="needed_tasks", scale_in_cooldown_seconds=60)
    assert [field for field, _ in found] == ["scale_in_cooldown_seconds"]


def test_wake_up_on_produce_needs_the_broker_count_and_room_in_one_alarm():
    assert problems(min_tasks=0, wake_up_on_produce=True, broker_count=None) == [("wake_up_on_produce", (
        "needs the cluster's broker count (give broker_count to from_cluster_attributes): the wake-up sums each "
        "broker's MessagesInPerSec"))]
    assert problems(min_tasks=0, wake_up_on_produce=True, broker_count=9) == []  # 9 x 1 + 1 = 10 metrics
    assert problems(min_tasks=0, wake_up_on_produce=True, broker_count=3, topic_names=["a", "b", "c", "d"]) == [
        ("wake_up_on_produce", "would need 13 metrics in one alarm, above CloudWatch's 10; consume fewer topics or "
                               "keep min_tasks at 1")]


def test_an_empty_consumer_group_is_named():
    assert problems(consumer_group="") == [("consumer_group", '"" is empty; name the consumer group, for example '
                                                              "loan-approvals")]


def test_an_explicit_tracking_target_is_judged_and_ten_brokers_overflow_one_alarm():
    assert problems(scaling_mode="target_tracking", scale_out_cooldown_seconds=60, target_backlog_per_task=0) == [
        ("target_backlog_per_task_messages", "0 is not a backlog; use 1 or more")]
    assert problems(min_tasks=0, wake_up_on_produce=True, broker_count=10) == [
        ("wake_up_on_produce", "would need 11 metrics in one alarm, above CloudWatch's 10; consume fewer topics or keep "
                               "min_tasks at 1")]
