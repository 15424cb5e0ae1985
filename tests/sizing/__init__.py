"""Tests of kamlib.sizing (step 4: KAM team sizing)."""
