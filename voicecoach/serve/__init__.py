"""`voicecoach serve`: the sessions on the home network, as a page for the phone and a podcast feed.

The package holds no knowledge of how a routine becomes audio: the command hands it the
functions that load, prepare and export a routine (`publish.Toolkit`). It exports each routine
once into the sessions folder (publish.py), then serves that folder read-only over HTTP behind
a random token (server.py): the page (page.py), the feed (feed.py), each session's audio,
chapters and cover (cover.py).
"""
