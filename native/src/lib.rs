//! `klayr_py._native`: Rust twins of klayr_py's hottest pure-Python kernels.
//!
//! Private to klayr_py: `klayr_py/_native_loader.py` picks these functions when the module is
//! importable; the Python code stays the reference the tests compare them with, byte for byte.
//! Errors are raised as `klayr_py.errors` classes. Large inputs are hashed without the GIL.

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyList};

mod codec_decode;
mod codec_encode;
mod ed25519;
mod errors;
mod event_root;
mod hash;
mod merkle;
mod smt_root;
mod smt_update;

/// Apply `changes` (key -> value; an empty value deletes) to the sparse Merkle tree `root`
/// whose pages `db` (`get`/`set`) holds; the new root. The hashes of the pages it made stale
/// are appended to `stale` if given. The twin of `_py_apply_changes`.
#[pyfunction]
#[pyo3(signature = (db, root, changes, key_length, page_height, stale=None))]
fn apply_changes<'py>(
    py: Python<'py>,
    db: &Bound<'py, PyAny>,
    root: &[u8],
    changes: &Bound<'py, PyAny>,
    key_length: usize,
    page_height: usize,
    stale: Option<&Bound<'py, PyList>>,
) -> PyResult<Bound<'py, PyBytes>> {
    if !changes.is_truthy()? {
        return Ok(PyBytes::new(py, root));
    }
    if key_length == 0 || page_height == 0 {
        return Err(errors::tree_error(
            py,
            format!(
                "key_length and page_height must be at least 1, got {key_length} and {page_height}"
            ),
        ));
    }
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for item in changes.call_method0("items")?.try_iter()? {
        // Through PyBackedBytes: extracting a Vec<u8> directly would go byte by byte.
        let (key, value): (PyBackedBytes, PyBackedBytes) = item?.extract()?;
        pairs.push((key.to_vec(), value.to_vec()));
    }
    pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (key, _) in &pairs {
        if key.len() != key_length {
            return Err(errors::tree_error(
                py,
                format!(
                    "key {} has length {}; this tree's keys have length {}",
                    errors::hex(key),
                    key.len(),
                    key_length
                ),
            ));
        }
    }
    let (keys, values): (Vec<Vec<u8>>, Vec<Vec<u8>>) = pairs.into_iter().unzip();
    let update = smt_update::Update::new(py, db, &keys, &values, key_length, page_height)?;
    let new_root = update.apply(root)?;
    if let Some(stale) = stale {
        if new_root.as_slice() != root {
            for hash in update.stale() {
                stale.append(PyBytes::new(py, &hash))?;
            }
        }
    }
    Ok(PyBytes::new(py, &new_root))
}

/// The node at `depth` of the sparse Merkle subtree holding sorted, distinct `keys` (each
/// `key_length` bytes) with `values`; raises TreeError when they are not so.
#[pyfunction]
fn sorted_root<'py>(
    py: Python<'py>,
    keys: Vec<PyBackedBytes>,
    values: Vec<PyBackedBytes>,
    key_length: usize,
    depth: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    smt_root::check_sorted(&keys, values.len(), key_length).map_err(|e| e.into_py_err(py))?;
    let root = py.allow_threads(|| smt_root::sorted_root(&keys, &values, depth));
    Ok(PyBytes::new(py, &root))
}

/// The top of the chain of single-child branches above `node`; `path` holds their sides
/// top-down as "0"/"1".
#[pyfunction]
fn hash_chain<'py>(py: Python<'py>, node: &[u8], path: &str) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &smt_root::hash_chain(node, &smt_root::sides(path)))
}

/// Every node of the chain `hash_chain` hashes, top first, `node` last.
#[pyfunction]
fn chain_nodes<'py>(py: Python<'py>, node: &[u8], path: &str) -> Vec<Bound<'py, PyBytes>> {
    smt_root::chain_nodes(node, &smt_root::sides(path))
        .iter()
        .map(|n| PyBytes::new(py, n))
        .collect()
}

/// The Merkle root (LIP 0031) of `leaves`, raw data hashed here as leaves.
#[pyfunction]
fn merkle_root<'py>(py: Python<'py>, leaves: Vec<PyBackedBytes>) -> Bound<'py, PyBytes> {
    let root = py.allow_threads(|| merkle::merkle_root(&leaves));
    PyBytes::new(py, &root)
}

/// Whether each `(message, signature, public_key)` verifies by libsodium 1.0.18's rules (a
/// wrong length is false); verified without the GIL. The twin of `ed.verify_batch`.
#[pyfunction]
fn ed25519_verify_batch(
    py: Python<'_>,
    triples: Vec<(PyBackedBytes, PyBackedBytes, PyBackedBytes)>,
) -> Vec<bool> {
    py.allow_threads(|| {
        triples
            .iter()
            .map(|(message, signature, key)| ed25519::verify(message, signature, key))
            .collect()
    })
}

/// One `ed25519_verify_batch` check, for a single signature. It keeps the GIL: ~40 us is too
/// short to share, and a thread that gives the GIL away may wait a switch interval (5 ms) to
/// get it back; the pool admits one transaction at a time under the engine's lock anyway.
#[pyfunction]
fn ed25519_verify(message: &[u8], signature: &[u8], public_key: &[u8]) -> bool {
    ed25519::verify(message, signature, public_key)
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    // Whether this is a debug build (5-10x slower): the tests require a release build.
    module.add("DEBUG_BUILD", cfg!(debug_assertions))?;
    module.add_function(wrap_pyfunction!(sorted_root, module)?)?;
    module.add_function(wrap_pyfunction!(hash_chain, module)?)?;
    module.add_function(wrap_pyfunction!(chain_nodes, module)?)?;
    module.add_function(wrap_pyfunction!(merkle_root, module)?)?;
    module.add_function(wrap_pyfunction!(apply_changes, module)?)?;
    module.add_function(wrap_pyfunction!(ed25519_verify_batch, module)?)?;
    module.add_function(wrap_pyfunction!(ed25519_verify, module)?)?;
    module.add_function(wrap_pyfunction!(event_root::event_root, module)?)?;
    module.add_class::<event_root::EventRootTask>()?;
    module.add_class::<codec_decode::Decoder>()?;
    module.add_class::<codec_encode::Encoder>()?;
    Ok(())
}
