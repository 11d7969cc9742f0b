"""A KMS key's RSA pair is made when something uses it, not with every key.

moto 5.2.5 makes an RSA-2048 private key for every KMS key it creates, symmetric keys included
(``moto.kms.models.Key.__init__`` calls ``generate_private_key`` whatever the key spec). That
costs about 45 ms of CPU per key, and every test's fresh stage creates one: two fifths of a
reset (0.111 s, 0.065 s without it). A symmetric key has no key pair on AWS [KMSSPEC], and only Sign, Verify and
GetPublicKey would read moto's; so for symmetric and HMAC specs the pair is made on first use.
Asymmetric keys are made as before.

[KMSSPEC] https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-choose-key-spec.html
          (SYMMETRIC_DEFAULT: a 256-bit AES-GCM key; key pairs only for the RSA_*, ECC_* and SM2 specs)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import moto.kms.models as kms_models

ORIGINALS: dict[str, Callable[..., Any]] = {}


class KeyPairWhenUsed:
    """Stands in for moto's private key object; makes the real one on first attribute read."""

    def __init__(self, key_spec: str, make: Callable[[str], Any]) -> None:
        self._spec, self._make, self._made = key_spec, make, None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe for these: no key pair for them
            raise AttributeError(name)
        if self._made is None:
            self._made = self._make(self._spec)
        return getattr(self._made, name)


def _generate_private_key(key_spec: str) -> Any:
    make = ORIGINALS["generate_private_key"]
    if key_spec == "SYMMETRIC_DEFAULT" or key_spec.startswith("HMAC_"):
        return KeyPairWhenUsed(key_spec, make)
    return make(key_spec)


def install() -> None:
    """Idempotent: the original is kept once."""
    ORIGINALS.setdefault("generate_private_key", kms_models.generate_private_key)
    kms_models.generate_private_key = _generate_private_key  # type: ignore[assignment]
