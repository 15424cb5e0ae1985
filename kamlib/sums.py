"""Sums of money that come out the same on every run, whatever the order of the lines.

polars adds floats in parallel, in an order that varies from run to run with the way the
threads split the work, so the last bits of a sum vary. A figure rounded to the kopeck then
moves by a kopeck now and then, and a total of clients' rounded figures by several: the
same engagement gave 122,484,772.05 ₽ and 122,484,772.04 ₽ of one channel's contribution on
two runs. Every money sum of the steps goes through :func:`exact_sum` instead: the amounts
as decimals with 9 places (exact for amounts given to the kopeck; within 5·10⁻¹⁰ for derived
ones such as net = gross / 1.2), added exactly in 128-bit integers, then turned back into a
float once: the same bits on every run, and a sum closer to the true one.
"""

from __future__ import annotations

import polars as pl

__all__ = ["MONEY_DECIMAL", "exact_sum"]

#: The exact type the amounts are added in: 38 digits, 9 after the point (sums up to 10²⁹).
MONEY_DECIMAL = pl.Decimal(38, 9)


def exact_sum(expr: pl.Expr) -> pl.Expr:
    """``expr.sum()`` added exactly (:data:`MONEY_DECIMAL`), as a Float64.

    Parameters
    ----------
    expr : polars.Expr
        Finite amounts (nulls are skipped, as ``sum`` skips them). A NaN or an infinite
        amount raises: the intake never lets one through.

    Returns
    -------
    polars.Expr
        The sum, identical on every run whatever the thread count and the lines' order.
    """
    return expr.cast(MONEY_DECIMAL, strict=True).sum().cast(pl.Float64)
