"""Scheduled capacity: the schedules Application Auto Scaling would run, read as make bench replays them."""

from datetime import datetime, timedelta, timezone

import pytest

from kafka_platform.domain.schedules import (ScheduledCapacity, fires, matcher, minute_of, parse_cron,
                                             schedule_problem, scheduled_capacity_problems)

UTC = timezone.utc


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def firing(schedule: str, zone: str, start: datetime, days: int) -> list[datetime]:
    """Every minute in ``days`` days from ``start`` at which ``schedule`` fires."""
    matches = matcher(schedule, zone)
    return [m for m in (start + timedelta(minutes=i) for i in range(days * 1440)) if matches(m)]


def test_the_last_day_of_each_month_whatever_its_length():
    found = firing("cron(50 8 L * ? *)", "UTC", at(2028, 1, 1), 366)
    assert [(m.month, m.day) for m in found] == [(1, 31), (2, 29), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31),
                                                 (8, 31), (9, 30), (10, 31), (11, 30), (12, 31)]
    assert {(m.hour, m.minute) for m in found} == {(8, 50)}


def test_a_time_zone_keeps_the_local_hour_through_summer_time():
    # 08:50 in London is 08:50 UTC in winter and 07:50 UTC in summer.
    assert firing("cron(50 8 L * ? *)", "Europe/London", at(2026, 6, 30), 1) == [at(2026, 6, 30, 7, 50)]
    assert firing("cron(50 8 L * ? *)", "Europe/London", at(2026, 11, 30), 1) == [at(2026, 11, 30, 8, 50)]


def test_days_of_the_week_count_from_sunday_as_aws_does():
    monday = at(2026, 11, 30, 9, 0)
    assert fires("cron(0 9 ? * MON *)", "UTC", monday)
    assert fires("cron(0 9 ? * 2 *)", "UTC", monday)
    assert not fires("cron(0 9 ? * 1 *)", "UTC", monday)
    assert fires("cron(0 9 ? * SUN *)", "UTC", at(2026, 11, 29, 9, 0))
    weekdays = firing("cron(0 9 ? * MON-FRI *)", "UTC", at(2026, 11, 23), 7)
    assert [m.day for m in weekdays] == [23, 24, 25, 26, 27]


def test_lists_ranges_steps_months_and_years():
    found = firing("cron(*/20 9 1,15 JAN-FEB ? 2027)", "UTC", at(2027, 1, 1), 59)
    assert [(m.month, m.day, m.minute) for m in found] == [
        (month, day, minute) for month in (1, 2) for day in (1, 15) for minute in (0, 20, 40)]
    assert not firing("cron(0 9 1 * ? 2026)", "UTC", at(2027, 1, 1), 2)
    assert firing("cron(10-12/2 9 1 * ? *)", "UTC", at(2027, 1, 1), 1) == [at(2027, 1, 1, 9, 10),
                                                                            at(2027, 1, 1, 9, 12)]


def test_l_can_be_listed_with_days_and_steps_start_where_they_say():
    assert [m.day for m in firing("cron(0 9 L,15 * ? *)", "UTC", at(2026, 11, 1), 30)] == [15, 30]
    assert [m.minute for m in firing("cron(5/15 9 1 * ? *)", "UTC", at(2027, 1, 1), 1)] == [5, 20, 35, 50]


def test_a_minute_is_matched_whatever_its_seconds():
    assert fires("cron(50 8 L * ? *)", "UTC", at(2026, 11, 30, 8, 50, 30, 5))
    assert fires("at(2026-12-24T18:00:00)", "UTC", at(2026, 12, 24, 18, 0, 30))
    assert fires("at(2026-12-24T18:00:00)", "UTC", at(2026, 12, 24, 18, 0, 0, 5))
    assert fires("at(2026-12-24T18:00:45)", "UTC", at(2026, 12, 24, 18, 0))


