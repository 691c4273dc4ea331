"""Load profiles: messages per second, one value per minute, and what happens to the consumers.

The shipped shapes are scaled to a service's capacity (its partitions times its per-task throughput, the most its
partitions allow), so that every profile is one the partitions can carry:

* ``month-end``: two quiet hours, repayments surge to 75% of capacity within 15 minutes, hold for two hours
  (with a 5% ripple), ebb over half an hour, then a quiet tail.
* ``campaign``: a marketing campaign ramps linearly to 60% over three hours, holds two, and stops.
* ``daily-cycle``: 24 hours between 5% at night and 40% in the afternoon.
* ``consumer-crash``: steady 30%; at minute 120 every task of the service dies and ECS replaces them.
* ``noisy-month-end``: the month-end surge with noise, bursts to 90%, a dip and a second peak.

Each shipped profile runs on a clock (``start``, UTC), so that a service's scheduled actions
(``kafka_platform.domain.schedules``) fire when they would: the month-ends on the last day of a month (Monday
30 November 2026) from 07:00, the surge at 09:00 (*inferred*: repayments collected by direct debit settle in the
morning); the others on an ordinary day (Tuesday 17 November 2026), where a month-end schedule does not fire.

``from_csv`` reads a team's own profile: a header ``minute,messages_per_second`` and one row per minute; it has no
clock unless given one (``kafka-platform simulate --start``).
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from kafka_platform.errors import ConfigurationError, Problem


@dataclass(frozen=True)
class LoadProfile:
    name: str
    rates: tuple[float, ...]
    description: str = ""
    spike_end_minute: int | None = None  # the first minute after the surge (or the crash): "time to drain" from it
    crash_minutes: tuple[int, ...] = ()  # minutes at which every task of the service dies
    start: datetime | None = None  # when minute 0 begins (aware): scheduled actions run on this clock; None: none run

    @property
    def minutes(self) -> int:
        return len(self.rates)

    @property
    def peak(self) -> float:
        return max(self.rates)

    @property
    def mean(self) -> float:
        return sum(self.rates) / len(self.rates)


MONTH_END = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)  # the last day of a month, a Monday
ORDINARY_DAY = datetime(2026, 11, 17, 0, 0, tzinfo=timezone.utc)  # mid-month, a Tuesday


def _piecewise(points: list[tuple[int, float]], ripple: Callable[[int], float] = lambda m: 1.0) -> list[float]:
    """Linear between ``(minute, fraction)`` points; the last point's minute is the length."""
    rates = []
    for (start, low), (end, high) in zip(points, points[1:]):
        for minute in range(start, end):
            rates.append((low + (high - low) * (minute - start) / (end - start)) * ripple(minute))
    return rates


def month_end(capacity: float) -> LoadProfile:
    shape = _piecewise([(0, 0.08), (120, 0.08), (135, 0.75), (255, 0.75), (285, 0.12), (405, 0.12)],
                       ripple=lambda m: 1 + 0.05 * math.sin(m / 4) if 135 <= m < 255 else 1.0)
    return LoadProfile("month-end", tuple(capacity * f for f in shape),
                       "month-end repayments: 8% to 75% of capacity in 15 minutes, two hours at the top",
                       spike_end_minute=255, start=MONTH_END)


def campaign(capacity: float) -> LoadProfile:
    shape = _piecewise([(0, 0.08), (60, 0.08), (240, 0.6), (360, 0.6), (361, 0.1), (450, 0.1)])
    return LoadProfile("campaign", tuple(capacity * f for f in shape),
                       "a campaign ramps to 60% of capacity over three hours and stops", spike_end_minute=360,
                       start=ORDINARY_DAY.replace(hour=8))


def daily_cycle(capacity: float) -> LoadProfile:
    shape = [0.05 + 0.35 * (1 - math.cos(2 * math.pi * (m - 300) / 1440)) / 2 for m in range(1440)]
    return LoadProfile("daily-cycle", tuple(capacity * f for f in shape), "a day: 5% at night, 40% in the afternoon",
                       start=ORDINARY_DAY)


def noisy_month_end(capacity: float) -> LoadProfile:
    """Month-end as it comes: the same surge, with minute-to-minute noise (+-8 %), three bursts to 90 % of capacity
    for 2-4 minutes, a dip to 35 % for 10 minutes (a payment provider's outage), and a second, lower peak (55 %)
    an hour after the first ends (the late batch). The noise comes from a fixed seed: the profile is the same in
    every run, so that policies and seeds differ only in the world's timing."""
    shape = _piecewise([(0, 0.08), (120, 0.08), (135, 0.75), (255, 0.75), (285, 0.12), (315, 0.12), (325, 0.55),
                        (370, 0.55), (385, 0.1), (450, 0.1)])
    noise = random.Random(20261130)
    for start, length in ((150, 3), (190, 2), (230, 4)):
        for minute in range(start, start + length):
            shape[minute] = 0.9
    for minute in range(205, 215):
        shape[minute] = 0.35
    rates = tuple(capacity * min(1.0, max(0.0, f * (1 + noise.uniform(-0.08, 0.08)))) for f in shape)
    return LoadProfile("noisy-month-end", rates, "month-end with noise, three bursts to 90%, a dip and a second peak",
                       spike_end_minute=285, start=MONTH_END)


def consumer_crash(capacity: float) -> LoadProfile:
    return LoadProfile("consumer-crash", tuple(capacity * 0.3 for _ in range(300)),
                       "steady 30% of capacity; every task dies at minute 120", spike_end_minute=121,
                       crash_minutes=(120,), start=ORDINARY_DAY.replace(hour=8))


SHIPPED: dict[str, Callable[[float], LoadProfile]] = {
    "month-end": month_end, "campaign": campaign, "daily-cycle": daily_cycle, "consumer-crash": consumer_crash,
    "noisy-month-end": noisy_month_end,
}


def from_csv(path: Path | str) -> LoadProfile:
    """A profile from ``minute,messages_per_second`` rows, minutes 0, 1, 2 ... in order (no clock: give it one with
    ``dataclasses.replace(profile, start=...)``)."""
    path = Path(path)
    problems: list[Problem] = []
    rates: list[float] = []
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != ["minute", "messages_per_second"]:
                raise ConfigurationError([Problem(str(path), "header", f"{reader.fieldnames} is not "
                                                  "minute,messages_per_second; write that header first")])
            for line, row in enumerate(reader, start=2):
                try:
                    minute, rate = int(row["minute"]), float(row["messages_per_second"])
                except (TypeError, ValueError):
                    problems.append(Problem(str(path), f"line {line}", f"{row} is not a minute and a rate; write "
                                                                       "e.g. 12,350.5"))
                    continue
                if minute != len(rates):
                    problems.append(Problem(str(path), f"line {line}", f"minute {minute} is not {len(rates)}; list "
                                                                       "every minute once, in order"))
                elif not math.isfinite(rate):
                    problems.append(Problem(str(path), f"line {line}", f"{row['messages_per_second']} is not a "
                                                                       "finite rate; write a number such as 350.5"))
                    rate = 0.0
                elif rate < 0:
                    problems.append(Problem(str(path), f"line {line}", f"{rate} is negative; rates are messages "
                                                                       "per second, 0 or more"))
                rates.append(max(rate, 0.0))
    except OSError as error:
        raise ConfigurationError([Problem(str(path), "", f"cannot be read ({error.strerror})")]) from None
    if not rates and not problems:
        problems.append(Problem(str(path), "", "has no rows; give one rate per minute"))
    if problems:
        raise ConfigurationError(problems)
    return LoadProfile(path.stem, tuple(rates), f"from {path.name}")
