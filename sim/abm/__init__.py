"""The agent model on Mesa: the same model as the vectorized core, one agent at a time.

``SOEReformModel`` runs one replication of a scenario; ``simulate`` runs several and
returns measures shaped like ``sim.engine.simulate``'s, so the two engines can be docked.
They are imported on first use, so that ``run.py`` can register the agent model's
commands (``sim.abm.cli``) without importing Mesa.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SOEReformModel", "simulate"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sim.abm import model

        return getattr(model, name)
    raise AttributeError(f"module 'sim.abm' has no attribute {name!r}")
