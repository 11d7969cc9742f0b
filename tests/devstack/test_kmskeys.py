"""devstack.kmskeys: a symmetric key gets no RSA pair until something reads it; asymmetric
keys are as moto makes them."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from moto.kms.models import kms_backends

from chalicelib import aws
from chalicelib.config import settings
from devstack.bootstrap import ACCOUNT_ID
from devstack.kmskeys import KeyPairWhenUsed


def _moto_key(key_id: str) -> Any:
    return kms_backends[ACCOUNT_ID][aws.client("kms").meta.region_name].keys[key_id]


def test_the_stage_key_encrypts_without_ever_making_a_key_pair(stack: Any, monkeypatch: Any) -> None:
    made: list[int] = []
    real = rsa.generate_private_key
    monkeypatch.setattr(rsa, "generate_private_key", lambda **kw: made.append(1) or real(**kw))
    kms = aws.client("kms")
    key_id = kms.create_key(Description="symmetric")["KeyMetadata"]["KeyId"]
    sealed = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(KeyId=key_id, CiphertextBlob=sealed)["Plaintext"] == b"secret"
    stage_key = kms.describe_key(KeyId=settings().kms_key_id)["KeyMetadata"]["KeyId"]
    assert isinstance(_moto_key(stage_key).private_key, KeyPairWhenUsed)
    assert made == []  # neither the stage's key nor the new one made a pair


def test_an_asymmetric_key_signs_and_a_symmetric_pair_is_made_when_read(stack: Any) -> None:
    kms = aws.client("kms")
    key_id = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    signature = kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    assert kms.verify(KeyId=key_id, Message=b"m", Signature=signature,
                      SigningAlgorithm="RSASSA_PSS_SHA_256")["SignatureValid"]
    symmetric = _moto_key(kms.create_key()["KeyMetadata"]["KeyId"]).private_key
    assert symmetric.key_size == 2048  # moto's own behaviour, only later
