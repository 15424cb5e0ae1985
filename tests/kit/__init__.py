"""Tests of kamlib.kit (the engagement kit)."""
