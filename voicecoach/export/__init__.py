"""Writing sessions to files: the track, split files, encoders, tags, timed text."""
