"""Tests of kamlib's sizing wing."""
