"""Demo data (never imported by the core: only the command line and the welcome dialog use it).

The whole demo community: households and residents, then the Party organisation, center
households and visits, then a year of meetings, consultations and checklist items."""
from __future__ import annotations

from typing import Any


def generate_full_demo(database: Any, households: int = 300, seed: int = 1) -> dict[str, Any]:
    from .households import generate_demo
    from .meetings import generate_meeting_demo
    from .party import generate_party_demo

    summary = dict(generate_demo(database, households=households, seed=seed))
    summary["party"] = generate_party_demo(database, seed=seed)
    summary["meetings"] = generate_meeting_demo(database, seed=seed)
    return summary
