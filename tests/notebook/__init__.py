"""Tests of the notebook surfaces (widgets, explorer, presenter, nbclean) and the notebooks."""
