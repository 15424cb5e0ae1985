"""The alignment chart: management's view against the KAMs', element by element.

Plotting only: the scores come from :func:`kamlib.kit.alignment.element_scores`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["alignment_chart"]


def alignment_chart(by_element: pd.DataFrame, *, lang: str = "ru", ax: Any = None) -> Any:
    """Horizontal bars of the average score per element, one bar per group.

    Parameters
    ----------
    by_element : DataFrame
        :func:`~kamlib.kit.alignment.element_scores`'s output (indexed by element,
        ``management`` and ``kam`` columns, 1–5).
    lang : {"ru", "en"}
        The labels' language.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from ..i18n import load_strings

    st = load_strings(lang)
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.8))
    d = by_element.iloc[::-1]
    y = np.arange(len(d))
    h = 0.38
    for off, role, colour in ((h / 2, "management", "#1F4E79"), (-h / 2, "kam", "#C55A11")):
        vals = d[role].astype(float).fillna(0).to_numpy()
        ax.barh(y + off, vals, height=h, color=colour,
                label=st.t(f"kit_alignment.role.{role}"))
    ax.set_yticks(y, [st.t(f"kit_alignment.element.{e}") for e in d.index])
    ax.set_xlim(0, 5)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.axvline(3, color="#7F7F7F", lw=0.8, ls="--")
    ax.set_title(st.t("kit_alignment.report.chart"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if own:
        ax.figure.tight_layout()
    return ax
