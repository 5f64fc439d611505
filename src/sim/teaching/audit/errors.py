"""The audit's one error: a mistake in a chronology file or in the standards given to it."""

from __future__ import annotations

from sim.config import ConfigError


class ChronologyError(ConfigError):
    """A user-facing error in a chronology file; its message is one plain line."""
