"""Operators: the account lifecycle (``lifecycle``) and the ``sesame-admin`` command (``cli``)."""
