"""Sesame's HTTP API. Routes unpack the request, call chalicelib, return a Response."""

from __future__ import annotations

import os

from chalice import Chalice, Response

from chalicelib import pages

app = Chalice(app_name="sesame")

if os.environ.get("SESAME_DEV_MAILBOX") == "1":  # the local stage only
    from devstack.mailbox import blueprint as dev_mailbox

    app.register_blueprint(dev_mailbox)


@app.route("/auth/health", methods=["GET"])
def health() -> Response:
    return Response({"status": "ok"}, status_code=200, headers={"Cache-Control": "no-store"})


@app.route("/", methods=["GET"])
def index() -> Response:
    return pages.page("index.html")
