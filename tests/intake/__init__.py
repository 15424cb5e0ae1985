"""Tests of kamlib's intake wing."""
