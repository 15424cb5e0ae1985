"""The workbench's chart theme as matplotlib settings.

Seaborn's ``whitegrid`` style in its ``notebook`` context (the values of seaborn 0.13's
``axes_style`` and ``plotting_context``), the workbench's palette as the colour cycle, and
its own sizes. Written out here rather than applied by ``seaborn.set_theme``: importing
seaborn imports ``scipy.stats``, a second of CPU in every kernel of a run and in every
widget's notebook, for a dictionary of settings. ``tests/core/test_plots.py`` checks that
:func:`theme_rc` gives the settings ``seaborn.set_theme`` gives, so a seaborn upgrade that
changes its look shows there.

One setting is left out: seaborn's default colormap (``rocket``) exists only once seaborn is
imported; no chart of the workbench draws with the default colormap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PALETTE", "theme_rc"]

#: the workbench's colours, in the order charts use them
PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6", "#a5a5a5"]

# seaborn.plotting_context("notebook", font_scale=1.0)
_NOTEBOOK_CONTEXT: dict[str, Any] = {
    "axes.labelsize": 12.0, "axes.linewidth": 1.25, "axes.titlesize": 12.0, "font.size": 12.0,
    "grid.linewidth": 1, "legend.fontsize": 11.0, "legend.title_fontsize": 12.0,
    "lines.linewidth": 1.5, "lines.markersize": 6, "patch.linewidth": 1,
    "xtick.labelsize": 11.0, "xtick.major.size": 6, "xtick.major.width": 1.25,
    "xtick.minor.size": 4, "xtick.minor.width": 1,
    "ytick.labelsize": 11.0, "ytick.major.size": 6, "ytick.major.width": 1.25,
    "ytick.minor.size": 4, "ytick.minor.width": 1,
}

# seaborn.axes_style("whitegrid", rc={"font.family": "sans-serif"}), without image.cmap
_WHITEGRID_STYLE: dict[str, Any] = {
    "axes.axisbelow": True, "axes.edgecolor": ".8", "axes.facecolor": "white",
    "axes.grid": True, "axes.labelcolor": ".15",
    "axes.spines.bottom": True, "axes.spines.left": True, "axes.spines.right": True,
    "axes.spines.top": True, "figure.facecolor": "white", "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans",
                        "sans-serif"],
    "grid.color": ".8", "grid.linestyle": "-", "lines.solid_capstyle": "round",
    "patch.edgecolor": "w", "patch.force_edgecolor": True, "text.color": ".15",
    "xtick.bottom": False, "xtick.color": ".15", "xtick.direction": "out", "xtick.top": False,
    "ytick.color": ".15", "ytick.direction": "out", "ytick.left": False, "ytick.right": False,
}

# the workbench's own, over seaborn's
_OWN: dict[str, Any] = {
    "axes.titleweight": "bold", "axes.titlesize": 12, "figure.dpi": 100, "savefig.dpi": 150,
    "savefig.bbox": "tight", "axes.spines.top": False, "axes.spines.right": False,
}


def theme_rc() -> dict[str, Any]:
    """The matplotlib settings of the workbench's theme (``matplotlib.rcParams.update``)."""
    from cycler import cycler
    from matplotlib.colors import to_rgb

    return {**_NOTEBOOK_CONTEXT, **_WHITEGRID_STYLE,
            "axes.prop_cycle": cycler("color", [to_rgb(c) for c in PALETTE]), **_OWN}
