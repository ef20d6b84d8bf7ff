"""`python -m voicecoach` and the `voicecoach` command."""

import sys


def run() -> None:
    """The command line. Ctrl-C while it is still starting up stops it quietly too (exit 130)."""
    try:
        from voicecoach.cli import main  # inside the try: Ctrl-C while importing exits quietly
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
