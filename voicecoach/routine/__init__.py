"""Routine files: the positioned YAML reader, the frozen model, durations, built-in routines."""