def test_at_fires_once_in_its_own_time_zone():
    assert firing("at(2026-12-24T18:00:00)", "UTC", at(2026, 12, 24), 2) == [at(2026, 12, 24, 18, 0)]
    assert firing("at(2026-07-01T09:00:00)", "Europe/London", at(2026, 7, 1), 1) == [at(2026, 7, 1, 8, 0)]


def test_the_minute_of_a_run_is_counted_from_its_start():
    assert minute_of(at(2026, 11, 30, 7, 0), 110) == at(2026, 11, 30, 8, 50)
    assert minute_of(at(2026, 11, 30, 7, 0), 0) == at(2026, 11, 30, 7, 0)


@pytest.mark.parametrize("schedule, problem", [
    ("cron(50 8 L * ? *)", None),
    ("cron(0 9 ? * MON-FRI *)", None),
    ("at(2026-12-31T08:50:00)", None),
    ("cron(50 8 L * ?)", "cron(50 8 L * ?) has 5 fields; Application Auto Scaling's cron has six: minutes hours "
                         "day-of-month month day-of-week year, e.g. cron(50 8 L * ? *)"),
    ("cron(50 8 L * MON *)", "cron(50 8 L * MON *) needs ? in exactly one of day-of-month and day-of-week (AWS's "
                             "rule: a value or * in one, ? in the other)"),
    ("cron(50 8 ? * ? *)", "cron(50 8 ? * ? *) needs ? in exactly one of day-of-month and day-of-week (AWS's rule: "
                           "a value or * in one, ? in the other)"),
    ("cron(60 8 L * ? *)", 'cron(60 8 L * ? *): "60" in the minutes is outside 0-59 (or its range runs backwards)'),
    ("cron(0 9 ? * 0 *)", 'cron(0 9 ? * 0 *): "0" in the day-of-week is outside 1-7 (or its range runs backwards)'),
    ("cron(0 12-9 L * ? *)", 'cron(0 12-9 L * ? *): "12-9" in the hours is outside 0-23 (or its range runs '
                             'backwards)'),
    ("cron(0 9 ? * 6#3 *)", None),
    ("cron(0 9 ? * 6#1 *)", None),
    ("cron(0 9 15W * ? *)", None),
    ("cron(50 8 LW * ? *)", None),
    ("cron(0 9 ? * FRIL *)", None),
    ("cron(0 9 1,LW * ? *)", 'cron(0 9 1,LW * ? *): "LW" in the day-of-month is not 1-31; the letters '
                             'kafka-platform replays here are L (the last day), 15W (the weekday nearest the 15th) '
                             'and LW (the last weekday), each alone in the field'),
    ("cron(0 9 L-2 * ? *)", 'cron(0 9 L-2 * ? *): "L-2" in the day-of-month is not 1-31; the letters kafka-platform '
                            'replays here are L (the last day), 15W (the weekday nearest the 15th) and LW (the last '
                            'weekday), each alone in the field'),
    ("cron(0 9 32W * ? *)", 'cron(0 9 32W * ? *): "32W" in the day-of-month names day 32; W follows a day 1-31 or L'),
    ("cron(0 9 0W * ? *)", 'cron(0 9 0W * ? *): "0W" in the day-of-month names day 0; W follows a day 1-31 or L'),
    ("cron(0 9 ? * 6#6 *)", 'cron(0 9 ? * 6#6 *): "6#6" in the day-of-week asks for week 6; a month has weeks 1-5 '
                            '(# follows it)'),
    ("cron(0 9 ? * 6#0 *)", 'cron(0 9 ? * 6#0 *): "6#0" in the day-of-week asks for week 0; a month has weeks 1-5 '
                            '(# follows it)'),
    ("cron(0 9 ? * 2#1,6#3 *)", 'cron(0 9 ? * 2#1,6#3 *): "2#1" in the day-of-week is not 1-7 or a name (SUN, MON, '
                                'TUE, WED, THU, FRI, SAT); the forms kafka-platform replays here are 6L (the month\'s '
                                'last Friday) and 6#3 (its third Friday), each alone in the field; L alone would be '
                                'Saturday, so write SAT, or L in the day-of-month for the month\'s last day'),
    ("cron(0 9 ? * 8L *)", 'cron(0 9 ? * 8L *): "8L" in the day-of-week is not 1-7 or a name (SUN, MON, TUE, WED, '
                           'THU, FRI, SAT); the forms kafka-platform replays here are 6L (the month\'s last Friday) '
                           'and 6#3 (its third Friday), each alone in the field; L alone would be Saturday, so write '
                           'SAT, or L in the day-of-month for the month\'s last day'),
    ("cron(0 9 15W 6L ? *)", 'cron(0 9 15W 6L ? *): "6L" in the month is not 1-12 or a name (JAN, FEB, MAR, APR, MAY, '
                             'JUN, JUL, AUG, SEP, OCT, NOV, DEC)'),
    ("cron(0/0 9 L * ? *)", 'cron(0/0 9 L * ? *): "0/0" in the minutes has no whole step after /; write e.g. 0/15'),
    ("cron(0/x 9 L * ? *)", 'cron(0/x 9 L * ? *): "0/x" in the minutes has no whole step after /; write e.g. 0/15'),
    ("cron(0 9 L 13 ? *)", 'cron(0 9 L 13 ? *): "13" in the month is outside 1-12 (or its range runs backwards)'),
    ("at(2026-02-29T08:00:00)", '"at(2026-02-29T08:00:00)" is not a date and time that exists; write '
                                'at(2026-12-31T08:50:00)'),
    ("at(2026-12-31T08:50:60)", '"at(2026-12-31T08:50:60)" is not a date and time that exists; write '
                                'at(2026-12-31T08:50:00)'),
    ("rate(1 day)", '"rate(1 day)" starts counting when the action is created, which neither you nor make bench can '
                    'know; write a cron(...) at the times you mean'),
    ("cron(/15 9 L * ? *)", 'cron(/15 9 L * ? *): "/15" in the minutes is not 0-59'),
    ("0 9 L * ? *", '"0 9 L * ? *" is not a schedule; write cron(minutes hours day-of-month month day-of-week year), '
                    'e.g. cron(50 8 L * ? *) for 08:50 on the last day of every month, or at(2026-12-31T08:50:00)'),
    ("at(2026-12-31 08:50)", '"at(2026-12-31 08:50)" is not a schedule; write cron(minutes hours day-of-month month '
                             'day-of-week year), e.g. cron(50 8 L * ? *) for 08:50 on the last day of every month, '
                             'or at(2026-12-31T08:50:00)'),
])
def test_each_schedule_is_read_or_refused_with_its_fix(schedule, problem):
    assert schedule_problem(schedule) == problem


