"""Optional dependencies, named when missing: the constructs need only aws-cdk-lib and constructs; the gates need
cdk-nag and PMapper (``[gates]``), environments from YAML need pydantic and PyYAML (``[config]``)."""

from __future__ import annotations

#: The module a feature imports, and the extra that installs it.
EXTRAS = {"cdk_nag": "gates", "principalmapper": "gates", "pydantic": "config", "yaml": "config", "pydantic_core": "config"}


def missing_extra(error: ModuleNotFoundError, what: str) -> ImportError | None:
    """The clear error for ``what`` failing on a missing optional dependency, or None if ``error`` is another one."""
    top = (error.name or "").split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        return None
    return ImportError(f"{what} needs {top}, which the {extra!r} extra installs: "
                       f"pip install 'cdk-kafka-platform[{extra}]'")
