//! Sparse Merkle roots computed directly from sorted leaves (LIP 0039, as lisk-db builds them):
//! the twin of `_sorted_root`, `_hash_chain` and `_chain_nodes` in `klayr_py/tree/sparse_merkle_tree.py`.

use crate::errors::{hex, KernelError};
use crate::hash::{sha256, Hash, EMPTY_HASH};

pub const LEAF_PREFIX: &[u8] = b"LSK_SMTL_";
pub const BRANCH_PREFIX: &[u8] = b"LSK_SMTB_";

/// Bit `depth` of `key`, bit 0 being the most significant bit of the first byte.
#[inline]
pub fn bit(key: &[u8], depth: usize) -> bool {
    (key[depth / 8] >> (7 - depth % 8)) & 1 == 1
}

/// How many leading bits `a` and `b` (equal lengths) share.
pub fn shared_bits(a: &[u8], b: &[u8]) -> usize {
    for (index, (x, y)) in a.iter().zip(b).enumerate() {
        let diff = x ^ y;
        if diff != 0 {
            return index * 8 + diff.leading_zeros() as usize;
        }
    }
    a.len() * 8
}

pub fn leaf_hash(key: &[u8], value: &[u8]) -> Hash {
    sha256(&[LEAF_PREFIX, key, value])
}

pub fn branch_hash(left: &[u8], right: &[u8]) -> Hash {
    sha256(&[BRANCH_PREFIX, left, right])
}

/// One single-child branch above `node`: `node` is its right child when `right` is true.
#[inline]
pub fn chain_step(node: &[u8], right: bool) -> Hash {
    if right {
        branch_hash(&EMPTY_HASH, node)
    } else {
        branch_hash(node, &EMPTY_HASH)
    }
}

/// The sides of a chain's branches from its Python form: one character per branch, top-down,
/// `'1'` when the node below is on the right and any other character when on the left (as the
/// Python twin reads them).
pub fn sides(path: &str) -> Vec<bool> {
    path.chars().map(|c| c == '1').collect()
}

/// The top of the chain of single-child branches above `node` (`sides` top-down).
pub fn hash_chain(node: &[u8], sides: &[bool]) -> Vec<u8> {
    let mut current = node.to_vec();
    for &right in sides.iter().rev() {
        current = chain_step(&current, right).to_vec();
    }
    current
}

/// Every node of that chain, top first, `node` last.
pub fn chain_nodes(node: &[u8], sides: &[bool]) -> Vec<Vec<u8>> {
    let mut nodes = Vec::with_capacity(sides.len() + 1);
    let mut current = node.to_vec();
    nodes.push(current.clone());
    for &right in sides.iter().rev() {
        current = chain_step(&current, right).to_vec();
        nodes.push(current.clone());
    }
    nodes.reverse();
    nodes
}

/// Checks what `sorted_root` relies on: at least one key, as many values, every key of
/// `key_length` bytes, keys strictly increasing.
pub fn check_sorted<K: AsRef<[u8]>>(
    keys: &[K],
    value_count: usize,
    key_length: usize,
) -> Result<(), KernelError> {
    if keys.is_empty() {
        return Err(KernelError::Tree(
            "a sorted root needs at least one key".into(),
        ));
    }
    if keys.len() != value_count {
        return Err(KernelError::Tree(format!(
            "{} keys but {} values",
            keys.len(),
            value_count
        )));
    }
    for (index, key) in keys.iter().enumerate() {
        let key = key.as_ref();
        if key.len() != key_length {
            return Err(KernelError::Tree(format!(
                "key {} has length {}; this tree's keys have length {}",
                hex(key),
                key.len(),
                key_length
            )));
        }
        if index > 0 && keys[index - 1].as_ref() >= key {
            return Err(KernelError::Tree(format!(
                "key {} is not after the key before it: keys must be sorted and distinct",
                hex(key)
            )));
        }
    }
    Ok(())
}

/// The node at `depth` of the subtree holding sorted, distinct `keys` (checked by
/// `check_sorted`) with `values`.
pub fn sorted_root<K: AsRef<[u8]>, V: AsRef<[u8]>>(keys: &[K], values: &[V], depth: usize) -> Hash {
    if keys.len() == 1 {
        return leaf_hash(keys[0].as_ref(), values[0].as_ref());
    }
    subtree(keys, values, depth)
}

/// At least two keys: split where the first and last keys first differ, then hash the chain of
/// single-child branches from `depth` down to that split.
fn subtree<K: AsRef<[u8]>, V: AsRef<[u8]>>(keys: &[K], values: &[V], depth: usize) -> Hash {
    let first = keys[0].as_ref();
    let split = shared_bits(first, keys[keys.len() - 1].as_ref());
    let mid = keys.partition_point(|key| !bit(key.as_ref(), split));
    let side = |lo: usize, hi: usize| -> Hash {
        if hi - lo == 1 {
            leaf_hash(keys[lo].as_ref(), values[lo].as_ref())
        } else {
            subtree(&keys[lo..hi], &values[lo..hi], split + 1)
        }
    };
    let mut node = branch_hash(&side(0, mid), &side(mid, keys.len()));
    for level in (depth..split).rev() {
        node = chain_step(&node, bit(first, level));
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_bits_counts_leading_equal_bits() {
        assert_eq!(shared_bits(&[0b1000_0000], &[0b1100_0000]), 1);
        assert_eq!(shared_bits(&[0, 1], &[0, 1]), 16);
        assert_eq!(shared_bits(&[0, 0b0001_0000], &[0, 0]), 11);
    }

    #[test]
    fn two_keys_split_at_the_root() {
        let keys = [[0u8], [0x80u8]];
        let values = [[1u8], [2u8]];
        let expected = branch_hash(&leaf_hash(&[0], &[1]), &leaf_hash(&[0x80], &[2]));
        assert_eq!(sorted_root(&keys, &values, 0), expected);
    }

    #[test]
    fn check_sorted_rejects_unsorted_keys() {
        assert!(check_sorted(&[[2u8], [1u8]], 2, 1).is_err());
        assert!(check_sorted(&[[1u8], [1u8]], 2, 1).is_err());
        assert!(check_sorted(&[[1u8, 2u8]], 1, 1).is_err());
        assert!(check_sorted::<[u8; 1]>(&[], 0, 1).is_err());
    }
}
