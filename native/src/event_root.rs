//! The event root of a block (LIP 0065) from its events: the twin of `_py_event_root` in
//! `klayr_py/chain/roots.py`.
//!
//! Each topic of each event is a leaf: key = the first 8 bytes of sha256(topic) + uint32
//! big-endian (index << 2 | topic position), value = sha256(encoded event). The root is the
//! sparse Merkle root of those leaves (`smt_root::sorted_root`).
//!
//! Only plainly valid events are handled here: at most 2^30 events, each with at most 4 topics
//! and an index below 2^30, no two leaves under one key, and every field readable as the types
//! `Event` gives them. Anything else returns `None`, and the Python caller then runs its
//! reference path, which raises the `EventError` (or whatever else) naming the fault: errors
//! are Python's by construction.
//!
//! [`EventRootTask`] reads the events with the GIL, then hashes them in a thread of its own,
//! without the GIL and without touching a Python object, while the caller goes on (with the
//! block's state root); [`event_root`] does the same work in the calling thread.

use std::collections::HashMap;
use std::sync::Mutex;
use std::thread::JoinHandle;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyString};

use crate::hash::{sha256, Hash, EMPTY_HASH};
use crate::smt_root::sorted_root;

const TOPIC_HASH_LENGTH: usize = 8;
const MAX_TOPICS_PER_EVENT: usize = 4;
const MAX_EVENTS_PER_BLOCK: u64 = 1 << 30;
const TOPIC_INDEX_LENGTH_BITS: u32 = 2;
const KEY_LENGTH: usize = TOPIC_HASH_LENGTH + 4;

/// One event's part in the tree, copied out of Python: its index, topics and either its
/// encoded bytes (hashed in the thread) or its ID as the event gave it.
struct EventLeaves {
    index: u64,
    topics: Vec<Vec<u8>>,
    value: LeafValue,
}

enum LeafValue {
    Encoded(Vec<u8>),
    Id(Hash),
}

/// The events' fields, or `None` if one cannot be read as `Event` gives it (an int index, a
/// sequence of `bytes` topics, a 32-byte `bytes` ID): the Python path then decides. Events of
/// exactly `plain_type` (`chain.Event`) are encoded here from their fields when these are
/// plain (see `encode_plain`), and hashed in the thread; any other event gives its `id`.
fn read_events(
    events: &Bound<'_, PyAny>,
    plain_type: &Bound<'_, PyAny>,
) -> Option<Vec<EventLeaves>> {
    let py = events.py();
    let mut read = Vec::with_capacity(events.len().unwrap_or(0));
    for event in events.try_iter().ok()? {
        let event = event.ok()?;
        let index: u64 = event.getattr(intern!(py, "index")).ok()?.extract().ok()?;
        // `bytes` only: a `bytearray` topic is not hashable, and Python refuses it.
        let topics: Vec<Bound<'_, PyBytes>> =
            event.getattr(intern!(py, "topics")).ok()?.extract().ok()?;
        let topics: Vec<Vec<u8>> = topics
            .iter()
            .map(|topic| topic.as_bytes().to_vec())
            .collect();
        let plain = if event.get_type().is(plain_type) {
            encode_plain(&event, index, &topics)
        } else {
            None
        };
        let value = match plain {
            Some(encoded) => LeafValue::Encoded(encoded),
            None => {
                let id = event.getattr(intern!(py, "id")).ok()?;
                LeafValue::Id(id.downcast::<PyBytes>().ok()?.as_bytes().try_into().ok()?)
            }
        };
        read.push(EventLeaves {
            index,
            topics,
            value,
        });
    }
    Some(read)
}

