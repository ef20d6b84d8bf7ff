"""Live play: the session through a sound output in real time, with keys, a status line and a log."""
