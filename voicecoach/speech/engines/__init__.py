"""Speech engines behind one interface, in a registry."""
