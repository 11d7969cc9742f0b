"""The local stack: embedded AWS (moto), the Cognito custom-auth emulation,
the bootstrap of every resource, and the dev mailbox. Never deployed."""
