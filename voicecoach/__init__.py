"""voicecoach: a voice-guided audio coach for stretching, breathing and rest."""

__version__ = "0.1.0"
