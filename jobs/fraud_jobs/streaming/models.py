"""Which model version scores the next batch.

Training publishes a complete version folder and then atomically replaces ``LATEST``
(fraud_jobs.model.publish). The stream reads ``LATEST`` between batches -- a one-line file
read -- and loads a new version before scoring the next batch, so a batch is always scored
by exactly one version and no message waits for, or misses, a switch.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)


class ModelWatcher:
    def __init__(
        self, root: str | Path, pinned_version: str | None = None, check_every_s: float = 0.0
    ) -> None:
        self.root = Path(root)
        self.pinned_version = pinned_version
        self.check_every_s = check_every_s
        self.current = None
        self._checked_at = float("-inf")
        self.switches = 0

    def model_for_next_batch(self):
        """The model to score the coming batch with; switches when LATEST moved."""
        from fraud_jobs import model as models

        if self.current is not None and (
            self.pinned_version or time.monotonic() - self._checked_at < self.check_every_s
        ):
            return self.current
        self._checked_at = time.monotonic()
        wanted = self.pinned_version or models.latest_version(self.root)
        if self.current is not None and wanted == self.current.version:
            return self.current
        if wanted is None and self.current is None:
            # resolve() raises the actionable "no model in ..., train one with ..." error
            models.resolve(self.root)
        try:
            started = time.monotonic()
            loaded = models.load(self.root, wanted)
        except Exception:
            if self.current is None:
                raise
            # A broken new version must not stop scoring: keep the running one, retry later.
            log.exception(
                "could not load model version %s; still scoring with %s", wanted, self.current.version
            )
            return self.current
        if self.current is not None:
            self.switches += 1
            log.info(
                "switched model %s -> %s (loaded in %.2f s)",
                self.current.version,
                loaded.version,
                time.monotonic() - started,
            )
        else:
            log.info("scoring with model %s (threshold %.3f)", loaded.version, loaded.threshold)
        self.current = loaded
        return loaded
