"""Audio: cue sounds, the block mixer, the bed, loudness, encoders, tags and atomic export."""
