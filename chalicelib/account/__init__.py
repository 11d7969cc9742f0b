"""What happens to a whole account: sign-ups not yet proven and their clean-up
(``signups``), removal by an operator, the owner or the clean-up (``removal``),
a change of address (``address``), and the fresh sign-in the sensitive ones
need (``chalicelib.stepup``)."""
