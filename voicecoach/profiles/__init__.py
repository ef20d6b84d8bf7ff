"""Profiles: how a session is spoken and sounds, built in and from the user's file."""
