"""Tests of kamlib's training wing."""
