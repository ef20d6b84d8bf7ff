"""The `voicecoach` command line: thin click commands over the library."""

import click


@click.group()
def main() -> None:
    """voicecoach: voice-guided stretching, breathing and rest sessions."""
