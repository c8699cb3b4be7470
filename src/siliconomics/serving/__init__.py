"""Serving: request streams, a continuous-batching simulator and the SLA search."""

from siliconomics.serving.operating import (
    EngineResult,
    OperatingPoint,
    Sla,
    find,
    operating_point,
)
from siliconomics.serving.search import Layout, SearchResult, ServingPoint, best_config
from siliconomics.serving.simulator import (
    Deployment,
    EngineConfig,
    SimCache,
    SimResult,
    Summary,
    simulate,
)
from siliconomics.serving.workload import (
    ClosedLoop,
    Empirical,
    Fixed,
    LogNormal,
    Offline,
    Poisson,
    Requests,
    Trace,
    Uniform,
    make_requests,
    read_trace,
)

__all__ = [
    "ClosedLoop",
    "Deployment",
    "Empirical",
    "EngineConfig",
    "EngineResult",
    "Fixed",
    "Layout",
    "LogNormal",
    "Offline",
    "OperatingPoint",
    "Poisson",
    "Requests",
    "SearchResult",
    "ServingPoint",
    "SimCache",
    "SimResult",
    "Sla",
    "Summary",
    "Trace",
    "Uniform",
    "best_config",
    "find",
    "make_requests",
    "operating_point",
    "read_trace",
    "simulate",
]