def test_l_is_the_last_day_only_in_the_day_of_the_month():
    cron, problem = parse_cron("0 9 L * ? *")
    assert problem is None and cron is not None and cron.days == frozenset({0})
    # AWS reads L alone in the day of the week as Saturday: refused, since whoever writes it rarely means that.
    assert parse_cron("0 9 ? * L *")[1] == (
        'cron(0 9 ? * L *): "L" in the day-of-week is not 1-7 or a name (SUN, MON, TUE, WED, THU, FRI, SAT); the '
        "forms kafka-platform replays here are 6L (the month's last Friday) and 6#3 (its third Friday), each alone "
        "in the field; L alone would be Saturday, so write SAT, or L in the day-of-month for the month's last day")


def test_lw_is_the_last_weekday_of_each_month():
    # 2026: 31 January and 28 February are Saturdays, 31 May a Sunday, 31 October a Saturday, 30 November a Monday.
    found = firing("cron(50 8 LW * ? *)", "UTC", at(2026, 1, 1), 365)
    assert [(m.month, m.day) for m in found] == [(1, 30), (2, 27), (3, 31), (4, 30), (5, 29), (6, 30), (7, 31),
                                                 (8, 31), (9, 30), (10, 30), (11, 30), (12, 31)]
    assert {(m.hour, m.minute, m.isoweekday() <= 5) for m in found} == {(8, 50, True)}


