"""Tests of kamlib's core wing."""
