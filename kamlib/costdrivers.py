"""The cost drivers of the client P&L, in a module of their own.

The engagement settings check cost rates and pools against these names when they are read;
keeping the names here (not in :mod:`kamlib.profitability.pnl`) lets ``kam check`` read the
settings without importing the P&L stack (pandas and the rest, about half a second).
"""

from __future__ import annotations

#: Cost drivers: from the sales lines (order, line, return) or from the activities table.
DRIVERS: tuple[str, ...] = ("order", "line", "return", "delivery", "visit", "service_hour",
                            "call")
