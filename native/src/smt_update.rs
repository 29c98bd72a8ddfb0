//! The sparse Merkle tree update over paged node storage: the twin of `_py_apply_changes` in
//! `klayr_py/tree/sparse_merkle_tree.py`, which documents the page layout (see also
//! `klayr_py/tree/_smt_pages.py`). Same walk, same pages, same writes in the same order.
//!
//! Pages come from, and go to, the Python store (`get`/`set`), so this runs with the GIL held.
//! A page that is not as the tree wrote it (truncated, lengths that overrun it, a branch chain
//! deeper than the keys) is reported as a TreeError instead of being read past its end.
//!
//! Stale pages (the old tree's pages the new one lacks) are found as in Python: the pages read on
//! changed paths, less those of subtrees that came back unchanged, plus lone leaves lifted off a
//! page boundary, less the pages written again; listed in the same order.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;

use crate::errors::{hex, not_found_error, tree_error};
use crate::hash::{sha256, Hash, EMPTY_HASH};
use crate::smt_root::{bit, BRANCH_PREFIX, LEAF_PREFIX};

/// What the walk knows about a node it hands back to its parent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Empty,
    Leaf,
    Branch,
    /// An untouched child: only its hash is known; read only if its kind matters.
    Unknown,
}

/// A node handed back to its parent: its kind, hash and fragment (its subtree's entries down to
/// its page's last level; for an untouched child, its run of the old page, or empty when it is
/// the top of a page of its own).
struct Node {
    kind: Kind,
    hash: Hash,
    frag: Vec<u8>,
}

impl Node {
    fn empty() -> Node {
        Node {
            kind: Kind::Empty,
            hash: EMPTY_HASH,
            frag: Vec::new(),
        }
    }
}

/// A branch entry after its hash: record length 65, tag 1.
const BRANCH_HEAD: [u8; 5] = [0, 0, 0, 65, 1];

/// The changes and the store one update works with.
pub struct Update<'a, 'py> {
    py: Python<'py>,
    get: Bound<'py, PyAny>,
    set: Bound<'py, PyAny>,
    keys: &'a [Vec<u8>],
    values: &'a [Vec<u8>],
    key_bits: usize,
    page_height: usize,
    deepest: usize,
    key_end: usize,
    /// Pages read from the old tree on changed paths, in order (see the module comment).
    read: RefCell<Vec<Hash>>,
    written: RefCell<HashSet<Hash>>,
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    let mut joined = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        joined.extend_from_slice(part);
    }
    joined
}

impl<'a, 'py> Update<'a, 'py> {
    pub fn new(
        py: Python<'py>,
        store: &Bound<'py, PyAny>,
        keys: &'a [Vec<u8>],
        values: &'a [Vec<u8>],
        key_length: usize,
        page_height: usize,
    ) -> PyResult<Update<'a, 'py>> {
        Ok(Update {
            py,
            get: store.getattr("get")?,
            set: store.getattr("set")?,
            keys,
            values,
            key_bits: key_length * 8,
            page_height,
            deepest: page_height - 1,
            key_end: 37 + key_length,
            read: RefCell::new(Vec::new()),
            written: RefCell::new(HashSet::new()),
        })
    }

    fn malformed(&self, page: &[u8]) -> PyErr {
        let head = &page[..page.len().min(32)];
        tree_error(self.py, format!("tree page {} is malformed", hex(head)))
    }

