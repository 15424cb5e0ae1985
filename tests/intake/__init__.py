"""Tests of kamlib.intake (step 0: reading the raw exports) and its readers."""
