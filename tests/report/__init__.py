"""Tests of kamlib.report (the deliverables and their figure check)."""
