"""A connector's declaration digest: what the template says about one connector, in 64 hex characters.

The construct computes it at synthesis and writes it beside the connector (``DeclaredDigest``); the reconciler and
the health monitor compute it again from what they are asked to apply and compare it with the deployed template's
(``deployed.py``). One function, here, serves both: the construct loads this file (standard library only).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping


def declaration_digest(name: str, config: Mapping[str, Any], state: str, slot_on_delete: str) -> str:
    """SHA-256 of the connector's name, config (every value as CloudFormation passes it: a string), desired state
    and slot-on-delete choice."""
    body = [str(name), {str(k): str(v) for k, v in config.items()}, str(state), str(slot_on_delete)]
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
