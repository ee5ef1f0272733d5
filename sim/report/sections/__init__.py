"""The sections of the report, each a function of the :class:`~sim.report.page.Page` that
returns its HTML; :mod:`sim.report.html` puts them in order."""
