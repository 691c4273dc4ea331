"""The Connect REST API's access secret: two users and a certificate authority, rotated without locking anyone out.

The secret (one JSON object, encrypted with the Connect cluster's key) holds:

* ``username``/``password``: the user the reconciler and the health monitor sign in as (the *active* user);
* ``standby_username``/``standby_password``: a second user every worker also accepts;
* ``ca_keystore``/``ca_keystore_password``: the cluster's certificate authority (PKCS#12, base64), from which each
  worker issues its listener's certificate when it starts (``connect_image/rest-tls.sh``), and ``ca_certificate``;
* ``certificates``: every authority a client or a worker trusts (PEM bundle; the current one first);
* ``next_ca_keystore``/``next_ca_keystore_password``/``next_ca_certificate`` while a renewed authority waits.

Workers read the secret once, when their task starts (ECS secrets; Kafka's ``PropertyFileLoginModule`` caches the
credentials file for the life of the JVM), so a password the workers do not know yet must never be the one clients
use. Rotation therefore alternates users, as AWS's own alternating-users rotation strategy does
(https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html):

1. ``createSecret``: the new version makes the standby user active (its password is unchanged, so every worker that
   started after the last rotation knows it) and gives the former active user, now standby, a new password.
2. ``testSecret``: the running workers must accept the new active user over TLS with the new version's trusted
   authorities. If they do not (they have not restarted since the last rotation), the rotation fails and nothing
   changes: Secrets Manager keeps ``AWSCURRENT``.
3. ``finishSecret``: the new version becomes ``AWSCURRENT``; the workers are then redeployed
   (``ecs:UpdateService`` with ``forceNewDeployment``) so that they learn the standby's new password before the
   next rotation, and issue themselves new certificates.

The authority follows the same two-step pattern: one within ``RENEW_DAYS`` of its end is renewed by issuing the next
one (``next_ca_keystore``) and adding it to ``certificates``, so that every worker and client trusts it after the
redeployment; the rotation after that makes it the one that issues. No one ever meets a certificate it does not
trust.

Secrets Manager's rotation protocol (the four steps, ``AWSPENDING``, the request token):
https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html

``initialize`` is the custom resource that writes the first version, before the workers' service is created.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
from typing import Any, Callable, Mapping

import x509
from custom_resource import Outcome, respond

LOGGER = logging.getLogger(__name__)
#: An authority this close to its end is renewed at the next rotation (rotation runs every ROTATION_DAYS).
RENEW_DAYS = 120
CERTIFICATE_DAYS = 397
ROTATION_DAYS = 30
USERS = ("platform-a", "platform-b")
KEYS = ("username", "password", "standby_username", "standby_password", "ca_keystore", "ca_keystore_password",
        "ca_certificate", "certificates")
_NEXT = ("next_ca_keystore", "next_ca_keystore_password", "next_ca_certificate")


class RotationError(Exception):
    """A rotation step that must not go on; Secrets Manager keeps the current version."""


def authority_name() -> str:
    """The authority's common name: the Connect cluster's (``CONNECT_CLUSTER``)."""
    return f"kafka-platform {os.environ['CONNECT_CLUSTER']} REST CA"


def _authority(name: str) -> x509.Issued:
    return x509.issue([], days=CERTIFICATE_DAYS, common_name=name, ca=True)


def initial(name: str) -> dict[str, str]:
    issued = _authority(name)
    return {"username": USERS[0], "password": _password(), "standby_username": USERS[1],
            "standby_password": _password(), "ca_keystore": issued.keystore_base64,
            "ca_keystore_password": issued.keystore_password, "ca_certificate": issued.certificate_pem,
            "certificates": issued.certificate_pem}


def rotated(current: Mapping[str, str], name: str, now: datetime.datetime) -> dict[str, str]:
    """The next version: users swapped, the new standby's password new, the authority renewed in two steps."""
    missing = [key for key in KEYS if not current.get(key)]
    if missing:
        raise RotationError(f"the current version has no {', '.join(missing)}; it was not written by this function")
    new = {**current, "username": current["standby_username"], "password": current["standby_password"],
           "standby_username": current["username"], "standby_password": _password()}
    trusted = [current["ca_certificate"]]
    if current.get("next_ca_keystore"):
        # Issued at the last rotation, trusted by every worker and client since the redeployment: it issues the
        # workers' certificates now, and the old one stays trusted while the workers are replaced.
        new.update(ca_keystore=current["next_ca_keystore"], ca_keystore_password=current["next_ca_keystore_password"],
                   ca_certificate=current["next_ca_certificate"])
        for key in _NEXT:
            new.pop(key)
        trusted = [new["ca_certificate"], current["ca_certificate"]]
    elif x509.not_after(current["ca_certificate"]) - now < datetime.timedelta(days=RENEW_DAYS):
        issued = _authority(name)
        new.update(next_ca_keystore=issued.keystore_base64, next_ca_keystore_password=issued.keystore_password,
                   next_ca_certificate=issued.certificate_pem)
        trusted = [current["ca_certificate"], issued.certificate_pem]
    new["certificates"] = "".join(certificate if certificate.endswith("\n") else certificate + "\n"
                                  for certificate in trusted)
    return new


