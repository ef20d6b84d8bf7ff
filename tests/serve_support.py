"""Shared parts of the serve tests: a tiny routine, the serve toolkit wired as the command wires it,
a published sessions folder, and the server running in a thread on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

TINY_ROUTINE = """format: 1
title: Tiny Serve Test
summary: A tiny routine for the serve tests.
tags: [test, hips]
defaults:
  rest: 1s
  transition: 1s
steps:
  - talk: Sit comfortably.
  - stretch: Knee Hug
    setup: Hug your {side} knee.
    hold: 4s
    sides: both
  - breathe: 2-2
    cycles: 1
"""
ESPEAK = ("--engine", "espeak", "--no-intro")


def write_tiny(folder: Path, name: str = "tiny.yaml", text: str = TINY_ROUTINE) -> Path:
    """The tiny routine as a file in `folder`."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
