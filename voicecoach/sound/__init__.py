"""The leaf: float32 clips, WAV files, int16 conversion, resampling, loudness and the limiter."""
