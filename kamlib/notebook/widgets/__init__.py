"""Interactive widgets of the step notebooks, for trainers and analysts (``interactive=True``).

One module per step (:mod:`.intake`, :mod:`.cleanup`, :mod:`.profitability`, :mod:`.weights`,
:mod:`.sizing`) on the shared machinery of :mod:`.base`; :mod:`.loader` builds the widget of
step 00, 01 or 02 from an engagement's artefacts.

One builder per step, on top of the same pure functions the steps use (DataFrame in, DataFrame
out; nothing re-implemented):

- :func:`intake_widget` (step 0) — pick an input file: how its columns were mapped, its rows
  read / accepted / rejected / skipped, and the rejected rows with their reasons;
- :func:`cleanup_widget` (step 1) — review and auto-merge thresholds re-cluster the scored
  candidate pairs (:func:`kamlib.cleanup.matching.propose`, :func:`~kamlib.cleanup.matching.
  cluster`, :func:`~kamlib.cleanup.entities.build_entities`, the activity status) and redraw
  :func:`kamlib.plots.funnel_chart`; a browser shows each pair to review side by side;
- :func:`profitability_widget` (step 2) — cost-to-serve rates re-cost every client
  (:func:`kamlib.profitability.scenarios.recost`) and redraw the whale curve;
- :func:`weights_widget` (step 3) — criterion weights re-score the portfolio matrix;
- :func:`sizing_widget` (step 4) — hours and capacity redraw the FTE and the workloads.

The Python side runs headless (tests, :func:`time_update`, ``bench/widgets.py``): every
widget of steps 0–3 has ``update()``, a setter to drive it (``select``, ``set_thresholds``,
``set_rates``, ``set_weights``), ``last_update_seconds``, and draws its chart to a PNG put into
its ``Output`` directly, so an update is timed end to end (observer → computation → chart →
PNG).
"""

from kamlib.notebook.widgets.base import time_update
from kamlib.notebook.widgets.cleanup import CleanupWidget, cleanup_widget
from kamlib.notebook.widgets.intake import IntakeWidget, intake_widget
from kamlib.notebook.widgets.loader import step_widget
from kamlib.notebook.widgets.profitability import (
    RATE_DRIVERS,
    ProfitabilityWidget,
    profitability_widget,
)
from kamlib.notebook.widgets.sizing import SizingWidget, sizing_widget
from kamlib.notebook.widgets.weights import WeightsWidget, weights_widget

__all__ = [
    "RATE_DRIVERS",
    "CleanupWidget",
    "IntakeWidget",
    "ProfitabilityWidget",
    "SizingWidget",
    "WeightsWidget",
    "cleanup_widget",
    "intake_widget",
    "profitability_widget",
    "sizing_widget",
    "step_widget",
    "time_update",
    "weights_widget",
]

