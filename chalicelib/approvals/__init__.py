"""Sign-ins approved from another, signed-in device.

Two ways in, one model: something that cannot easily sign in by itself (a
device running RFC 8628's device grant, or a new browser) asks; the person,
signed in elsewhere, reviews the request and approves it by picking the number
the asker shows (number matching). ``store`` keeps requests, ``matching``
makes their codes and numbers, ``review`` is the approver's side, ``browser``
the waiting browser's, and ``chalicelib.oauth.device`` the device grant's.
"""