def _password() -> str:
    # Letters and digits only: it is written into a properties file and a curl config without escaping.
    return secrets.token_hex(20)


# ---- the custom resource ---------------------------------------------------------------------------------------
def initialize(event: Mapping[str, Any], context: Any, *, secrets_client: Any = None) -> dict[str, Any]:
    """``Custom::ConnectRestAccess`` (``SecretArn``): on Create, writes the first version unless the secret already
    holds one of ours; never changes it afterwards (rotation does). Invoking it again changes nothing."""
    return respond(event, lambda e: _initialize(e, secrets_client))


def _initialize(event: Mapping[str, Any], secrets_client: Any) -> Outcome:
    arn = str(event["ResourceProperties"]["SecretArn"])
    if event["RequestType"] == "Delete":
        return Outcome(event.get("PhysicalResourceId") or arn)
    client = secrets_client or _client("secretsmanager")
    current = _json(client.get_secret_value(SecretId=arn)["SecretString"])
    if all(current.get(key) for key in KEYS):
        return Outcome(arn, {"Initialized": "kept"})
    client.put_secret_value(SecretId=arn, SecretString=json.dumps(initial(authority_name())))
    return Outcome(arn, {"Initialized": "written"})


# ---- rotation --------------------------------------------------------------------------------------------------
def rotate(event: Mapping[str, Any], context: Any, *, secrets_client: Any = None, ecs_client: Any = None,
           probe: Callable[[Mapping[str, str]], None] | None = None,
           clock: Callable[[], datetime.datetime] | None = None) -> None:
    """Secrets Manager's rotation steps for this secret only (``SECRET_ARN``)."""
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    if arn != os.environ["SECRET_ARN"]:
        raise RotationError(f"this function rotates {os.environ['SECRET_ARN']} only, not {arn}")
    client = secrets_client or _client("secretsmanager")
    versions = client.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
    if token not in versions:
        raise RotationError(f"version {token} of {arn} does not exist")
    if "AWSCURRENT" in versions[token]:
        return
    if "AWSPENDING" not in versions[token]:
        raise RotationError(f"version {token} of {arn} is not pending rotation")
    if step == "createSecret":
        try:
            client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
            return
        except client.exceptions.ResourceNotFoundException:
            pass
        current = _json(client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])
        now = (clock or (lambda: datetime.datetime.now(datetime.timezone.utc)))()
        client.put_secret_value(SecretId=arn, ClientRequestToken=token,
                                SecretString=json.dumps(rotated(current, authority_name(), now)),
                                VersionStages=["AWSPENDING"])
    elif step == "setSecret":
        return  # nothing to set: the workers learn the new version when they restart (finishSecret)
    elif step == "testSecret":
        pending = _json(client.get_secret_value(SecretId=arn, VersionId=token,
                                                VersionStage="AWSPENDING")["SecretString"])
        (probe or _probe)(pending)
    elif step == "finishSecret":
        current = next((version for version, stages in versions.items() if "AWSCURRENT" in stages), None)
        client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token,
                                           RemoveFromVersionId=current)
        (ecs_client or _client("ecs")).update_service(cluster=os.environ["ECS_CLUSTER"],
                                                      service=os.environ["ECS_SERVICE"], forceNewDeployment=True)
        LOGGER.info("version %s of %s is current; the workers are being redeployed to learn it", token, arn)
    else:
        raise RotationError(f"unknown rotation step {step!r}")


def _probe(pending: Mapping[str, str]) -> None:
    """The running workers accept the pending version's active user over TLS that the pending version trusts."""
    import time

    from connect_rest import ConnectClient, ConnectError

    client = ConnectClient(os.environ["CONNECT_URL"], deadline=time.monotonic() + 60, max_attempts=4,
                           credentials=(pending["username"], pending["password"]),
                           certificates=pending["certificates"])
    try:
        client.connectors()
    except ConnectError as error:
        raise RotationError(f"the workers refuse the next version ({error}); they have not restarted since the last "
                            "rotation. Redeploy the Connect service (aws ecs update-service --force-new-deployment) "
                            "and rotate again") from None


def _json(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _client(service: str) -> Any:
    import boto3

    return boto3.client(service)
