"""The agent model on Mesa: the same model as the vectorized core, one agent at a time.

``SOEReformModel`` runs one replication of a scenario; ``simulate`` runs several and
returns measures shaped like ``sim.engine.simulate``'s, so the two engines can be docked.
"""

from sim.abm.model import SOEReformModel, simulate

__all__ = ["SOEReformModel", "simulate"]