def test_w_is_the_nearest_weekday_and_never_crosses_into_another_month():
    days = [(m.month, m.day) for m in firing("cron(0 9 15W * ? *)", "UTC", at(2026, 3, 1), 183)]
    # 15 March and 15 November 2026 are Sundays (the Monday after), 15 August a Saturday (the Friday before).
    assert (3, 16) in days and (8, 14) in days and (4, 15) in days and len(days) == 6
    # 2 May 2026 is a Saturday: Friday the 1st. 1 August 2026 is a Saturday: the Monday after, not 31 July;
    # 1 November a Sunday: Monday the 2nd.
    assert [m.day for m in firing("cron(0 9 2W * ? *)", "UTC", at(2026, 5, 1), 31)] == [1]
    assert [m.day for m in firing("cron(0 9 1W * ? *)", "UTC", at(2026, 7, 31), 4)] == [3]
    assert [m.day for m in firing("cron(0 9 1W * ? *)", "UTC", at(2026, 11, 1), 3)] == [2]
    # 31 May 2026 is a Sunday, the month's last day: the Friday before. April has no 31st: 31W does not fire.
    assert [(m.month, m.day) for m in firing("cron(0 9 31W * ? *)", "UTC", at(2026, 4, 1), 61)] == [(5, 29)]


def test_the_last_and_the_nth_day_of_the_week_in_a_month():
    # November 2026's Fridays: 6, 13, 20, 27; December's: 4, 11, 18, 25.
    for schedule in ("cron(0 9 ? * 6L *)", "cron(0 9 ? * FRIL *)", "cron(0 9 ? * fril *)"):
        assert [(m.month, m.day) for m in firing(schedule, "UTC", at(2026, 11, 1), 61)] == [(11, 27), (12, 25)]
    for schedule in ("cron(0 9 ? * 6#3 *)", "cron(0 9 ? * FRI#3 *)"):
        assert [(m.month, m.day) for m in firing(schedule, "UTC", at(2026, 11, 1), 61)] == [(11, 20), (12, 18)]
    # A fifth Monday only in months that have one (November 2026: 2, 9, 16, 23, 30; December: 7 ... 28).
    assert [(m.month, m.day) for m in firing("cron(0 9 ? * 2#5 *)", "UTC", at(2026, 11, 1), 61)] == [(11, 30)]
    # Weeks count from the 1st: November 2026's Sundays are 1, 8, 15, 22, 29.
    assert [m.day for m in firing("cron(0 9 ? * SUN#1 *)", "UTC", at(2026, 11, 1), 30)] == [1]
    assert [m.day for m in firing("cron(0 9 ? * SUN#2 *)", "UTC", at(2026, 11, 1), 30)] == [8]
    # 31 July 2026 is a Friday: the last Friday is the 31st, not the 24th as well.
    assert [m.day for m in firing("cron(0 9 ? * 6L *)", "UTC", at(2026, 7, 1), 31)] == [31]


def action(**changes) -> ScheduledCapacity:
    return ScheduledCapacity(**{"name": "pre", "schedule": "cron(50 8 L * ? *)", "min_tasks": 24, **changes})


def test_a_month_end_prewarm_and_its_end_are_accepted():
    assert scheduled_capacity_problems([action(), action(name="over", schedule="cron(0 11 L * ? *)", min_tasks=2)],
                                       min_tasks=2, max_tasks=24) == []
    assert scheduled_capacity_problems([action(min_tasks=None, max_tasks=2)], min_tasks=2, max_tasks=24) == []


