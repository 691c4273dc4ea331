"""Application Auto Scaling step policies as the simulator applies them.

* Steps are relative to the alarm threshold. Above it (bounds >= 0) the lower bound is inclusive and the upper
  exclusive; below it (bounds <= 0) the lower bound is exclusive and the upper inclusive; a missing bound is
  unbounded.
* Adjustments: ChangeInCapacity; PercentChangeInCapacity (a result above 1 rounds down, between 0 and 1 becomes 1,
  between -1 and 0 becomes -1, below -1 rounds toward zero; MinAdjustmentMagnitude applies); ExactCapacity.
* Cooldowns: a scale-out during the scale-out cooldown happens only for a larger step, and only by the difference
  (+2, then a +3 step in the cooldown, adds 1). A scale-in during the scale-in cooldown does not happen. A scale-out
  during the scale-in cooldown happens at once and ends that cooldown. A policy without a Cooldown gets the API's
  300 s. Not documented, and assumed here: a scale-in during a scale-out cooldown happens.
* Capacity is clamped to the scalable target's min and max.

Sources: https://docs.aws.amazon.com/autoscaling/application/userguide/step-scaling-policy-overview.html.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from kafka_platform.deployed_scaling import StepAdjustment

API_DEFAULT_COOLDOWN_SECONDS = 300


def select_step(steps: Sequence[StepAdjustment], breach: float) -> StepAdjustment | None:
    """The step whose interval holds ``breach`` (metric value minus threshold)."""
    for step in steps:
        lower = -math.inf if step.lower is None else step.lower
        upper = math.inf if step.upper is None else step.upper
        above_threshold = step.lower is not None and step.lower >= 0
        if (lower <= breach < upper) if above_threshold else (lower < breach <= upper):
            return step
    return None


def change(current: int, adjustment_type: str, adjustment: float, min_adjustment_magnitude: int | None = None) -> int:
    """The new capacity an adjustment asks for, before cooldowns and bounds."""
    if adjustment_type == "ExactCapacity":
        return int(adjustment)
    if adjustment_type == "ChangeInCapacity":
        return current + int(adjustment)
    raw = current * adjustment / 100
    if raw > 1:
        delta = math.floor(raw)
    elif raw > 0:
        delta = 1
    elif raw > -1:
        delta = -1 if raw < 0 else 0
    else:
        delta = math.ceil(raw)
    if min_adjustment_magnitude and 0 < abs(delta) < min_adjustment_magnitude:
        delta = int(math.copysign(min_adjustment_magnitude, delta))
    return current + delta


@dataclass
class ScalableTarget:
    """Desired capacity with Application Auto Scaling's cooldown bookkeeping."""

    min_capacity: int
    max_capacity: int
    desired: int
    scale_out_started: float | None = None
    scale_out_base: int = 0
    scale_out_cooldown: float = 0.0
    scale_in_started: float | None = None
    scale_in_cooldown: float = 0.0
    actions: int = 0

    def clamp(self, value: int) -> int:
        return max(self.min_capacity, min(self.max_capacity, value))

    def apply(self, now: float, *, adjustment_type: str, adjustment: float, cooldown: float | None,
              min_adjustment_magnitude: int | None = None) -> bool:
        """Apply one invocation of a step policy at ``now``; returns whether the desired capacity changed."""
        cooldown = API_DEFAULT_COOLDOWN_SECONDS if cooldown is None else cooldown
        if adjustment_type == "ExactCapacity":
            scaling_out = adjustment > self.desired
        else:
            scaling_out = adjustment > 0
        if scaling_out:
            in_cooldown = self.scale_out_started is not None and now - self.scale_out_started < self.scale_out_cooldown
            base = self.scale_out_base if in_cooldown else self.desired
            wanted = self.clamp(change(base, adjustment_type, adjustment, min_adjustment_magnitude))
            if wanted <= self.desired:
                return False
            if not in_cooldown:
                self.scale_out_started, self.scale_out_base, self.scale_out_cooldown = now, self.desired, cooldown
            self.scale_in_started = None  # a scale-out ends the scale-in cooldown
            return self._set(wanted)
        if self.scale_in_started is not None and now - self.scale_in_started < self.scale_in_cooldown:
            return False
        wanted = self.clamp(change(self.desired, adjustment_type, adjustment, min_adjustment_magnitude))
        if wanted >= self.desired:
            return False
        self.scale_in_started, self.scale_in_cooldown = now, cooldown
        return self._set(wanted)

    def schedule(self, min_capacity: int | None, max_capacity: int | None) -> bool:
        """A scheduled action: new bounds; a desired count outside them moves to the nearer one (no cooldown is
        started or consulted: the CloudFormation reference of ScheduledAction; whether a scheduled change starts a
        cooldown is not documented, *inferred* not). Returns whether the desired count changed."""
        if min_capacity is not None:
            self.min_capacity = min_capacity
        if max_capacity is not None:
            self.max_capacity = max_capacity
        return self._set(self.clamp(self.desired))

    def set_desired(self, value: int) -> bool:
        """A direct decision (target tracking, baselines): no step cooldowns, still clamped."""
        return self._set(self.clamp(value))

    def _set(self, value: int) -> bool:
        if value == self.desired:
            return False
        self.desired = value
        self.actions += 1
        return True
