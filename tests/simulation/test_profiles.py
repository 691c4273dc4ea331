"""Load profiles: the shipped shapes, scaled to a service's capacity, and a team's own CSV with clear errors."""

import pytest

from kafka_platform.errors import ConfigurationError
from kafka_platform.simulation import profiles


def test_month_end_surges_to_three_quarters_of_capacity_within_fifteen_minutes_for_two_hours():
    profile = profiles.month_end(1000)
    rates = profile.rates
    assert rates[0] == pytest.approx(80) and rates[119] == pytest.approx(80)
    assert rates[135] == pytest.approx(750, rel=0.05) and profile.peak == pytest.approx(750 * 1.05, rel=0.01)
    assert all(700 <= r <= 790 for r in rates[135:255])
    assert rates[300] == pytest.approx(120) and profile.spike_end_minute == 255


def test_the_other_shipped_profiles_have_their_shape():
    campaign = profiles.campaign(1000)
    assert campaign.rates[60] == pytest.approx(80) and max(campaign.rates) == pytest.approx(600)
    assert campaign.rates[361] == pytest.approx(100)
    day = profiles.daily_cycle(1000)
    assert day.minutes == 1440 and min(day.rates) == pytest.approx(50) and max(day.rates) == pytest.approx(400)
    crash = profiles.consumer_crash(1000)
    assert set(crash.rates) == {300} and crash.crash_minutes == (120,) and crash.spike_end_minute == 121


def test_every_shipped_profile_stays_within_the_capacity_it_is_scaled_to():
    for make in profiles.SHIPPED.values():
        assert make(1000).peak <= 1000


def write(tmp_path, text):
    path = tmp_path / "load.csv"
    path.write_text(text)
    return path


def test_a_csv_gives_one_rate_per_minute(tmp_path):
    profile = profiles.from_csv(write(tmp_path, "minute,messages_per_second\n0,10\n1,12.5\n2,0\n"))
    assert (profile.name, profile.rates) == ("load", (10.0, 12.5, 0.0))


@pytest.mark.parametrize("text,expected", [
    ("second,rate\n0,1\n", "{path}: header: ['second', 'rate'] is not minute,messages_per_second; write that header "
                           "first"),
    ("minute,messages_per_second\n0,10\n2,10\n", "{path}: line 3: minute 2 is not 1; list every minute once, in "
                                                 "order"),
    ("minute,messages_per_second\n0,-5\n", "{path}: line 2: -5.0 is negative; rates are messages per second, 0 or "
                                           "more"),
    ("minute,messages_per_second\n0,lots\n", "{path}: line 2: {{'minute': '0', 'messages_per_second': 'lots'}} is not "
                                             "a minute and a rate; write e.g. 12,350.5"),
    ("minute,messages_per_second\n", "{path}: has no rows; give one rate per minute"),
])
def test_a_bad_csv_is_refused_with_the_line_and_the_fix(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigurationError) as raised:
        profiles.from_csv(path)
    assert str(raised.value) == expected.format(path=path)


def test_a_missing_csv_is_refused(tmp_path):
    with pytest.raises(ConfigurationError) as raised:
        profiles.from_csv(tmp_path / "nope.csv")
    assert str(raised.value) == f"{tmp_path / 'nope.csv'}: cannot be read (No such file or directory)"


@pytest.mark.parametrize("rate", ["nan", "inf", "-inf"])
def test_a_rate_that_is_not_finite_is_refused_in_one_line(tmp_path, rate):
    with pytest.raises(ConfigurationError) as raised:
        profiles.from_csv(write(tmp_path, f"minute,messages_per_second\n0,10\n1,{rate}\n"))
    assert [str(p) for p in raised.value.problems] == [
        f"{tmp_path / 'load.csv'}: line 3: {rate} is not a finite rate; write a number such as 350.5"]
