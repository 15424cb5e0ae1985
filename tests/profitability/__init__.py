"""Tests of kamlib.profitability (step 2: client P&L, curves, cash, cost pools)."""
