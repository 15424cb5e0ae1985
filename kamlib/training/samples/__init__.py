"""Deterministic generator of a synthetic distributor's raw exports (sample engagements).

Two profiles (and ``1c_report_form``, a 1C report form instead of registers, written by
:mod:`kamlib.training.samples.forms`):

``ru_1c``
    A Russian wholesale distributor with 1C-style exports: a catalogue workbook with title
    rows, quarterly sales CSVs in cp1251 with ``;``, decimal commas, NBSP thousands and a
    totals row, payments, CRM activities, contacts, an assessment sheet and the team.
``en_clean``
    A smaller European distributor with clean English CSVs.

Both plant the traps an audit must find (duplicates, branches, a holding, dormant / lost
clients, a loss-making VIP, concentration, a key client with one contact, data-quality
noise); ``truth.json`` and ``TRUTH.md`` record them with the measured figures.

Training cases (``--lesson``): small, clean ``ru_1c`` engagements (400 clients, about
8,700 sales lines, 2 years, about 2 MB) that each plant ONE finding for a trainer's room:
``vip`` (the unprofitable VIP), ``top3`` (three clients, 40% of turnover), ``holding`` (a
group split into small clients), ``single_contact`` (a key account with one contact),
``overstaffed`` (twelve KAMs for a handful of key accounts); ``capstone`` (five traps at once
and the organisation), ``channels`` (the largest channel loses money after cost-to-serve;
management's VIP list) and ``teams`` (no head of KAM, the workshop's gap, a bonus without
focus) carry the management workshop's answers in ``review/`` (:mod:`.workshop`). See
``docs/trainer_guide.md``.

Everything is drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same
bytes (the xlsx ``created`` property is fixed, so workbooks are byte-stable too).

Run ``python -m kamlib.training.samples OUT --profile ru_1c --seed 42 --overwrite``, or
``python -m kamlib.training.samples data_samples/training_vip --lesson vip --seed 42 --overwrite``.

Modules, one job each: :mod:`.spec` (profiles and lessons), :mod:`.words` and
:mod:`.helpers` (vocabulary, tax ids, names), :mod:`.world` (team, products, entities,
catalogue), :mod:`.sales`, :mod:`.tables` (payments, activities, contacts, assessment),
:mod:`.build` (one world from a seed), :mod:`.formatting`, :mod:`.writers_ru`,
:mod:`.writers_en`, :mod:`.truth` and :mod:`.truth_org`, :mod:`.workshop`, :mod:`.finance`
(the demos' cost pools), :mod:`.forms` (the 1C report form) and :mod:`.api`
(:func:`generate_engagement`, the command line).
"""

from __future__ import annotations

from .api import generate_engagement, main

__all__ = ["generate_engagement", "main"]