@pytest.mark.parametrize("actions, problems", [
    ([action(min_tasks=25)], [("scheduled_capacity[pre].min_tasks", "25 is outside 2-24: a schedule moves the bounds "
                                                                    "between the service's own min_tasks and the most "
                                                                    "its partitions and max_tasks allow")]),
    ([action(min_tasks=1)], [("scheduled_capacity[pre].min_tasks", "1 is outside 2-24: a schedule moves the bounds "
                                                                   "between the service's own min_tasks and the most "
                                                                   "its partitions and max_tasks allow")]),
    ([action(min_tasks=None, max_tasks=1)], [("scheduled_capacity[pre].max_tasks", "1 is outside 2-24: a schedule "
                                                                                   "moves the bounds between the "
                                                                                   "service's own min_tasks and the "
                                                                                   "most its partitions and "
                                                                                   "max_tasks allow")]),
    ([action(min_tasks=20, max_tasks=10)], [("scheduled_capacity[pre].min_tasks", "20 is above its max_tasks 10")]),
    ([action(min_tasks=None)], [("scheduled_capacity[pre]", "sets neither min_tasks nor max_tasks; give one or both")]),
    ([action(), action()], [("scheduled_capacity[pre].name", '"pre" is used twice; name each action once')]),
    ([action(name="")], [("scheduled_capacity[].name", '"" is not an action name: 1-256 characters, none of : / |')]),
    ([action(name="a|b")], [("scheduled_capacity[a|b].name", '"a|b" is not an action name: 1-256 characters, none '
                                                             'of : / |')]),
    ([action(name="x" * 257)], [(f"scheduled_capacity[{'x' * 257}].name", f'"{"x" * 257}" is not an action name: '
                                                                           '1-256 characters, none of : / |')]),
    ([action(timezone="Mars/Olympus")], [("scheduled_capacity[pre].timezone", '"Mars/Olympus" is not an IANA time '
                                                                             'zone; write e.g. Europe/London or '
                                                                             'UTC')]),
    ([action(schedule="rate(1 day)")], [("scheduled_capacity[pre].schedule", '"rate(1 day)" starts counting when '
                                                                            'the action is created, which neither '
                                                                            'you nor make bench can know; write a '
                                                                            'cron(...) at the times you mean')]),
])
def test_each_bad_action_is_named_with_its_fix(actions, problems):
    assert scheduled_capacity_problems(actions, min_tasks=2, max_tasks=24) == problems


def test_bounds_at_the_edges_are_accepted():
    assert scheduled_capacity_problems([action(min_tasks=2, max_tasks=24)], min_tasks=2, max_tasks=24) == []
    assert scheduled_capacity_problems([action(min_tasks=10, max_tasks=10)], min_tasks=2, max_tasks=24) == []
    assert scheduled_capacity_problems([action(name="x" * 256)], min_tasks=2, max_tasks=24) == []


def test_a_service_of_fixed_size_admits_only_that_size():
    assert scheduled_capacity_problems([action(min_tasks=3)], min_tasks=2, max_tasks=2) == [
        ("scheduled_capacity[pre].min_tasks", "3 is outside 2-2: a schedule moves the bounds between the service's own "
                                              "min_tasks and the most its partitions and max_tasks allow")]


def test_a_service_whose_own_bounds_contradict_is_not_judged_twice():
    assert scheduled_capacity_problems([action(min_tasks=24)], min_tasks=10, max_tasks=5) == []


def test_a_machine_without_a_time_zone_database_is_told_so_not_that_the_zone_is_wrong(monkeypatch):
    from kafka_platform.domain import schedules

    monkeypatch.setattr(schedules, "available_timezones", set)
    assert schedules.zone_problem("Mars/Olympus") == ('"Mars/Olympus" cannot be checked: this machine has no time zone '
                                                      'database; pip install tzdata (or the system\'s tzdata package)')
    assert schedules.zone_problem("Europe/London") is None  # found in the database this machine does have
