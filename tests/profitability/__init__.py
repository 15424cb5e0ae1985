"""Tests of kamlib's profitability wing."""
