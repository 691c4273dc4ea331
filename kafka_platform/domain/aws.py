"""Account, region, zone and log-retention facts, checked without calling AWS."""

from __future__ import annotations

import difflib
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


# The regions of the aws, aws-cn and aws-us-gov partitions (cfn-lint's resource specifications list the same set;
# me-south-1 added). A region AWS opens later is added here, deliberately.
REGIONS: tuple[str, ...] = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "cn-north-1", "cn-northwest-1", "eu-central-1",
    "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
    "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-gov-east-1",
    "us-gov-west-1", "us-west-1", "us-west-2",
)


def region_problem(region: str) -> str | None:
    if region in REGIONS:
        return None
    if not _REGION.match(region):
        return f"{show(region)} is not an AWS region name; use a name such as eu-west-2"
    nearest = difflib.get_close_matches(region, REGIONS, n=1, cutoff=0.6)
    hint = f"did you mean {nearest[0]}?" if nearest else "use a region such as eu-west-2"
    return f"{show(region)} is not an AWS region; {hint}"


# The zone letters a region has, for the regions whose zones we are sure of (the letters any account may see; which
# physical zone a letter names differs per account). Other regions' zones are checked for their form only.
ZONE_LETTERS: dict[str, str] = {
    "eu-west-1": "abc", "eu-west-2": "abc", "eu-west-3": "abc", "eu-central-1": "abc", "eu-north-1": "abc",
    "us-east-1": "abcdef", "us-east-2": "abc", "us-west-1": "abc", "us-west-2": "abcd", "ca-central-1": "abd",
    "sa-east-1": "abc", "ap-south-1": "abc", "ap-southeast-1": "abc", "ap-southeast-2": "abc",
    "ap-northeast-1": "acd",
}


def zone_problem(zone: str, region: str) -> str | None:
    match = _ZONE.match(zone)
    if match is None:
        return f"{show(zone)} is not an availability zone name; use a name such as {region}a"
    if match.group(1) != region:
        return f"{show(zone)} is not in region {region}; use zones of {region}, such as {region}a"
    letters = ZONE_LETTERS.get(region)
    if letters is not None and match.group(3) not in letters:
        names = [f"{region}{letter}" for letter in letters]
        return (f"{show(zone)} is not an availability zone of {region}; use "
                f"{', '.join(names[:-1])} or {names[-1]}")
    return None


def log_retention_problem(days: int) -> str | None:
    if days in LOG_RETENTION_DAYS:
        return None
    nearest = min(LOG_RETENTION_DAYS, key=lambda allowed: abs(allowed - days))
    return f"{days} is not a retention CloudWatch Logs offers; use {nearest} (allowed: {', '.join(map(str, LOG_RETENTION_DAYS))})"
