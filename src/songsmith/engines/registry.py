"""Engine names -> engine classes, loaded lazily and cached per process.

A worker keeps its engines warm across jobs: `get()` builds each (name, preset) once. Engine
modules are imported only when first used, so the API process never imports an engine's heavy
dependencies (torch for acestep) just by mapping an `mv`.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

from songsmith.domain.errors import NotSupported

if TYPE_CHECKING:
    from songsmith.config import Settings
    from songsmith.engines.typing import Engine, EngineCapabilities

# name -> "module:ClassName"; each class is constructed as Class(preset=...)
KNOWN_ENGINES: dict[str, str] = {
    "builtin": "songsmith.engines.builtin.engine:BuiltinEngine",
    "testing": "songsmith.engines.testing:TestingEngine",
    "acestep": "songsmith.engines.acestep.engine:AceStepEngine",
}


class EngineUnavailable(NotSupported):
    """The engine is unknown, or its module is not installed in this environment."""


class EngineRegistry:
    def __init__(self, settings: Settings | None = None, engines: dict[str, str] | None = None):
        self.settings = settings
        self._targets = dict(KNOWN_ENGINES if engines is None else engines)
        self._instances: dict[tuple[str, str], Engine] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        return sorted(self._targets)

    def register(self, name: str, target: str) -> None:
        """Add or replace an engine: `target` is "package.module:ClassName"."""
        self._targets[name] = target

    def engine_class(self, name: str) -> Any:
        target = self._targets.get(name)
        if target is None:
            raise EngineUnavailable(
                f"Unknown engine {name!r}; known engines: {', '.join(self.names())}."
            )
        module_name, _, attr = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise EngineUnavailable(
                f"The {name!r} engine is not installed in this environment ({exc})."
            ) from exc
        try:
            return getattr(module, attr)
        except AttributeError as exc:
            raise EngineUnavailable(f"The {name!r} engine is not available yet ({exc}).") from exc

    def get(self, name: str, preset: str = "default") -> Engine:
        key = (name, preset or "default")
        with self._lock:
            engine = self._instances.get(key)
            if engine is None:
                engine = self.engine_class(name)(preset=key[1])
                self._instances[key] = engine
        return engine

    def capabilities(self, name: str, preset: str = "default") -> EngineCapabilities:
        """Without building the engine when its class declares capabilities statically."""
        cls = self.engine_class(name)
        declared = getattr(cls, "capabilities", None)
        from songsmith.engines.typing import EngineCapabilities

        if isinstance(declared, EngineCapabilities):
            return declared
        return self.get(name, preset).capabilities

    def available(self, name: str) -> bool:
        try:
            self.engine_class(name)
        except EngineUnavailable:
            return False
        return True
