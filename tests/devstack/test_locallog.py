"""devstack.locallog: make dev logs one readable line per audit event; the JSON stays for AWS."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest

from chalicelib import audit
from devstack import locallog


@pytest.fixture
def local_log(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The audit logger's output after ``locallog.install``, with its formatters and stream put back."""
    saved = [(h, h.formatter, getattr(h, "stream", None)) for h in audit.logger.handlers]
    monkeypatch.delenv("SESAME_LOG_JSON", raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "0")  # recorded: what install sets goes at teardown
    out = io.StringIO()
    for handler in audit.logger.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(out)
    yield out
    for handler, formatter, stream in saved:
        handler.setFormatter(formatter)
        if stream is not None and isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)


def test_an_audit_event_is_one_line_of_the_fields_a_person_reads(local_log: io.StringIO, stack: Any,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert locallog.install()
    attempt = audit.Attempt(event="sign_in.requested", method="email", source_ip="127.0.0.1",
                            email="ada@example.com")
    audit.emit(attempt, "success", "")
    [line] = local_log.getvalue().splitlines()
    assert line.split(" ", 1)[1] == "INFO sign_in.requested outcome=success method=email source_ip=127.0.0.1"
    assert "ada@example.com" not in line and "{" not in line
    assert "_aws" not in capsys.readouterr().out  # no metric (EMF) line beside it


def test_sesame_log_json_keeps_the_json(local_log: io.StringIO, stack: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESAME_LOG_JSON", "1")
    assert not locallog.install()
    audit.emit(audit.Attempt(event="sign_in.requested", method="email"), "success", "")
    assert '"event": "sign_in.requested"' in local_log.getvalue().replace('":"', '": "')
