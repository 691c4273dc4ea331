"""Import the Lambda code the way Lambda does: the folder itself on the path (``lambda`` is a Python keyword)."""

import importlib
import sys

from kafka_platform.constructs.platform_function import LAMBDA_CODE_DIRECTORY


def load(module: str):
    if str(LAMBDA_CODE_DIRECTORY) not in sys.path:
        sys.path.insert(0, str(LAMBDA_CODE_DIRECTORY))
    return importlib.import_module(module)
