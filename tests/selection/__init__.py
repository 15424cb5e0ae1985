"""Tests of kamlib's selection wing."""
