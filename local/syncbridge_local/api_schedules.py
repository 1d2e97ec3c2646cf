"""Schedules created at run time through the EventBridge Scheduler API (moto stores them,
never fires them): this watcher lists them, keeps each one's next fire time on the same
virtual clock as the template's schedules, and fires its target when due. Sync Bridge
creates one such schedule per connection and sync action on connect."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from syncbridge_local.schedules import ScheduleError, parse_schedule

log = logging.getLogger("syncbridge_local")

Target = Callable[[str, Any], Callable[[], Any]]


class ApiScheduleWatcher:
    def __init__(
        self,
        scheduler: Any,
        target: Target,
        template_names: set[str],
        speedup: float = 1.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self.scheduler = scheduler
        self.target = target
        self.template_names = template_names
        self.speedup = speedup
        self.poll_seconds = poll_seconds
        self.upcoming: dict[str, datetime | None] = {}
        self.fired: list[tuple[str, datetime]] = []
        self._origin_wall = datetime.now(UTC)
        self._origin_mono = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="api-schedules", daemon=True)

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin_mono) * self.speedup
        return self._origin_wall + timedelta(seconds=elapsed)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def names(self) -> list[str]:
        names: list[str] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = self.scheduler.list_schedules(**kwargs)
            names += [s["Name"] for s in page.get("Schedules", [])]
            if not page.get("NextToken"):
                return [n for n in names if n not in self.template_names]
            kwargs["NextToken"] = page["NextToken"]

    def fire(self, name: str) -> Any:
        """Fire the schedule `name` now (KeyError when Scheduler does not know it)."""
        try:
            found = self.scheduler.get_schedule(Name=name)
        except Exception as exc:
            raise KeyError(f"no schedule {name!r}") from exc
        target = found["Target"]
        payload = json.loads(target["Input"]) if target.get("Input") else {}
        return self.target(target["Arn"], payload)()

    def tick(self) -> None:
        """Pick up new and deleted schedules; fire the due ones."""
        now = self.now()
        current = set(self.names())
        for gone in set(self.upcoming) - current:
            del self.upcoming[gone]
        for name in sorted(current):
            if name not in self.upcoming:
                found = self.scheduler.get_schedule(Name=name)
                try:
                    parsed = parse_schedule(found["ScheduleExpression"])
                except ScheduleError:
                    log.warning("schedule %s: unsupported expression; never fired", name)
                    self.upcoming[name] = None
                    continue
                self.upcoming[name] = parsed.next_after(now)
            when = self.upcoming[name]
            if when is None or when > now:
                continue
            log.info("schedule %s fires", name)
            self.fired.append((name, when))
            try:
                self.fire(name)
            except Exception:
                log.exception("schedule %s: target failed", name)
            found = self.scheduler.get_schedule(Name=name)
            self.upcoming[name] = parse_schedule(found["ScheduleExpression"]).next_after(when)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("api schedules: tick failed")
            self._stop.wait(self.poll_seconds)
