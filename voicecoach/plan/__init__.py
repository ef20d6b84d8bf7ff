"""The pure compiler: routine + profile + speech lengths -> Timeline, and its text rendering."""
