"""The report's sections of the steps 00–04, one module a step (each a builder
``(ctx) -> (Section, tables, charts)`` registered in :func:`kamlib.report.build.build_model`)."""
