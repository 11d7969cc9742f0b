"""Sessions: one per sign-in in one browser, from sign-in to its end.

``flow``: who am I, refresh, sign-out, list and end one's sessions.
``records``: the session records in DynamoDB. ``devices``: known browsers.
``begin``: a new session at sign-in. ``notme``: "this wasn't me".
"""

from __future__ import annotations

from chalicelib.sessions.begin import begin
from chalicelib.sessions.devices import Client
from chalicelib.sessions.flow import (
           Current,
           cleared,
           current,
           end_all,
           end_one,
           end_others,
           listing,
           refresh,
           sign_out,
)
from chalicelib.sessions.notme import secure
from chalicelib.times import iso

__all__ = ["Client", "Current", "begin", "cleared", "current", "end_all", "end_one", "end_others", "iso", "listing",
           "refresh", "secure", "sign_out"]
