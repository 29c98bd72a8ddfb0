"""VerificationResult: Klayr's statuses, including plain numbers as Klayr modules write them."""

from __future__ import annotations

from klayr_py.modules import VerificationResult, VerifyStatus


def test_plain_numbers_are_klayr_statuses() -> None:
    assert VerificationResult(1).is_ok  # type: ignore[arg-type]
    assert VerificationResult(-1).status is VerifyStatus.FAIL  # type: ignore[arg-type]
    assert not VerificationResult.fail("no").is_ok
    assert VerificationResult.ok().is_ok
