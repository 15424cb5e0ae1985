"""Tests of kamlib's notebook wing."""
