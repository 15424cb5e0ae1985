"""Tests of kamlib.cleanup (step 1: client base cleanup) and tax-id matching."""
