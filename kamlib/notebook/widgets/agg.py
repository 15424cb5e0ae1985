"""An Agg canvas for the widgets' figures that remembers the texts it has drawn.

Matplotlib ≥ 3.10 draws a text glyph by glyph: it lays the string out (``FT2Font._layout``)
and has FreeType render every glyph on every draw. A widget redraws the same figure after
each change of a control, and most of its texts — ticks, axis labels, titles, legends,
quadrant names — come back unchanged at the same place: on the 2-core reference machine they
were over half of a redraw (~3 ms per short text).

:class:`TextCachingCanvasAgg` draws them from a cache and nothing else changes: the layout of
a string is kept per string, font, size and dpi, and each glyph's bitmap per glyph, size,
angle and the *fractional* part (1/64 px, FreeType's unit) of its position — a glyph at the
same sub-pixel offset is the same bitmap moved by whole pixels, so the pixels are those
matplotlib draws itself (``tests/notebook/test_widget_canvas.py`` compares them byte for
byte). Texts that move (a label following its bubble) still reuse their layout. Mathtext,
TeX and matplotlib versions without this code path (< 3.10) are drawn by matplotlib as
before. The report's figures are not affected: only the widgets' figures use this canvas.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

try:  # matplotlib ≥ 3.10: the glyph-by-glyph text path this cache follows
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.ft2font import FT2Font, RenderMode

    _SUPPORTED = all(hasattr(FT2Font, name) for name in
                     ("_layout", "_render_glyph", "_set_transform"))
except ImportError:  # pragma: no cover - older matplotlib: no cache
    _SUPPORTED = False

#: cached glyph bitmaps before the cache is emptied (moving texts add new sub-pixel offsets)
MAX_GLYPHS = 20_000
MAX_LAYOUTS = 2_000


class TextCachingRendererAgg(RendererAgg):
    """:class:`~matplotlib.backends.backend_agg.RendererAgg` with a layout and glyph cache
    for plain texts (see the module's docstring)."""

    def __init__(self, width: float, height: float, dpi: float) -> None:
        super().__init__(width, height, dpi)
        self._layouts: dict[tuple[Any, ...], list[tuple[Any, int, float, float]]] = {}
        self._glyphs: dict[tuple[Any, ...], tuple[np.ndarray, int, int]] = {}
        self.glyph_hits = 0
        self.glyph_misses = 0

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                  ismath: Any = False, mtext: Any = None) -> None:
        if ismath or not _SUPPORTED:
            super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            return
        font = self._prepare_font(prop)
        size = prop.get_size_in_points()
        flags = get_hinting_flag()
        features = mtext.get_fontfeatures() if mtext is not None and hasattr(
            mtext, "get_fontfeatures") else None
        language = mtext.get_language() if mtext is not None and hasattr(
            mtext, "get_language") else None
        lkey = (s, font.fname, size, self.dpi, flags,
                tuple(features) if features is not None else None,
                language if language is None or isinstance(language, str)
                else tuple(map(tuple, language)))
        items = self._layouts.get(lkey)
        if items is None:
            kwargs: dict[str, Any] = {"flags": flags}
            if features is not None or language is not None:
                kwargs.update(features=features, language=language)
            items = [(it.ft_object, it.glyph_index, it.x, it.y)
                     for it in font._layout(s, **kwargs)]
            if len(self._layouts) >= MAX_LAYOUTS:
                self._layouts.clear()
            self._layouts[lkey] = items
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        matrix = None
        antialiased = bool(gc.get_antialiased())
        height = int(self.height)
        for ft_object, glyph_index, dx, dy in items:
            # FreeType's 26.6 fixed point, as RendererAgg._draw_text_glyphs_and_boxes
            tx = round(0x40 * (x + dx * cos - dy * sin))
            ty = round(0x40 * (self.height - y + dx * sin + dy * cos))
            gkey = (ft_object.fname, size, self.dpi, glyph_index, flags, antialiased, angle,
                    tx & 63, ty & 63)
            hit = self._glyphs.get(gkey)
            if hit is None:
                self.glyph_misses += 1
                if matrix is None:
                    matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
                ft_object.set_size(size, self.dpi)
                ft_object._set_transform(matrix, [tx, ty])
                bitmap = ft_object._render_glyph(
                    glyph_index, flags, RenderMode.NORMAL if antialiased else RenderMode.MONO)
                buffer = np.array(bitmap.buffer, copy=True)
                if not antialiased:
                    buffer *= 0xff
                hit = (buffer, bitmap.left - (tx >> 6), bitmap.top - (ty >> 6))
                if len(self._glyphs) >= MAX_GLYPHS:
                    self._glyphs.clear()
                self._glyphs[gkey] = hit
            else:
                self.glyph_hits += 1
            buffer, left, top = hit
            self._renderer.draw_text_image(buffer, left + (tx >> 6),
                                           height - (top + (ty >> 6)) + buffer.shape[0], 0, gc)


class TextCachingCanvasAgg(FigureCanvasAgg):
    """:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` whose renderer is a
    :class:`TextCachingRendererAgg`, kept across draws while the size and dpi stay."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        renderer = getattr(self, "renderer", None)
        if getattr(self, "_lastKey", None) != key or not isinstance(
                renderer, TextCachingRendererAgg):
            renderer = TextCachingRendererAgg(w, h, self.figure.dpi)
            self.renderer = renderer
            self._lastKey = key
        return renderer
