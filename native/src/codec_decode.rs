//! A fast path for Klayr's codec (LIP 0027) decoding of compiled schemas.
//!
//! It decodes only what is plainly canonical (every required field in order, shortest varints
//! within range, ASCII strings, no trailing bytes) and hands anything else -- malformed input,
//! non-ASCII strings, input that is not `bytes` -- to the Python decoder it wraps, which returns
//! the value or raises the `CodecError` naming the field. So errors are Python's by construction;
//! on what it accepts it returns what the Python decoder returns (the tests compare both).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};

#[derive(Clone, Copy)]
pub enum DataType {
    Uint32,
    Sint32,
    Uint64,
    Sint64,
    Boolean,
    Bytes,
    Text,
}

pub enum Kind {
    Scalar(DataType),
    Object(Object),
    Array(DataType),
    ObjectArray(Object),
}

pub struct Field {
    pub name: Py<PyString>,
    pub key: Vec<u8>,
    pub kind: Kind,
}

pub struct Object {
    pub fields: Vec<Field>,
}

/// Why the fast path stopped: the input is not plainly canonical (the Python decoder decides),
/// or Python itself failed (memory).
enum Stop {
    Irregular,
    Python(PyErr),
}

impl From<PyErr> for Stop {
    fn from(error: PyErr) -> Stop {
        Stop::Python(error)
    }
}

type Step<T> = Result<T, Stop>;

fn uvarint_bytes(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
    out
}

fn data_type(code: u8) -> PyResult<DataType> {
    Ok(match code {
        0 => DataType::Uint32,
        1 => DataType::Sint32,
        2 => DataType::Uint64,
        3 => DataType::Sint64,
        4 => DataType::Boolean,
        5 => DataType::Bytes,
        6 => DataType::Text,
        _ => {
            return Err(PyValueError::new_err(format!(
                "unknown data type code {code}"
            )))
        }
    })
}

fn is_varint(data_type: DataType) -> bool {
    !matches!(data_type, DataType::Bytes | DataType::Text)
}

/// An object's program: a tuple of `(name, field_number, kind, data_type, nested)` in field
/// number order; kind 0 scalar, 1 object, 2 array of scalars, 3 array of objects; data_type
/// 0..6 = uint32, sint32, uint64, sint64, boolean, bytes, string (see `klayr_py/codec/_native_paths.py`).
pub fn parse_object(program: &Bound<'_, PyTuple>) -> PyResult<Object> {
    let mut fields = Vec::with_capacity(program.len());
    for item in program.iter() {
        let (name, number, kind, code, nested): (Bound<PyString>, u64, u8, u8, Bound<PyAny>) =
            item.extract()?;
        let nested_object = || -> PyResult<Object> { parse_object(nested.downcast::<PyTuple>()?) };
        let (kind, wire_type) = match kind {
            0 => {
                let scalar = data_type(code)?;
                (Kind::Scalar(scalar), if is_varint(scalar) { 0 } else { 2 })
            }
            1 => (Kind::Object(nested_object()?), 2),
            2 => (Kind::Array(data_type(code)?), 2),
            3 => (Kind::ObjectArray(nested_object()?), 2),
            _ => return Err(PyValueError::new_err(format!("unknown field kind {kind}"))),
        };
        fields.push(Field {
            name: name.unbind(),
            key: uvarint_bytes(number << 3 | wire_type),
            kind,
        });
    }
    Ok(Object { fields })
}

/// A shortest-form varint of at most `max` starting at `at`, not running past `end`.
fn varint(data: &[u8], mut at: usize, end: usize, max: u64) -> Step<(u64, usize)> {
    let mut value: u128 = 0;
    let mut shift = 0;
    loop {
        if at >= end || shift > 63 {
            return Err(Stop::Irregular);
        }
        let byte = data[at];
        at += 1;
        value |= u128::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            if byte == 0 && shift > 0 {
                return Err(Stop::Irregular); // not in its shortest form
            }
            break;
        }
        shift += 7;
    }
    if value > u128::from(max) {
        return Err(Stop::Irregular);
    }
    Ok((value as u64, at))
}

fn zigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

fn starts_with_key(data: &[u8], at: usize, end: usize, key: &[u8]) -> bool {
    at + key.len() <= end && &data[at..at + key.len()] == key
}

/// A length prefix and the end of what it delimits, within `end`.
fn delimited(data: &[u8], at: usize, end: usize) -> Step<(usize, usize)> {
    let (length, start) = varint(data, at, end, u64::from(u32::MAX))?;
    let stop = start.checked_add(length as usize).ok_or(Stop::Irregular)?;
    if stop > end {
        return Err(Stop::Irregular);
    }
    Ok((start, stop))
}

/// One varint-encoded scalar (a packed array's element or a field's value).
fn varint_value<'py>(
    py: Python<'py>,
    data_type: DataType,
    data: &[u8],
    at: usize,
    end: usize,
) -> Step<(Bound<'py, PyAny>, usize)> {
    Ok(match data_type {
        DataType::Uint32 | DataType::Uint64 => {
            let max = if matches!(data_type, DataType::Uint32) {
                u64::from(u32::MAX)
            } else {
                u64::MAX
            };
            let (value, next) = varint(data, at, end, max)?;
            (PyInt::new(py, value).into_any(), next)
        }
        DataType::Sint32 | DataType::Sint64 => {
            let max = if matches!(data_type, DataType::Sint32) {
                u64::from(u32::MAX)
            } else {
                u64::MAX
            };
            let (value, next) = varint(data, at, end, max)?;
            (PyInt::new(py, zigzag(value)).into_any(), next)
        }
        DataType::Boolean => match data.get(at) {
            Some(&byte) if at < end && byte <= 1 => {
                (PyBool::new(py, byte == 1).to_owned().into_any(), at + 1)
            }
            _ => return Err(Stop::Irregular),
        },
        DataType::Bytes | DataType::Text => return Err(Stop::Irregular),
    })
}

