//! Ed25519 verification by libsodium 1.0.18's rules (what a Klayr node runs), on
//! `ed25519-dalek`'s `verify_strict`, without the GIL so threads verify in parallel.
//!
//! libsodium's `crypto_sign_verify_detached` rejects: `S >= L`, a small-order `R` or public
//! key, a public key whose `y` is not below the field prime, a key that is not a curve point;
//! then it checks `[S]B - [k]A` against `R` byte for byte (cofactorless). `verify_strict` makes
//! the same checks (`S` canonical, `R` and `A` not of small order, cofactorless equation,
//! byte-wise `R` comparison), except that it reduces a non-canonical `y` of the key instead of
//! rejecting it: that one check is made here. The twin is `klayr_py.crypto.ed.verify_batch`;
//! tests compare both with libsodium itself.

use ed25519_dalek::{Signature, VerifyingKey};

/// The field prime 2^255 - 19, little-endian.
const FIELD_PRIME: [u8; 32] = {
    let mut bytes = [0xff; 32];
    bytes[0] = 0xed;
    bytes[31] = 0x7f;
    bytes
};

/// Whether the `y` of a point encoding (sign bit ignored) is below the field prime, as
/// libsodium's `ge25519_is_canonical` requires of a public key.
fn has_canonical_y(encoding: &[u8; 32]) -> bool {
    let mut y = *encoding;
    y[31] &= 0x7f;
    // Little-endian comparison, most significant byte first.
    for index in (0..32).rev() {
        if y[index] != FIELD_PRIME[index] {
            return y[index] < FIELD_PRIME[index];
        }
    }
    false
}

/// Whether `signature` signs `message` for `public_key`, judged as libsodium 1.0.18 does.
/// Wrong lengths give false (the Python caller raises on them before it gets here).
pub fn verify(message: &[u8], signature: &[u8], public_key: &[u8]) -> bool {
    let (Ok(key_bytes), Ok(signature_bytes)) = (
        <&[u8; 32]>::try_from(public_key),
        <&[u8; 64]>::try_from(signature),
    ) else {
        return false;
    };
    if !has_canonical_y(key_bytes) {
        return false;
    }
    let Ok(key) = VerifyingKey::from_bytes(key_bytes) else {
        return false;
    };
    key.verify_strict(message, &Signature::from_bytes(signature_bytes))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032, section 7.1, test 1 (empty message).
    const PUBLIC_KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const SIGNATURE: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555\
                             fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc8032_vector_verifies_and_a_flipped_bit_does_not() {
        let key = unhex(PUBLIC_KEY);
        let mut signature = unhex(SIGNATURE);
        assert!(verify(b"", &signature, &key));
        assert!(!verify(b"x", &signature, &key));
        signature[10] ^= 1;
        assert!(!verify(b"", &signature, &key));
    }

    #[test]
    fn wrong_lengths_are_false() {
        let key = unhex(PUBLIC_KEY);
        let signature = unhex(SIGNATURE);
        assert!(!verify(b"", &signature[..63], &key));
        assert!(!verify(b"", &signature, &key[..31]));
    }

    #[test]
    fn y_at_or_above_the_prime_is_not_canonical() {
        let mut encoding = FIELD_PRIME;
        assert!(!has_canonical_y(&encoding));
        encoding[0] = 0xec; // p - 1
        assert!(has_canonical_y(&encoding));
        encoding[31] |= 0x80; // the sign bit does not count
        assert!(has_canonical_y(&encoding));
        assert!(!has_canonical_y(&[0xff; 32]));
    }
}
