"""Tests of kamlib.selection (step 3: key client profile)."""