/// A length-delimited bytes or ASCII string value.
fn delimited_value<'py>(
    py: Python<'py>,
    data_type: DataType,
    data: &[u8],
    at: usize,
    end: usize,
) -> Step<(Bound<'py, PyAny>, usize)> {
    let (start, stop) = delimited(data, at, end)?;
    let content = &data[start..stop];
    let value = match data_type {
        DataType::Bytes => PyBytes::new(py, content).into_any(),
        DataType::Text => {
            if !content.is_ascii() {
                return Err(Stop::Irregular); // UTF-8 and NFC checks: the Python decoder's
            }
            // ASCII is valid UTF-8.
            PyString::new(
                py,
                std::str::from_utf8(content).map_err(|_| Stop::Irregular)?,
            )
            .into_any()
        }
        _ => return Err(Stop::Irregular),
    };
    Ok((value, stop))
}

fn scalar<'py>(
    py: Python<'py>,
    data_type: DataType,
    data: &[u8],
    at: usize,
    end: usize,
) -> Step<(Bound<'py, PyAny>, usize)> {
    if is_varint(data_type) {
        varint_value(py, data_type, data, at, end)
    } else {
        delimited_value(py, data_type, data, at, end)
    }
}

/// The object `object` encoded in exactly `data[at..end]`.
fn decode_object<'py>(
    py: Python<'py>,
    object: &Object,
    data: &[u8],
    mut at: usize,
    end: usize,
) -> Step<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for field in &object.fields {
        let key = field.key.as_slice();
        let name = field.name.bind(py);
        match &field.kind {
            Kind::Scalar(data_type) => {
                if !starts_with_key(data, at, end, key) {
                    return Err(Stop::Irregular);
                }
                let (value, next) = scalar(py, *data_type, data, at + key.len(), end)?;
                dict.set_item(name, value)?;
                at = next;
            }
            Kind::Object(nested) => {
                if !starts_with_key(data, at, end, key) {
                    return Err(Stop::Irregular);
                }
                let (start, stop) = delimited(data, at + key.len(), end)?;
                dict.set_item(name, decode_object(py, nested, data, start, stop)?)?;
                at = stop;
            }
            Kind::Array(data_type) if is_varint(*data_type) => {
                let items = PyList::empty(py);
                if starts_with_key(data, at, end, key) {
                    let (mut next, stop) = delimited(data, at + key.len(), end)?;
                    if next == stop {
                        return Err(Stop::Irregular); // an empty packed array is not canonical
                    }
                    while next < stop {
                        let (value, after) = varint_value(py, *data_type, data, next, stop)?;
                        items.append(value)?;
                        next = after;
                    }
                    at = stop;
                }
                dict.set_item(name, items)?;
            }
            Kind::Array(data_type) => {
                let items = PyList::empty(py);
                while starts_with_key(data, at, end, key) {
                    let (value, next) = delimited_value(py, *data_type, data, at + key.len(), end)?;
                    items.append(value)?;
                    at = next;
                }
                dict.set_item(name, items)?;
            }
            Kind::ObjectArray(nested) => {
                let items = PyList::empty(py);
                while starts_with_key(data, at, end, key) {
                    let (start, stop) = delimited(data, at + key.len(), end)?;
                    items.append(decode_object(py, nested, data, start, stop)?)?;
                    at = stop;
                }
                dict.set_item(name, items)?;
            }
        }
    }
    if at != end {
        return Err(Stop::Irregular);
    }
    Ok(dict)
}

/// `decode(data) -> dict` for one compiled schema: the fast path, else the Python decoder.
#[pyclass(frozen, module = "klayr_py._native")]
pub struct Decoder {
    root: Object,
    fallback: Py<PyAny>,
}

#[pymethods]
impl Decoder {
    #[new]
    fn new(program: &Bound<'_, PyTuple>, fallback: Py<PyAny>) -> PyResult<Decoder> {
        Ok(Decoder {
            root: parse_object(program)?,
            fallback,
        })
    }

    fn __call__<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(bytes) = data.downcast_exact::<PyBytes>() {
            let raw = bytes.as_bytes();
            match decode_object(py, &self.root, raw, 0, raw.len()) {
                Ok(dict) => return Ok(dict.into_any()),
                Err(Stop::Python(error)) => return Err(error),
                Err(Stop::Irregular) => {}
            }
        }
        self.fallback.bind(py).call1((data,))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_must_be_shortest_and_in_range() {
        assert!(matches!(
            varint(&[0xac, 0x02], 0, 2, u64::MAX),
            Ok((300, 2))
        ));
        assert!(matches!(
            varint(&[0x81, 0x00], 0, 2, u64::MAX),
            Err(Stop::Irregular)
        ));
        assert!(matches!(
            varint(&[0xff, 0xff, 0xff, 0xff, 0x10], 0, 5, u64::from(u32::MAX)),
            Err(Stop::Irregular)
        ));
        assert!(matches!(
            varint(&[0x80], 0, 1, u64::MAX),
            Err(Stop::Irregular)
        ));
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert!(matches!(varint(&max, 0, 10, u64::MAX), Ok((u64::MAX, 10))));
        let over = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert!(matches!(
            varint(&over, 0, 10, u64::MAX),
            Err(Stop::Irregular)
        ));
    }

    #[test]
    fn zigzag_maps_back() {
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(1), -1);
        assert_eq!(zigzag(2), 1);
        assert_eq!(zigzag(u64::MAX), i64::MIN);
    }
}
