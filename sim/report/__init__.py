"""Scenario comparison and the interactive HTML report of a batch.

``compare`` computes the headline table with paired differences from a baseline,
``html`` writes the self-contained report, ``cli`` adds the ``report`` and ``compare``
commands to ``python run.py``.
"""

from sim.report.compare import ReportError
from sim.report.html import write_report

__all__ = ["ReportError", "write_report"]