/// The bytes of a `chain.Event` (Klayr's event schema: module 1, name 2, data 3, topics 4,
/// height 5, index 6), taken from its cache if it was encoded, else encoded here when its
/// fields are plain (ASCII strings, `bytes` data, uint32 height and index); None otherwise
/// (its `id` then encodes it, or raises the error naming the field).
fn encode_plain(event: &Bound<'_, PyAny>, index: u64, topics: &[Vec<u8>]) -> Option<Vec<u8>> {
    let py = event.py();
    let fields = event.getattr(intern!(py, "__dict__")).ok()?;
    let fields = fields.downcast::<PyDict>().ok()?;
    if let Ok(Some(cached)) = fields.get_item(intern!(py, "_bytes")) {
        return Some(cached.downcast::<PyBytes>().ok()?.as_bytes().to_vec());
    }
    let ascii = |name: &Bound<'_, PyString>| -> Option<Vec<u8>> {
        let value = fields.get_item(name).ok()??;
        let text = value.downcast::<PyString>().ok()?.to_str().ok()?;
        text.is_ascii().then(|| text.as_bytes().to_vec())
    };
    let module = ascii(intern!(py, "module"))?;
    let name = ascii(intern!(py, "name"))?;
    let data_field = fields.get_item(intern!(py, "data")).ok()??;
    let data = data_field.downcast::<PyBytes>().ok()?.as_bytes();
    let height_field = fields.get_item(intern!(py, "height")).ok()??;
    if !height_field.is_exact_instance_of::<PyInt>() {
        return None; // a bool, say: the Python encoder decides
    }
    let height: u32 = height_field.extract().ok()?;
    let index = u32::try_from(index).ok()?;
    let mut out =
        Vec::with_capacity(32 + module.len() + name.len() + data.len() + 34 * topics.len());
    put_delimited(&mut out, 0x0a, &module);
    put_delimited(&mut out, 0x12, &name);
    put_delimited(&mut out, 0x1a, data);
    for topic in topics {
        put_delimited(&mut out, 0x22, topic);
    }
    out.push(0x28);
    put_uvarint(&mut out, height.into());
    out.push(0x30);
    put_uvarint(&mut out, index.into());
    Some(out)
}

fn put_uvarint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_delimited(out: &mut Vec<u8>, key: u8, content: &[u8]) {
    out.push(key);
    put_uvarint(out, content.len() as u64);
    out.extend_from_slice(content);
}

/// The root of the events' leaves, or `None` when they are not plainly valid (see the module).
fn root_of(events: &[EventLeaves]) -> Option<Hash> {
    if events.len() as u64 > MAX_EVENTS_PER_BLOCK {
        return None;
    }
    let mut prefixes: HashMap<&[u8], [u8; TOPIC_HASH_LENGTH]> = HashMap::new();
    let mut leaves: Vec<([u8; KEY_LENGTH], Hash)> = Vec::with_capacity(events.len() * 2);
    for event in events {
        if event.topics.len() > MAX_TOPICS_PER_EVENT || event.index >= MAX_EVENTS_PER_BLOCK {
            return None;
        }
        if event.topics.is_empty() {
            continue;
        }
        let value = match &event.value {
            LeafValue::Encoded(data) => sha256(&[data]),
            LeafValue::Id(id) => *id,
        };
        // index < 2^30, so the shifted index and the position fit in 32 bits.
        let first = (event.index as u32) << TOPIC_INDEX_LENGTH_BITS;
        for (position, topic) in event.topics.iter().enumerate() {
            let prefix = *prefixes.entry(topic.as_slice()).or_insert_with(|| {
                let mut prefix = [0u8; TOPIC_HASH_LENGTH];
                prefix.copy_from_slice(&sha256(&[topic])[..TOPIC_HASH_LENGTH]);
                prefix
            });
            let mut key = [0u8; KEY_LENGTH];
            key[..TOPIC_HASH_LENGTH].copy_from_slice(&prefix);
            key[TOPIC_HASH_LENGTH..].copy_from_slice(&(first + position as u32).to_be_bytes());
            leaves.push((key, value));
        }
    }
    if leaves.is_empty() {
        return Some(EMPTY_HASH);
    }
    leaves.sort_unstable_by_key(|leaf| leaf.0);
    if leaves.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return None; // two events share an index
    }
    let (keys, values): (Vec<[u8; KEY_LENGTH]>, Vec<Hash>) = leaves.into_iter().unzip();
    Some(sorted_root(&keys, &values, 0))
}

