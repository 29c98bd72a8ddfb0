//! SHA-256 helpers shared by the kernels (RustCrypto's `sha2`; no hand-written cryptography).

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// SHA-256 of the empty string: the root of an empty tree in both kinds of tree.
pub const EMPTY_HASH: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> Hash {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hash_is_sha256_of_nothing() {
        assert_eq!(sha256(&[]), EMPTY_HASH);
    }
}
