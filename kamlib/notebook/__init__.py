"""The notebook wing: what the step notebooks, their trainers and analysts use on screen.

- :mod:`kamlib.notebook.widgets` — one interactive widget per step (sliders, selectors);
- :mod:`kamlib.notebook.client_view` — the followed client's own figures for the widgets;
- :mod:`kamlib.notebook.explore` — an engagement's artefacts opened for analysts;
- :mod:`kamlib.notebook.present`, :mod:`~kamlib.notebook.present_pages`,
  :mod:`~kamlib.notebook.present_view` — ``kam present``: the notebooks served without code,
  in the engagement's language;
- :mod:`kamlib.notebook.nbclean` — executed notebooks cleaned of volatile metadata.

Nothing is imported here: the audit's runner imports :mod:`~kamlib.notebook.nbclean` without
pulling in ipywidgets or matplotlib.
"""
