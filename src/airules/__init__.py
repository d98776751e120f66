"""Keep every AI coding assistant in a repository reading the same rules."""

from __future__ import annotations

__version__ = "0.1.0"
