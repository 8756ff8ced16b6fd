"""What happens when a Faust agent dies: the worker says so and stops, non-zero.

Faust's default is to log the error and restart the agent; an agent that fails on
every event then crash-loops while the process looks alive, and the pipeline
stops with nobody told. Corridor's worker instead marks the agent crashed on its
``/health`` and ``corridor_loop_up``, logs one CRITICAL line naming it, and calls
``on_fatal``, with which the worker exits at once with code 1 (without the clean
stop that would commit the offset of the event the agent died on) so that the
service manager restarts it, or ``CorridorComponentDown`` pages an operator. An
agent restarted by a rebalance is reported running again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from monitoring.health import LoopHealth

logger = logging.getLogger(__name__)

#: The worker's agents, as named on /health and in ``corridor_loop_up{loop}``.
AGENTS = ("verify", "dedupe", "correlate")

OnError = Callable[[Any, BaseException], Awaitable[None]]


class AgentSupervision:
    """Reports each agent's state; a crashed agent calls ``on_fatal`` (stop the worker)."""

    def __init__(self, health: LoopHealth, on_fatal: Callable[[BaseException], None]) -> None:
        self.health = health
        self._on_fatal = on_fatal
        self.crash: BaseException | None = None
        """The first agent error, once one happened."""

    def started(self, agent: str) -> None:
        """``agent`` entered its loop (at start and after every rebalance)."""
        self.health.running(agent)

    async def crashed(self, agent: str, exc: BaseException) -> None:
        """``agent`` raised ``exc`` out of its loop."""
        logger.critical("agent %s crashed, stopping the worker: %r", agent, exc)
        self.health.crashed(agent, exc)
        if self.crash is None:
            self.crash = exc
            self._on_fatal(exc)

    def attach(self, agent: Any, name: str) -> None:
        """Chain onto the Faust agent's error hook (Faust's own hook, the app's, runs first).

        ``app.agent()`` sets the hook itself and takes no other, hence the chaining.
        """
        faust_hook: OnError | None = agent._on_error

        async def on_error(actor: Any, exc: BaseException) -> None:
            if faust_hook is not None:
                await faust_hook(actor, exc)
            await self.crashed(name, exc)

        agent._on_error = on_error
