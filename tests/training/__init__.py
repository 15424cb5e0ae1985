"""Tests of the trainer's tools (sample generator, anonymiser, classroom, training kit)."""
