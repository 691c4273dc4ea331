"""Reusable constructs, one concern per module; ``kafka_platform`` re-exports the public ones."""
