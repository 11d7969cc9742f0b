"""Sesame as an OAuth 2.1 authorization server for registered apps.

``clients``: the registry operators keep. ``codes``: authorization codes.
``issue``: Cognito's tokens for an app's session. ``server``: Authlib's grants
and endpoints over them. ``routes``: the HTTP endpoints (a Chalice blueprint).

The Verify trigger imports ``codes`` only: nothing here loads Authlib until a
route does.
"""
