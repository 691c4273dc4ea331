"""Replay the scaling a service really deploys against load, before month-end does it in production.

``kafka-platform simulate`` and ``make bench`` read a consumer service's alarms, step policies or target tracking,
and scalable target from the synthesized templates (``kafka_platform.deployed_scaling``, ``service``), then replay
them with the semantics of CloudWatch (``cloudwatch``), Application Auto Scaling (``autoscaling``), ECS and Kafka
(``engine``), against load profiles (``profiles``), beside the baselines (``policies``, ``compare``), and report
(``report``, ``run``).
"""
