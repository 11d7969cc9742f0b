"""What happens to a whole account: sign-ups not yet proven and their clean-up
(``signups``), removal by an operator, the owner or the clean-up (``removal``),
and the owner's own change of address and deletion (``selfservice``), each after
the fresh sign-in ``chalicelib.stepup`` checks."""
