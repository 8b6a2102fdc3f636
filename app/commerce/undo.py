"""撤销 Undo for the assistant's live verbs: a wrong price, a wrong stock, the wrong product pinned, a coupon or a
flash sale started by mistake. An undo is a new verb (a new event on the bus), never an edit of the log, so the
session's history keeps both the mistake and its correction.
"""

from __future__ import annotations

from app.commerce.room import ActionRefused, LiveRoom
from app.commerce.verbs import Step, inverse
from app.kernel.events import Event

MAX_UNDO = 50


class UndoableVerbs:
    """Runs the room's verbs for one actor and remembers how to take each back (newest first)."""

    def __init__(self, room: LiveRoom, actor: str) -> None:
        self.room, self.actor = room, actor
        self._steps: list[Step] = []

    @property
    def can_undo(self) -> bool:
        return bool(self._steps)

    def next_undo(self) -> str | None:
        return self._steps[-1].description if self._steps else None

    def do(self, verb: str, *args) -> Event:
        """Call `room.<verb>(*args, actor)`; raises ActionRefused like the verb itself."""
        step = inverse(self.room.snapshot().state, self.room, self.actor, verb, args)  # from the state before it
        event = getattr(self.room, verb)(*args, self.actor)
        if step is not None:
            self._steps.append(step)
            del self._steps[:-MAX_UNDO]
        return event

    def undo(self) -> str:
        """Take back the newest step; returns what was done. Raises ActionRefused when there is nothing to undo
        or the room has moved on (the step is dropped then: it cannot be taken back any more)."""
        if not self._steps:
            raise ActionRefused("没有可撤销的操作 / nothing to undo")
        step = self._steps.pop()
        try:
            step.inverse()
        except ActionRefused as exc:
            raise ActionRefused(f"无法撤销 / cannot undo: {exc}") from None
        return step.description
