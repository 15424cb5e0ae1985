"""Tests of kamlib's kit wing."""