    /// `page[from..to]`, or a TreeError naming the page when it is not there.
    fn slice<'p>(&self, page: &'p [u8], from: usize, to: usize) -> PyResult<&'p [u8]> {
        page.get(from..to).ok_or_else(|| self.malformed(page))
    }

    fn hash_at(&self, page: &[u8], from: usize) -> PyResult<Hash> {
        let bytes = self.slice(page, from, from + 32)?;
        Ok(bytes.try_into().expect("a 32-byte slice"))
    }

    fn byte_at(&self, page: &[u8], at: usize) -> PyResult<u8> {
        page.get(at).copied().ok_or_else(|| self.malformed(page))
    }

    fn check_depth(&self, depth: usize) -> PyResult<()> {
        if depth >= self.key_bits {
            return Err(tree_error(
                self.py,
                format!("the tree is deeper than its {}-bit keys", self.key_bits),
            ));
        }
        Ok(())
    }

    fn put(&self, key: &Hash, value: &[u8]) -> PyResult<()> {
        self.written.borrow_mut().insert(*key);
        self.set
            .call1((PyBytes::new(self.py, key), PyBytes::new(self.py, value)))?;
        Ok(())
    }

    /// A page on a changed path: listed as stale unless its subtree comes back unchanged.
    fn read_page(&self, node_hash: &Hash) -> PyResult<Vec<u8>> {
        let page = self.load_page(node_hash)?;
        self.read.borrow_mut().push(*node_hash);
        Ok(page)
    }

    fn marker(&self) -> usize {
        self.read.borrow().len()
    }

    /// Forget the pages read since `mark`: their subtree came back unchanged.
    fn forget_reads(&self, mark: usize) {
        self.read.borrow_mut().truncate(mark);
    }

    fn load_page(&self, node_hash: &[u8]) -> PyResult<Vec<u8>> {
        let page = self.get.call1((PyBytes::new(self.py, node_hash),))?;
        if page.is_none() {
            return Err(not_found_error(
                self.py,
                format!("tree page {} is not in the store", hex(node_hash)),
            ));
        }
        // Through PyBackedBytes: extracting a Vec<u8> directly would go byte by byte.
        let page = page.extract::<PyBackedBytes>()?.to_vec();
        if page[..page.len().min(32)] != *node_hash {
            return Err(tree_error(
                self.py,
                format!(
                    "tree page {} does not start with its own node",
                    hex(node_hash)
                ),
            ));
        }
        if page.len() < 32 {
            return Err(self.malformed(&page));
        }
        Ok(page)
    }

    /// The first of `keys[lo..hi]` (which share their first `depth` bits) with bit `depth` set.
    fn middle(&self, lo: usize, hi: usize, depth: usize) -> usize {
        lo + self.keys[lo..hi].partition_point(|key| !bit(key, depth))
    }

    /// A new branch at `level` of its page; its children's pages are written if it is the
    /// page's last level and they are new (or moved).
    #[allow(clippy::too_many_arguments)]
    fn branch(
        &self,
        left: &Hash,
        left_frag: &[u8],
        left_new: bool,
        right: &Hash,
        right_frag: &[u8],
        right_new: bool,
        level: usize,
    ) -> PyResult<Node> {
        let hash = sha256(&[BRANCH_PREFIX, left, right]);
        if level < self.deepest {
            let frag = concat(&[&hash, &BRANCH_HEAD, left, right, left_frag, right_frag]);
            return Ok(Node {
                kind: Kind::Branch,
                hash,
                frag,
            });
        }
        if left_new && *left != EMPTY_HASH {
            self.put(left, left_frag)?;
        }
        if right_new && *right != EMPTY_HASH {
            self.put(right, right_frag)?;
        }
        Ok(Node {
            kind: Kind::Branch,
            hash,
            frag: concat(&[&hash, &BRANCH_HEAD, left, right]),
        })
    }

    /// The entry of `node` if it is a leaf, else None (reads its page if needed).
    fn leaf_entry(&self, node: &Node) -> PyResult<Option<Vec<u8>>> {
        match node.kind {
            Kind::Leaf => Ok(Some(node.frag.clone())),
            Kind::Unknown => {
                let entry = if node.frag.is_empty() {
                    self.load_page(&node.hash)?
                } else {
                    node.frag.clone()
                };
                Ok(if self.byte_at(&entry, 36)? == 0 {
                    Some(entry)
                } else {
                    None
                })
            }
            Kind::Empty | Kind::Branch => Ok(None),
        }
    }

    /// The parent of two subtrees, keeping the tree compact (a lone leaf moves up).
    fn join(
        &self,
        left: Node,
        left_new: bool,
        right: Node,
        right_new: bool,
        level: usize,
    ) -> PyResult<Node> {
        let lone = if left.hash == EMPTY_HASH {
            if right.hash == EMPTY_HASH {
                return Ok(Node::empty());
            }
            Some((&right, right_new))
        } else if right.hash == EMPTY_HASH {
            Some((&left, left_new))
        } else {
            None
        };
        if let Some((only, only_new)) = lone {
            if let Some(entry) = self.leaf_entry(only)? {
                if level == self.deepest && !only_new {
                    // The old tree's leaf on a page boundary moves up, off its page.
                    self.read.borrow_mut().push(only.hash);
                }
                return Ok(Node {
                    kind: Kind::Leaf,
                    hash: only.hash,
                    frag: entry,
                });
            }
        }
        self.branch(
            &left.hash,
            &left.frag,
            left_new,
            &right.hash,
            &right.frag,
            right_new,
            level,
        )
    }

    /// The subtree at `depth` made of changes `lo..hi` and, if given, an existing leaf (key,
    /// hash, entry) that a change of its key replaces.
    fn build(
        &self,
        lo: usize,
        hi: usize,
        depth: usize,
        leaf: Option<(&[u8], Hash, &[u8])>,
    ) -> PyResult<Node> {
        let leaf = leaf.filter(|(key, _, _)| {
            self.keys[lo..hi]
                .binary_search_by(|k| k.as_slice().cmp(key))
                .is_err()
        });
        let count = hi - lo;
        if count == 0 {
            return Ok(match leaf {
                Some((_, hash, entry)) => Node {
                    kind: Kind::Leaf,
                    hash,
                    frag: entry.to_vec(),
                },
                None => Node::empty(),
            });
        }
        if count == 1 {
            match leaf {
                None => {
                    let value = &self.values[lo];
                    if value.is_empty() {
                        return Ok(Node::empty());
                    }
                    let key = &self.keys[lo];
                    let hash = sha256(&[LEAF_PREFIX, key, value]);
                    let size = u32::try_from(key.len() + value.len() + 1)
                        .map_err(|_| {
                            tree_error(
                                self.py,
                                format!("the value of key {} is too long", hex(key)),
                            )
                        })?
                        .to_be_bytes();
                    let frag = concat(&[&hash, &size, &[0], key, value]);
                    return Ok(Node {
                        kind: Kind::Leaf,
                        hash,
                        frag,
                    });
                }
                Some((_, hash, entry)) if self.values[lo].is_empty() => {
                    // Deleting a key that is not there.
                    return Ok(Node {
                        kind: Kind::Leaf,
                        hash,
                        frag: entry.to_vec(),
                    });
                }
                Some(_) => {}
            }
        }
        self.check_depth(depth)?;
        let mid = self.middle(lo, hi, depth);
        let (left, right) = match leaf {
            Some((key, _, _)) if bit(key, depth) => (
                self.build(lo, mid, depth + 1, None)?,
                self.build(mid, hi, depth + 1, leaf)?,
            ),
            _ => (
                self.build(lo, mid, depth + 1, leaf)?,
                self.build(mid, hi, depth + 1, None)?,
            ),
        };
        // Everything below is new or moved: at a page boundary, (re)write it.
        self.join(left, true, right, true, depth % self.page_height)
    }

    /// Where the entry of `right` (a right child) begins: after the left sibling's subtree
    /// starting at `start`, stepping over entries by their lengths.
    fn after_subtree(
        &self,
        page: &[u8],
        mut start: usize,
        right: &Hash,
        end: usize,
    ) -> PyResult<usize> {
        while page.get(start..start + 32) != Some(right.as_slice()) {
            start += if self.byte_at(page, start + 36)? == 1 {
                101
            } else {
                let length = self.slice(page, start + 32, start + 36)?;
                36 + u32::from_be_bytes(length.try_into().expect("4 bytes")) as usize
            };
            if start >= end {
                return Err(tree_error(
                    self.py,
                    format!(
                        "tree page {} lacks the node {}",
                        hex(&page[..page.len().min(32)]),
                        hex(right)
                    ),
                ));
            }
        }
        Ok(start)
    }

    /// The leaf key of the entry at `start`.
    fn leaf_key<'p>(&self, page: &'p [u8], start: usize) -> PyResult<&'p [u8]> {
        self.slice(page, start + 37, start + self.key_end)
    }

    /// `walk` for one change that sets a value: goes down in a loop, remembering the siblings,
    /// then hashes back up.
    fn one_key(
        &self,
        top_hash: Hash,
        top_page: &[u8],
        top_start: usize,
        top_end: usize,
        i: usize,
        mut depth: usize,
    ) -> PyResult<Node> {
        let key = &self.keys[i];
        let mark = self.marker();
        let mut node_hash = top_hash;
        let mut page: Cow<[u8]> = Cow::Borrowed(top_page);
        let (mut start, mut end) = (top_start, top_end);
        let mut path: Vec<(usize, bool, Hash, Vec<u8>)> = Vec::new();
        let bottom = loop {
            if self.byte_at(&page, start + 36)? == 0 {
                // The leaf on the path: replaced, or pushed down.
                let entry = self.slice(&page, start, end)?;
                let leaf_key = self.leaf_key(&page, start)?;
                let bottom = self.build(i, i + 1, depth, Some((leaf_key, node_hash, entry)))?;
                if bottom.hash == node_hash {
                    // The same value again: nothing changes.
                    self.forget_reads(mark);
                    let kind = if path.is_empty() {
                        Kind::Leaf
                    } else {
                        Kind::Branch
                    };
                    let frag = self.slice(top_page, top_start, top_end)?.to_vec();
                    return Ok(Node {
                        kind,
                        hash: top_hash,
                        frag,
                    });
                }
                break bottom;
            }
            self.check_depth(depth)?;
            let left = self.hash_at(&page, start + 37)?;
            let right = self.hash_at(&page, start + 69)?;
            let level = depth % self.page_height;
            let side = bit(key, depth);
            depth += 1;
            let (child, sibling) = if side { (right, left) } else { (left, right) };
            let first = start + 101;
            if child == EMPTY_HASH {
                let rest = if level < self.deepest {
                    self.slice(&page, first, end)?.to_vec()
                } else {
                    Vec::new()
                };
                path.push((level, side, sibling, rest));
                break self.build(i, i + 1, depth, None)?;
            }
            node_hash = child;
            if level == self.deepest || sibling == EMPTY_HASH {
                path.push((level, side, sibling, Vec::new()));
                start = first;
            } else {
                let split = self.after_subtree(&page, first, &right, end)?;
                if side {
                    path.push((
                        level,
                        true,
                        sibling,
                        self.slice(&page, first, split)?.to_vec(),
                    ));
                    start = split;
                } else {
                    path.push((
                        level,
                        false,
                        sibling,
                        self.slice(&page, split, end)?.to_vec(),
                    ));
                    end = split;
                    start = first;
                }
            }
            if level == self.deepest {
                page = Cow::Owned(self.read_page(&node_hash)?);
                start = 0;
                end = page.len();
            }
        };
        let Node {
            kind,
            hash: mut current,
            mut frag,
        } = bottom;
        let climbed = !path.is_empty();
        for (level, side, sibling, sibling_frag) in path.into_iter().rev() {
            let (left, right) = if side {
                (&sibling, &current)
            } else {
                (&current, &sibling)
            };
            let hash = sha256(&[BRANCH_PREFIX, left, right]);
            if level < self.deepest {
                let (first_frag, second_frag) = if side {
                    (&sibling_frag, &frag)
                } else {
                    (&frag, &sibling_frag)
                };
                frag = concat(&[&hash, &BRANCH_HEAD, left, right, first_frag, second_frag]);
            } else {
                self.put(&current, &frag)?; // new, and the top of a page
                frag = concat(&[&hash, &BRANCH_HEAD, left, right]);
            }
            current = hash;
        }
        Ok(Node {
            kind: if climbed { Kind::Branch } else { kind },
            hash: current,
            frag,
        })
    }

    /// Apply changes `lo..hi` to the stored subtree `node_hash` at `depth`, whose subtree is
    /// `page[start..end]`.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        node_hash: Hash,
        page: &[u8],
        start: usize,
        end: usize,
        lo: usize,
        hi: usize,
        depth: usize,
    ) -> PyResult<Node> {
        if hi - lo == 1 && !self.values[lo].is_empty() {
            return self.one_key(node_hash, page, start, end, lo, depth);
        }
        if self.byte_at(page, start + 36)? == 0 {
            let entry = self.slice(page, start, end)?;
            let leaf_key = self.leaf_key(page, start)?;
            return self.build(lo, hi, depth, Some((leaf_key, node_hash, entry)));
        }
        self.check_depth(depth)?;
        let left = self.hash_at(page, start + 37)?;
        let right = self.hash_at(page, start + 69)?;
        let mid = self.middle(lo, hi, depth);
        let level = depth % self.page_height;
        let depth = depth + 1;
        let unknown = |hash: Hash, frag: &[u8]| Node {
            kind: Kind::Unknown,
            hash,
            frag: frag.to_vec(),
        };
        let (left_node, right_node) = if level < self.deepest {
            // The children are in this page: the left one right after this entry, the right
            // one after the left one's subtree.
            let child = start + 101;
            if left == EMPTY_HASH {
                let right_node = if hi > mid {
                    self.walk(right, page, child, end, mid, hi, depth)?
                } else {
                    unknown(right, self.slice(page, child, end)?)
                };
                let left_node = if mid > lo {
                    self.build(lo, mid, depth, None)?
                } else {
                    unknown(EMPTY_HASH, &[])
                };
                (left_node, right_node)
            } else {
                let split = if right != EMPTY_HASH {
                    self.after_subtree(page, child, &right, end)?
                } else {
                    end
                };
                let left_node = if mid > lo {
                    self.walk(left, page, child, split, lo, mid, depth)?
                } else {
                    unknown(left, self.slice(page, child, split)?)
                };
                let right_node = if right == EMPTY_HASH {
                    if hi > mid {
                        self.build(mid, hi, depth, None)?
                    } else {
                        unknown(EMPTY_HASH, &[])
                    }
                } else if hi > mid {
                    self.walk(right, page, split, end, mid, hi, depth)?
                } else {
                    unknown(right, self.slice(page, split, end)?)
                };
                (left_node, right_node)
            }
        } else {
            // The children are the tops of pages of their own.
            let left_node = if mid == lo {
                unknown(left, &[])
            } else if left == EMPTY_HASH {
                self.build(lo, mid, depth, None)?
            } else {
                let mark = self.marker();
                let child_page = self.read_page(&left)?;
                let node = self.walk(left, &child_page, 0, child_page.len(), lo, mid, depth)?;
                if node.hash == left {
                    self.forget_reads(mark);
                }
                node
            };
            let right_node = if hi == mid {
                unknown(right, &[])
            } else if right == EMPTY_HASH {
                self.build(mid, hi, depth, None)?
            } else {
                let mark = self.marker();
                let child_page = self.read_page(&right)?;
                let node = self.walk(right, &child_page, 0, child_page.len(), mid, hi, depth)?;
                if node.hash == right {
                    self.forget_reads(mark);
                }
                node
            };
            (left_node, right_node)
        };
        let (new_left, new_right) = (left_node.hash, right_node.hash);
        if new_left == left && new_right == right {
            let frag = self.slice(page, start, end)?.to_vec();
            return Ok(Node {
                kind: Kind::Branch,
                hash: node_hash,
                frag,
            });
        }
        self.join(
            left_node,
            new_left != left,
            right_node,
            new_right != right,
            level,
        )
    }

    /// The new root after applying every change to `root`; new pages written to the store.
    pub fn apply(&self, root: &[u8]) -> PyResult<Vec<u8>> {
        let count = self.keys.len();
        let (new_root, frag) = if root == EMPTY_HASH {
            let node = self.build(0, count, 0, None)?;
            (node.hash, node.frag)
        } else {
            let root_page = self.load_page(root)?;
            self.read.borrow_mut().push(
                root.try_into()
                    .expect("the root page starts with its 32-byte hash"),
            );
            let root_hash = self.hash_at(&root_page, 0)?;
            let node = self.walk(root_hash, &root_page, 0, root_page.len(), 0, count, 0)?;
            (node.hash, node.frag)
        };
        if new_root.as_slice() != root && new_root != EMPTY_HASH {
            // The root is always the top of a page (also when a deletion lifts a leaf to it).
            self.put(&new_root, &frag)?;
        }
        Ok(new_root.to_vec())
    }

    /// The pages the update made stale (call after `apply` changed the root): each once, in the
    /// order they were listed.
    pub fn stale(&self) -> Vec<Hash> {
        let written = self.written.borrow();
        let mut seen = HashSet::new();
        self.read
            .borrow()
            .iter()
            .filter(|hash| !written.contains(*hash) && seen.insert(**hash))
            .copied()
            .collect()
    }
}
