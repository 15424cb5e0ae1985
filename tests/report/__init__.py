"""Tests of kamlib's report wing."""
