"""The trainer's wing: what serves a KAM trainer rather than an audit.

- :mod:`kamlib.training.samples` generates synthetic sample engagements and lesson cases
  (``python -m kamlib.training.samples``);
- :mod:`kamlib.training.anonymise` turns a real engagement into a training one
  (``kam anonymise``);
- :mod:`kamlib.training.classroom` writes a lesson's participant materials (worksheet,
  answer sheet, timings; ``kam classroom``).
"""
