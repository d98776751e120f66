"""Keep every AI coding assistant in a repository reading the same rules."""

__version__ = "0.1.0"
