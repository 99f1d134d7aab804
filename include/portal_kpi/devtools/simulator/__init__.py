"""Deterministic simulator of a provincial public-service portal export API (contract §1)."""

from portal_kpi.devtools.simulator.model import PortalHistory, SimConfig
from portal_kpi.devtools.simulator.server import (
    Faults,
    SimulatorHandle,
    serve_forever,
    start_background,
)

__all__ = [
    "Faults",
    "PortalHistory",
    "SimConfig",
    "SimulatorHandle",
    "serve_forever",
    "start_background",
]
