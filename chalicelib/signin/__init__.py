"""Email sign-in: the flows (``flow``: request, code, link), the challenges they store
(``challenges``), the codes (``codes``), the KMS-sealed link tokens (``linktoken``) and the
addresses (``addresses``: normalizing and the keyed hash logs carry).

Nothing is imported here: each caller imports the module it needs, so a module that needs
only ``addresses`` does not load the flows."""
