//! A fast path for Klayr's codec (LIP 0027) encoding of compiled schemas.
//!
//! It encodes only plainly valid values (a `dict` with every property, each of exactly the
//! Python type the generated fast encoder expects: `int` in range, `bool`, `bytes`, ASCII `str`,
//! `list`, nested `dict`) and hands anything else to the Python encoder it wraps, which encodes
//! it or raises the `CodecError` naming the field. So errors are Python's by construction; on
//! what it accepts it returns the bytes the Python encoder returns (the tests compare both).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};

use crate::codec_decode::{parse_object, DataType, Kind, Object};

/// Why the fast path stopped: the value is not plainly valid (the Python encoder decides), or
/// Python itself failed.
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

fn put_uvarint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_delimited(out: &mut Vec<u8>, content: &[u8]) {
    put_uvarint(out, content.len() as u64);
    out.extend_from_slice(content);
}

/// The varint of an exact `int` (not `bool`, not a subclass) in the range of `data_type`.
fn varint_of(value: &Bound<'_, PyAny>, data_type: DataType) -> Step<u64> {
    if let DataType::Boolean = data_type {
        let flag = value
            .downcast_exact::<PyBool>()
            .map_err(|_| Stop::Irregular)?;
        return Ok(u64::from(flag.is_true()));
    }
    if !value.is_exact_instance_of::<PyInt>() {
        return Err(Stop::Irregular);
    }
    Ok(match data_type {
        DataType::Uint32 => u64::from(value.extract::<u32>().map_err(|_| Stop::Irregular)?),
        DataType::Uint64 => value.extract::<u64>().map_err(|_| Stop::Irregular)?,
        DataType::Sint32 => {
            let signed = value.extract::<i32>().map_err(|_| Stop::Irregular)?;
            u64::from(((signed << 1) ^ (signed >> 31)) as u32)
        }
        DataType::Sint64 => {
            let signed = value.extract::<i64>().map_err(|_| Stop::Irregular)?;
            ((signed << 1) ^ (signed >> 63)) as u64
        }
        DataType::Bytes | DataType::Text | DataType::Boolean => return Err(Stop::Irregular),
    })
}

/// The content of an exact `bytes`, or of an exact ASCII `str`, borrowed (no copy).
fn content_of<'a>(value: &'a Bound<'_, PyAny>, data_type: DataType) -> Step<&'a [u8]> {
    match data_type {
        DataType::Bytes => {
            let bytes = value
                .downcast_exact::<PyBytes>()
                .map_err(|_| Stop::Irregular)?;
            Ok(bytes.as_bytes())
        }
        DataType::Text => {
            let text = value
                .downcast_exact::<PyString>()
                .map_err(|_| Stop::Irregular)?;
            let text = text.to_str().map_err(|_| Stop::Irregular)?;
            if !text.is_ascii() {
                return Err(Stop::Irregular); // NFC checks: the Python encoder's
            }
            Ok(text.as_bytes())
        }
        _ => Err(Stop::Irregular),
    }
}

/// Write `key`, then what `body` writes, prefixed by its length: encoded in place, the length
/// inserted after (one buffer for the whole message: small allocations are slow on a large
/// heap, which a node with its state in memory has).
fn put_nested(
    out: &mut Vec<u8>,
    key: &[u8],
    body: impl FnOnce(&mut Vec<u8>) -> Step<()>,
) -> Step<()> {
    out.extend_from_slice(key);
    let start = out.len();
    body(out)?;
    let mut length = [0u8; 10];
    let mut size = 0;
    let mut value = (out.len() - start) as u64;
    while value >= 0x80 {
        length[size] = (value as u8) | 0x80;
        value >>= 7;
        size += 1;
    }
    length[size] = value as u8;
    out.splice(start..start, length[..=size].iter().copied());
    Ok(())
}

fn is_varint(data_type: DataType) -> bool {
    !matches!(data_type, DataType::Bytes | DataType::Text)
}

fn exact_list<'a, 'py>(value: &'a Bound<'py, PyAny>) -> Step<&'a Bound<'py, PyList>> {
    value
        .downcast_exact::<PyList>()
        .map_err(|_| Stop::Irregular)
}

fn encode_object(object: &Object, value: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> Step<()> {
    let py = value.py();
    let dict = value
        .downcast_exact::<PyDict>()
        .map_err(|_| Stop::Irregular)?;
    for field in &object.fields {
        let item = dict
            .get_item(field.name.bind(py))
            .map_err(|_| Stop::Irregular)?
            .ok_or(Stop::Irregular)?;
        let key = field.key.as_slice();
        match &field.kind {
            Kind::Scalar(data_type) if is_varint(*data_type) => {
                out.extend_from_slice(key);
                put_uvarint(out, varint_of(&item, *data_type)?);
            }
            Kind::Scalar(data_type) => {
                out.extend_from_slice(key);
                put_delimited(out, content_of(&item, *data_type)?);
            }
            Kind::Object(nested) => {
                put_nested(out, key, |out| encode_object(nested, &item, out))?;
            }
            Kind::Array(data_type) if is_varint(*data_type) => {
                let items = exact_list(&item)?;
                if !items.is_empty() {
                    put_nested(out, key, |out| {
                        for element in items.iter() {
                            put_uvarint(out, varint_of(&element, *data_type)?);
                        }
                        Ok(())
                    })?;
                }
            }
            Kind::Array(data_type) => {
                for element in exact_list(&item)?.iter() {
                    out.extend_from_slice(key);
                    put_delimited(out, content_of(&element, *data_type)?);
                }
            }
            Kind::ObjectArray(nested) => {
                for element in exact_list(&item)?.iter() {
                    put_nested(out, key, |out| encode_object(nested, &element, out))?;
                }
            }
        }
    }
    Ok(())
}

/// `encode(value) -> bytes` for one compiled schema: the fast path, else the Python encoder.
#[pyclass(frozen, module = "klayr_py._native")]
pub struct Encoder {
    root: Object,
    fallback: Py<PyAny>,
}

#[pymethods]
impl Encoder {
    #[new]
    fn new(program: &Bound<'_, PyTuple>, fallback: Py<PyAny>) -> PyResult<Encoder> {
        Ok(Encoder {
            root: parse_object(program)?,
            fallback,
        })
    }

    fn __call__<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut out = Vec::with_capacity(512);
        match encode_object(&self.root, value, &mut out) {
            Ok(()) => Ok(PyBytes::new(py, &out).into_any()),
            Err(Stop::Python(error)) => Err(error),
            Err(Stop::Irregular) => self.fallback.bind(py).call1((value,)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_little_endian_groups_of_seven_bits() {
        let mut out = Vec::new();
        put_uvarint(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
        out.clear();
        put_uvarint(&mut out, u64::MAX);
        assert_eq!(out.len(), 10);
    }
}
