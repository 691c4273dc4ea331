"""Import the Lambda code the way Lambda does: the folder itself on the path (``lambda`` is a Python keyword)."""

import importlib
import os
import sys

from kafka_platform.constructs.platform_function import LAMBDA_CODE_DIRECTORY


def load(module: str):
    if str(LAMBDA_CODE_DIRECTORY) not in sys.path:
        sys.path.insert(0, str(LAMBDA_CODE_DIRECTORY))
    if "MUTANT_UNDER_TEST" in os.environ:
        # Under `make mutate`, mutmut names each mutant after the module's package path and activates it only in a
        # module of that name: load kafka_platform.lambda.<name>, and let the Lambda's own flat imports find it
        # (dependencies first, so that no flat copy is ever made).
        for name in _BY_DEPENDENCY:
            if name not in sys.modules:
                sys.modules[name] = importlib.import_module(f"kafka_platform.lambda.{name}")
    return importlib.import_module(module)


_BY_DEPENDENCY = ("custom_resource", "x509", "connect_rest", "rest_access", "bootstrap_brokers", "declaration",
                  "deployed", "declared", "connector_drift", "connector_reconciler", "connect_health")
