"""Sign-ins approved from another, signed-in device.

Two ways in, one model: something that cannot easily sign in by itself (a
device running RFC 8628's device grant, or a new browser) asks; the person,
signed in elsewhere, reviews the request and approves it by picking the number
the asker shows (number matching).

``store`` keeps requests; ``matching`` makes their codes and numbers;
``review`` is the approver's side (``place`` says roughly where the asker is);
``handover`` gives the asker its session, once; ``browser`` is the waiting
browser's side; ``routes`` the HTTP endpoints. The device grant's protocol
part is ``chalicelib.oauth.device``.
"""
