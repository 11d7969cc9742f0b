"""``make dev``'s log: one line per audit event, readable in a terminal.

On AWS every event is one JSON object (CloudWatch Logs Insights and the alarms read its fields:
docs/operations.md), and each is counted as an EMF metric printed beside it. Locally nobody
queries them: the JSON becomes one line of the fields a person looks at, and the metric lines go
(Powertools' ``POWERTOOLS_METRICS_DISABLED``). ``SESAME_LOG_JSON=1`` keeps the JSON.
"""

from __future__ import annotations

import logging
import os
import time

# The fields worth a glance, in this order; the hashes and ids stay in the JSON of a deployed stage.
FIELDS = ("outcome", "method", "reason", "source_ip", "caller")


class OneLine(logging.Formatter):
    """``12:00:01 INFO sign_in.requested outcome=success method=email source_ip=127.0.0.1``"""

    def format(self, record: logging.LogRecord) -> str:
        when = time.strftime("%H:%M:%S", time.localtime(record.created))
        parts = [f"{name}={value}" for name in FIELDS if (value := getattr(record, name, None))]
        line = " ".join([when, record.levelname, str(record.msg), *parts])
        return line.replace("\n", " ")  # one line, whatever a value holds


def install() -> bool:
    """One line per event from here on, unless ``SESAME_LOG_JSON=1``; whether it was installed."""
    if os.environ.get("SESAME_LOG_JSON") == "1":
        return False
    from chalicelib import audit

    os.environ["POWERTOOLS_METRICS_DISABLED"] = "1"
    for handler in audit.logger.handlers:
        handler.setFormatter(OneLine())
    return True