/// The event root of `events` (`Event`s with their final indices), or None when they are not
/// plainly valid: the caller's Python path then raises the error naming the fault.
/// `plain_type` is `chain.Event`, whose instances may be encoded here (see `read_events`).
#[pyfunction]
pub fn event_root<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
    plain_type: &Bound<'py, PyAny>,
) -> Option<Bound<'py, PyBytes>> {
    let read = read_events(events, plain_type)?;
    let root = py.allow_threads(|| root_of(&read))?;
    Some(PyBytes::new(py, &root))
}

/// The event root of `events`, hashed in a thread of its own from copies of their fields, so
/// the caller can go on meanwhile; `result()` waits for it (None as `event_root` gives None).
#[pyclass(module = "klayr_py._native", frozen)]
pub struct EventRootTask {
    state: Mutex<TaskState>,
}

enum TaskState {
    Running(JoinHandle<Option<Hash>>),
    Done(Option<Hash>),
}

#[pymethods]
impl EventRootTask {
    #[new]
    fn new(events: &Bound<'_, PyAny>, plain_type: &Bound<'_, PyAny>) -> Self {
        let state = match read_events(events, plain_type) {
            None => TaskState::Done(None),
            Some(read) => {
                let spawned = std::thread::Builder::new()
                    .name("klayr-event-root".into())
                    .spawn(move || root_of(&read));
                match spawned {
                    Ok(handle) => TaskState::Running(handle),
                    // No thread to be had: result() gives None, and Python computes the root.
                    Err(_) => TaskState::Done(None),
                }
            }
        };
        EventRootTask {
            state: Mutex::new(state),
        }
    }

    /// The root, once the thread has finished (None: not plainly valid, or no thread).
    fn result<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        // The lock is taken and the thread joined without the GIL, so a second caller waiting
        // for the lock never holds the GIL the first one needs to return.
        let root = py.allow_threads(|| {
            let mut state = self
                .state
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let root = match std::mem::replace(&mut *state, TaskState::Done(None)) {
                // A panic in the thread (none is expected) also hands over to Python.
                TaskState::Running(handle) => handle.join().ok().flatten(),
                TaskState::Done(root) => root,
            };
            *state = TaskState::Done(root);
            root
        });
        root.map(|root| PyBytes::new(py, &root))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt_root::leaf_hash;

    fn event(index: u64, topics: &[&[u8]], data: &[u8]) -> EventLeaves {
        EventLeaves {
            index,
            topics: topics.iter().map(|topic| topic.to_vec()).collect(),
            value: LeafValue::Encoded(data.to_vec()),
        }
    }

    #[test]
    fn no_leaves_give_the_empty_root() {
        assert_eq!(root_of(&[]), Some(EMPTY_HASH));
        assert_eq!(root_of(&[event(0, &[], b"x")]), Some(EMPTY_HASH));
    }

    #[test]
    fn one_leaf_is_its_leaf_hash() {
        let mut key = sha256(&[b"topic"])[..TOPIC_HASH_LENGTH].to_vec();
        key.extend_from_slice(&(3u32 << 2).to_be_bytes()); // index 3, position 0
        let expected = leaf_hash(&key, &sha256(&[b"data"]));
        assert_eq!(root_of(&[event(3, &[b"topic"], b"data")]), Some(expected));
    }

    #[test]
    fn irregular_events_are_left_to_python() {
        let five: [&[u8]; 5] = [b"a", b"b", b"c", b"d", b"e"];
        assert_eq!(root_of(&[event(0, &five, b"x")]), None);
        assert_eq!(root_of(&[event(MAX_EVENTS_PER_BLOCK, &[b"a"], b"x")]), None);
        assert_eq!(
            root_of(&[event(1, &[b"a"], b"x"), event(1, &[b"a"], b"y")]),
            None
        );
    }
}
