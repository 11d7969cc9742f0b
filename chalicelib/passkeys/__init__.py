"""Passkeys (WebAuthn): enrol after an email sign-in, then sign in with one tap.

``store``: passkeys and ceremony challenges in DynamoDB. ``ceremony``: the
WebAuthn options and checks (py_webauthn). ``routes``: what the API's
passkey routes do. The Verify trigger checks sign-in assertions
(``ceremony.verify_assertion``), so Cognito's custom auth stays the only way
to tokens.
"""
