"""Per-environment configuration: typed, validated at load, every error naming file, field, value and fix."""

from kafka_platform.config.loader import load_environment, load_environments
from kafka_platform.config.model import Environment

__all__ = ["Environment", "load_environment", "load_environments"]
