"""Simulator of state-owned enterprise (SOE) reform outcomes.

One model, two engines: the vectorized numpy core (``sim.engine``) for batches and
the Mesa agent model for single inspected runs. Parameters, scenarios and measures
are data (``sim/data/*.toml``, ``scenarios/*.toml``).
"""

__version__ = "0.1.0"
