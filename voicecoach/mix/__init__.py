"""Mixing a Timeline into sound: cue sounds, the block mixer, the bed, pass-1 analysis."""
