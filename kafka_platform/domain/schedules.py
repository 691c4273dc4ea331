"""Scheduled capacity: Application Auto Scaling scheduled actions that change a service's task bounds at known times.

The lender's surges come on known days: month-end repayments settle at the same hour of the last day of every month.
A reaction, however quick, arrives after the surge began (``make bench``'s reactive bound: tasks take 30-120 s to
start and every arrival rebalances the group). A scheduled action raises the fewest tasks before the surge and lowers
it after; the lag scaling still works above that floor, and takes the fleet back down once the floor is lowered.

Semantics (Application Auto Scaling, aws-cdk-lib's ``ScalableTarget.scale_on_schedule``; the CloudFormation
reference of ``ScheduledAction``): at the scheduled time the target's minimum and/or maximum change; a desired count
below the new minimum is raised to it, one above the new maximum lowered to it. Nothing else: a lowered minimum
removes no task (the scaling policies do, when the load allows).

Schedules are ``cron(minutes hours day-of-month month day-of-week year)`` (EventBridge's syntax) or
``at(yyyy-mm-ddThh:mm:ss)``, in ``timezone`` (an IANA name, UTC by default). ``kafka-platform simulate`` and
``make bench`` replay them, so this module reads the syntax it can replay and refuses the rest with the fix: ``, - *
? /``, names of months and days, and the special days EventBridge's reference lists (Quartz's semantics, where that
reference stops short; inferred, marked where used):

- day of the month: ``L``, the month's last day; ``15W``, the weekday (Monday-Friday) nearest the 15th, never in
  another month; ``LW``, the month's last weekday (a bank's last working day, holidays aside);
- day of the week: ``6L``, the month's last Friday; ``6#3``, its third Friday.

A ``W``, ``nL`` or ``#`` form stands alone in its field (AWS's rule for ``#``; Quartz's for the others). ``rate(...)``
is refused: its phase is the moment the action is created, which nobody can replay.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from kafka_platform.errors import show

MONTHS = {name: number for number, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
DAYS = {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
# (name, lowest, highest, names) per cron field, in order (EventBridge's cron expressions reference).
FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minutes", 0, 59, {}), ("hours", 0, 23, {}), ("day-of-month", 1, 31, {}), ("month", 1, 12, MONTHS),
    ("day-of-week", 1, 7, DAYS), ("year", 1970, 2199, {}))
# Application Auto Scaling: a scheduled action's name is 1-256 characters, none of them ``:``, ``/`` or ``|``.
NAME = re.compile(r"[^:/|]{1,256}")
LAST = 0  # the day-of-month field's ``L``
# The forms that stand alone in a day field: ``15W`` or ``LW``; ``6L`` or ``FRIL``; ``6#3`` or ``FRI#3``.
NEAREST_WEEKDAY = re.compile(r"(L|\d{1,2})W")
LAST_OF_MONTH = re.compile(r"([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)L", re.IGNORECASE)
NTH_OF_MONTH = re.compile(r"([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)#(\d)", re.IGNORECASE)


@dataclass(frozen=True)
class ScheduledCapacity:
    """At ``schedule`` (in ``timezone``), set the fewest and/or the most tasks."""

    name: str
    schedule: str
    min_tasks: int | None = None
    max_tasks: int | None = None
    timezone: str = "UTC"


@dataclass(frozen=True)
class Cron:
    """A parsed cron expression: the values each field allows (``LAST`` in ``days``: the month's last day), and the
    one special form a day field may hold instead of values."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: ``?``
    months: frozenset[int]
    weekdays: frozenset[int] | None  # None: ``?``; 1 is Sunday
    years: frozenset[int]
    nearest_weekday: int | None = None  # ``15W``: 15; ``LW``: LAST
    last_of_month: int | None = None  # ``6L``: 6, the month's last Friday
    nth_of_month: tuple[int, int] | None = None  # ``6#3``: (6, 3), its third Friday

    def matches(self, local: datetime) -> bool:
        """Whether the expression fires in ``local``'s minute (a time in the schedule's own zone)."""
        if not (local.minute in self.minutes and local.hour in self.hours and local.month in self.months
                and local.year in self.years):
            return False
        last = calendar.monthrange(local.year, local.month)[1]
        weekday = local.isoweekday() % 7 + 1
        if self.nearest_weekday is not None:
            return local.day == nearest_weekday(local.year, local.month, self.nearest_weekday)
        if self.last_of_month is not None:
            return weekday == self.last_of_month and local.day + 7 > last
        if self.nth_of_month is not None:
            return (weekday, (local.day - 1) // 7 + 1) == self.nth_of_month
        if self.days is not None:
            return local.day in self.days or (LAST in self.days and local.day == last)
        assert self.weekdays is not None
        return weekday in self.weekdays


def nearest_weekday(year: int, month: int, day: int) -> int | None:
    """The day of ``month`` that ``dayW`` (``LAST``: ``LW``) names: ``day`` on a weekday; a Saturday's Friday, or the
    Monday after when the Saturday is the 1st; a Sunday's Monday, or the Friday before when the Sunday is the month's
    last day (Quartz's rule: never another month). None when the month has no such day (``31W`` in April)."""
    last = calendar.monthrange(year, month)[1]
    day = last if day == LAST else day
    if day > last:
        return None
    weekday = date(year, month, day).weekday()  # Monday 0
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < last else day - 2
    return day


def _values(text: str, low: int, high: int, names: dict[str, int], field: str) -> tuple[frozenset[int] | None,
                                                                                     str | None]:
    """One field's values, or the problem with it."""
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        if base == "L" and field == "day-of-month" and not step_text:
            values.add(LAST)
            continue
        if base == "*":
            first, last = low, high
        else:
            start, dash, end = base.partition("-")
            try:
                first = names.get(start.upper()) or int(start)
                last = (names.get(end.upper()) or int(end)) if dash else (high if step_text else first)
            except ValueError:
                return None, (f"{show(part)} in the {field} is not {low}-{high}"
                              + (f" or a name ({', '.join(names)})" if names else "") + _LETTERS.get(field, ""))
        try:
            step = int(step_text) if step_text else 1
        except ValueError:
            step = 0
        if step < 1:
            return None, f"{show(part)} in the {field} has no whole step after /; write e.g. 0/15"
        if not low <= first <= last <= high:
            return None, f"{show(part)} in the {field} is outside {low}-{high} (or its range runs backwards)"
        values.update(range(first, last + 1, step))
    return frozenset(values), None


_LETTERS = {
    "day-of-month": "; the letters kafka-platform replays here are L (the last day), 15W (the weekday nearest the "
                    "15th) and LW (the last weekday), each alone in the field",
    "day-of-week": "; the forms kafka-platform replays here are 6L (the month's last Friday) and 6#3 (its third "
                   "Friday), each alone in the field; L alone would be Saturday, so write SAT, or L in the "
                   "day-of-month for the month's last day",
}


def _special(text: str, field: str, names: dict[str, int]) -> tuple[dict[str, Any] | None, str | None]:
    """A day field's special form (``15W``, ``LW``, ``6L``, ``6#3``) as Cron's keyword, or the problem with it; (None,
    None) when ``text`` holds none."""
    def day(name: str) -> int:
        return names.get(name.upper()) or int(name)
    if field == "day-of-month" and (match := NEAREST_WEEKDAY.fullmatch(text)):
        if match[1] == "L":
            return {"nearest_weekday": LAST}, None
        if not 1 <= int(match[1]) <= 31:
            return None, f"{show(text)} in the {field} names day {int(match[1])}; W follows a day 1-31 or L"
        return {"nearest_weekday": int(match[1])}, None
    if field == "day-of-week" and (match := LAST_OF_MONTH.fullmatch(text)):
        return {"last_of_month": day(match[1])}, None
    if field == "day-of-week" and (match := NTH_OF_MONTH.fullmatch(text)):
        if not 1 <= int(match[2]) <= 5:
            return None, f"{show(text)} in the {field} asks for week {match[2]}; a month has weeks 1-5 (# follows it)"
        return {"nth_of_month": (day(match[1]), int(match[2]))}, None
    return None, None


def parse_cron(body: str) -> tuple[Cron | None, str | None]:
    """``minutes hours day-of-month month day-of-week year``, or the problem with it."""
    parts = body.split()
    if len(parts) != 6:
        return None, (f"cron({body}) has {len(parts)} fields; Application Auto Scaling's cron has six: minutes hours "
                      "day-of-month month day-of-week year, e.g. cron(50 8 L * ? *)")
    if (parts[2] == "?") == (parts[4] == "?"):
        return None, (f"cron({body}) needs ? in exactly one of day-of-month and day-of-week (AWS's rule: a value or "
                      "* in one, ? in the other)")
    found: list[frozenset[int] | None] = []
    special: dict[str, Any] = {}
    for text, (field, low, high, names) in zip(parts, FIELDS):
        if text == "?":
            found.append(None)
            continue
        form, problem = _special(text, field, names)
        if form is not None:
            special = form
            found.append(frozenset())
            continue
        values, problem = (None, problem) if problem is not None else _values(text, low, high, names, field)
        if problem is not None:
            return None, f"cron({body}): {problem}"
        found.append(values)
    minutes, hours, days, months, weekdays, years = found
    assert minutes is not None and hours is not None and months is not None and years is not None
    return Cron(minutes, hours, days, months, weekdays, years, **special), None


AT = re.compile(r"at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)")


def _at(match: re.Match[str]) -> datetime:
    """The local time an ``at(...)`` names; ValueError when that day or time does not exist."""
    year, month, day, hour, minute, second = (int(g) for g in match.groups())
    return datetime(year, month, day, hour, minute, second)


def schedule_problem(schedule: str) -> str | None:
    """What is wrong with ``schedule``, or None."""
    if schedule.startswith("cron(") and schedule.endswith(")"):
        return parse_cron(schedule[5:-1])[1]
    if match := AT.fullmatch(schedule):
        try:
            _at(match)
        except ValueError:
            return f"{show(schedule)} is not a date and time that exists; write at(2026-12-31T08:50:00)"
        return None
    if schedule.startswith("rate("):
        return (f"{show(schedule)} starts counting when the action is created, which neither you nor make bench can "
                "know; write a cron(...) at the times you mean")
    return (f"{show(schedule)} is not a schedule; write cron(minutes hours day-of-month month day-of-week year), "
            "e.g. cron(50 8 L * ? *) for 08:50 on the last day of every month, or at(2026-12-31T08:50:00)")


def matcher(schedule: str, zone: str) -> Callable[[datetime], bool]:
    """Whether ``schedule`` (valid, in ``zone``) fires in the minute that starts at an aware instant: parsed once, for
    a run that asks every minute."""
    tz = ZoneInfo(zone)
    if schedule.startswith("cron("):
        cron, _ = parse_cron(schedule[5:-1])
        assert cron is not None, "call schedule_problem() first"
        return lambda minute: cron.matches(minute.astimezone(tz))  # it reads the minute and coarser fields only
    match = AT.fullmatch(schedule)
    assert match is not None, "call schedule_problem() first"
    when = _at(match)
    return lambda minute: minute.astimezone(tz).replace(second=0, microsecond=0, tzinfo=None) == when.replace(second=0)


def fires(schedule: str, zone: str, minute: datetime) -> bool:
    """Whether ``schedule`` (valid, in ``zone``) fires in the minute that starts at ``minute`` (aware, any zone)."""
    return matcher(schedule, zone)(minute)


def zone_problem(zone: str) -> str | None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        if not available_timezones():
            return (f"{show(zone)} cannot be checked: this machine has no time zone database; pip install tzdata "
                    "(or the system's tzdata package)")
        return f"{show(zone)} is not an IANA time zone; write e.g. Europe/London or UTC"
    return None


def scheduled_capacity_problems(actions: Sequence[ScheduledCapacity], *, min_tasks: int,
                                max_tasks: int) -> list[tuple[str, str]]:
    """Problems with a service's scheduled actions, by field (``scheduled_capacity[<name>].<field>``); ``min_tasks``
    and ``max_tasks`` are the service's own bounds (``max_tasks``: the most its partitions allow)."""
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for action in actions:
        where = f"scheduled_capacity[{action.name}]"
        if not NAME.fullmatch(action.name):
            problems.append((f"{where}.name", f"{show(action.name)} is not an action name: 1-256 characters, none of "
                                              ": / |"))
        if action.name in seen:
            problems.append((f"{where}.name", f"{show(action.name)} is used twice; name each action once"))
        seen.add(action.name)
        if (p := schedule_problem(action.schedule)) is not None:
            problems.append((f"{where}.schedule", p))
        if (p := zone_problem(action.timezone)) is not None:
            problems.append((f"{where}.timezone", p))
        if action.min_tasks is None and action.max_tasks is None:
            problems.append((where, "sets neither min_tasks nor max_tasks; give one or both"))
        for field, value in (("min_tasks", action.min_tasks), ("max_tasks", action.max_tasks)):
            # Bounds that contradict each other are the service's own problem, reported once (capacity_problems).
            if value is not None and min_tasks <= max_tasks and not min_tasks <= value <= max_tasks:
                problems.append((f"{where}.{field}", f"{value} is outside {min_tasks}-{max_tasks}: a schedule moves "
                                                     "the bounds between the service's own min_tasks and the most "
                                                     "its partitions and max_tasks allow"))
        if action.min_tasks is not None and action.max_tasks is not None and action.min_tasks > action.max_tasks:
            problems.append((f"{where}.min_tasks", f"{action.min_tasks} is above its max_tasks {action.max_tasks}"))
    return problems


def minute_of(start: datetime, minute: int) -> datetime:
    """The aware instant at which ``minute`` of a run that began at ``start`` (aware) begins."""
    return start + timedelta(minutes=minute)
