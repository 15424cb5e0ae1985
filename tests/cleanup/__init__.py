"""Tests of kamlib's cleanup wing."""
