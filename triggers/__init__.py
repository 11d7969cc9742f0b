"""Cognito custom-auth triggers: Define, Create and Verify."""
