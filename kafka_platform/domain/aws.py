"""Account, region, zone and log-retention facts, checked without calling AWS."""

from __future__ import annotations

import re

from kafka_platform.errors import show

_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_ZONE = re.compile(r"^([a-z]{2}(-gov)?-[a-z]+-\d)([a-z])$")

# The retention values CloudWatch Logs accepts (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)


def account_problem(account: str) -> str | None:
    if _ACCOUNT.match(account):
        return None
    return f"{show(account)} is not a 12-digit AWS account id; write it quoted, for example \"123456789012\""


def region_problem(region: str) -> str | None:
    if _REGION.match(region):
        return None
    return f"{show(region)} is not an AWS region name; use a name such as eu-west-2"


def zone_problem(zone: str, region: str) -> str | None:
    match = _ZONE.match(zone)
    if match is None:
        return f"{show(zone)} is not an availability zone name; use a name such as {region}a"
    if match.group(1) != region:
        return f"{show(zone)} is not in region {region}; use zones of {region}, such as {region}a"
    return None


def log_retention_problem(days: int) -> str | None:
    if days in LOG_RETENTION_DAYS:
        return None
    nearest = min(LOG_RETENTION_DAYS, key=lambda allowed: abs(allowed - days))
    return f"{days} is not a retention CloudWatch Logs offers; use {nearest} (allowed: {', '.join(map(str, LOG_RETENTION_DAYS))})"
