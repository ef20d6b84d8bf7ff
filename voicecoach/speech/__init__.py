"""Speech: engines behind one interface, text normalisation, and the clip cache."""
