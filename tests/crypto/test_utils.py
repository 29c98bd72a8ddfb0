"""Tests of klayr_py.crypto.utils: hashing, message tags, key derivation paths."""

from __future__ import annotations

import pytest

from klayr_py.crypto import utils
from klayr_py.errors import CryptoError, KlayrError
from tests.oracle.node import require_oracle, run_node


def test_hash_is_sha256() -> None:
    assert utils.hash(b"").hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert utils.hash(b"abc").hex() == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert len(utils.hash(b"x" * 1000)) == utils.HASH_LENGTH


@pytest.mark.parametrize(
    ("domain", "version", "expected"),
    [
        ("TX", None, "KLY_TX_"),
        ("BH", None, "KLY_BH_"),
        ("TX", 1, "KLY_TX:1_"),
        ("TX", "v2", "KLY_TX:v2_"),
        ("abc123", "XYZ", "KLY_abc123:XYZ_"),
        # Klayr tests the version for truthiness, so 0 and "" mean "no version".
        ("TX", 0, "KLY_TX_"),
        ("TX", "", "KLY_TX_"),
    ],
)
def test_create_message_tag(domain: str, version: int | str | None, expected: str) -> None:
    assert utils.create_message_tag(domain, version) == expected


@pytest.mark.parametrize("domain", ["", "T X", "TX_", "TX:1", "TX\n", "TÄ", "-"])
def test_create_message_tag_rejects_bad_domain(domain: str) -> None:
    with pytest.raises(CryptoError, match="domain"):
        utils.create_message_tag(domain)


@pytest.mark.parametrize("version", ["1.0", -1, "v 1", "v_1"])
def test_create_message_tag_rejects_bad_version(version: int | str) -> None:
    with pytest.raises(CryptoError, match="version"):
        utils.create_message_tag("TX", version)


def test_standard_tags_are_klayrs() -> None:
    assert utils.create_message_tag("TX") == utils.TAG_TRANSACTION == "KLY_TX_"
    assert utils.create_message_tag("BH") == utils.TAG_BLOCK_HEADER == "KLY_BH_"
    assert utils.create_message_tag("NPM") == utils.MESSAGE_TAG_NON_PROTOCOL_MESSAGE
    assert utils.create_message_tag("CE") == utils.MESSAGE_TAG_CERTIFICATE
    assert utils.create_message_tag("CRM") == utils.MESSAGE_TAG_CHAIN_REG


def test_tag_message_concatenates_tag_chain_id_and_message() -> None:
    chain_id = bytes.fromhex("00000001")
    assert utils.tag_message("KLY_TX_", chain_id, b"\x01\x02") == b"KLY_TX_\x00\x00\x00\x01\x01\x02"
    assert utils.tag_message("KLY_NPM_", b"", "héllo") == b"KLY_NPM_" + "héllo".encode()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("m/44'/134'/0'", [0x8000002C, 0x80000086, 0x80000000]),
        ("m/0/1", [0, 1]),
        ("m/4294967295", [0xFFFFFFFF]),
        ("m/2147483647'", [0xFFFFFFFF]),
        ("m/007'", [0x80000007]),
    ],
)
def test_parse_key_derivation_path(path: str, expected: list[int]) -> None:
    assert utils.parse_key_derivation_path(path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "",
        "m",
        "m/",
        "44'/1",
        "n/1",
        "m/a",
        "m/1''",
        "m/'",
        "m/4'4",
        "m/2147483648'",
        "m/4294967296",
    ],
)
def test_parse_key_derivation_path_rejects(path: str) -> None:
    with pytest.raises(CryptoError):
        utils.parse_key_derivation_path(path)


def test_crypto_error_is_a_klayr_value_error() -> None:
    with pytest.raises(KlayrError):
        utils.create_message_tag("")
    with pytest.raises(ValueError):
        utils.create_message_tag("")


def test_oracle_tags_and_paths() -> None:
    """Tags and valid paths equal @klayr/cryptography's; what it rejects, we reject."""
    require_oracle("@klayr/cryptography")
    tags = [["TX", None], ["BH", None], ["TX", 1], ["TX", "v2"], ["TX", 0], ["A_B", None]]
    tags += [["TX", "1.0"], ["", None], ["x" * 40, 123456]]
    paths = ["m/44'/134'/0'", "m/0/1", "m/4294967295", "m/2147483647'", "m/2147483648'", "m/a"]
    script = """
    const { utils } = require('@klayr/cryptography');
    const attempt = (f) => { try { return f(); } catch (e) { return null; } };
    output({
        tags: input.tags.map(([d, v]) => attempt(() => utils.createMessageTag(d, v ?? undefined))),
        paths: input.paths.map((p) => attempt(() => utils.parseKeyDerivationPath(p))),
    });
    """
    result = run_node(script, {"tags": tags, "paths": paths})

    def ours_tag(domain: str, version: int | str | None) -> str | None:
        try:
            return utils.create_message_tag(domain, version)
        except CryptoError:
            return None

    def ours_path(path: str) -> list[int] | None:
        try:
            return utils.parse_key_derivation_path(path)
        except CryptoError:
            return None

    assert [ours_tag(d, v) for d, v in tags] == result["tags"]
    assert [ours_path(p) for p in paths] == result["paths"]


def test_package_re_exports() -> None:
    import klayr_py.crypto as crypto

    for name in crypto.__all__:
        assert getattr(crypto, name) is not None
    assert crypto.hash is utils.hash
    assert crypto.verify_data is crypto.ed.verify_data
