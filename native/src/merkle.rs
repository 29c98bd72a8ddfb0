//! The regular Merkle root of LIP 0031 (`merkle_root` in `klayr_py/tree/merkle_tree.py`).

use crate::hash::{sha256, Hash, EMPTY_HASH};

/// Leaves pair up layer by layer; an unpaired last node is carried up unchanged.
pub fn merkle_root<L: AsRef<[u8]>>(leaves: &[L]) -> Hash {
    if leaves.is_empty() {
        return EMPTY_HASH;
    }
    let mut layer: Vec<Hash> = leaves
        .iter()
        .map(|data| sha256(&[b"\x00", data.as_ref()]))
        .collect();
    while layer.len() > 1 {
        let mut parents: Vec<Hash> = layer
            .chunks_exact(2)
            .map(|pair| sha256(&[b"\x01", &pair[0], &pair[1]]))
            .collect();
        if layer.len() % 2 == 1 {
            parents.push(layer[layer.len() - 1]);
        }
        layer = parents;
    }
    layer[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_leaf_is_its_leaf_hash() {
        assert_eq!(merkle_root(&[b"a"]), sha256(&[b"\x00", b"a"]));
    }

    #[test]
    fn no_leaves_give_the_empty_hash() {
        assert_eq!(merkle_root::<&[u8]>(&[]), EMPTY_HASH);
    }
}
