//! Errors raised as klayr_py's own classes, so callers see the same errors as from Python code.

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::PyType;

static TREE_ERROR: GILOnceCell<Py<PyType>> = GILOnceCell::new();
static NOT_FOUND_ERROR: GILOnceCell<Py<PyType>> = GILOnceCell::new();

fn error_class<'py>(
    py: Python<'py>,
    cell: &'static GILOnceCell<Py<PyType>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyType>> {
    cell.import(py, "klayr_py.errors", name)
}

/// `klayr_py.errors.TreeError(message)`.
pub fn tree_error(py: Python<'_>, message: String) -> PyErr {
    match error_class(py, &TREE_ERROR, "TreeError") {
        Ok(class) => PyErr::from_type(class.clone(), message),
        Err(error) => error,
    }
}

/// `klayr_py.errors.NotFoundError(message)`.
pub fn not_found_error(py: Python<'_>, message: String) -> PyErr {
    match error_class(py, &NOT_FOUND_ERROR, "NotFoundError") {
        Ok(class) => PyErr::from_type(class.clone(), message),
        Err(error) => error,
    }
}

/// A kernel's failure, made without the GIL and turned into a Python error with it.
#[derive(Debug)]
pub enum KernelError {
    Tree(String),
}

impl KernelError {
    pub fn into_py_err(self, py: Python<'_>) -> PyErr {
        match self {
            KernelError::Tree(message) => tree_error(py, message),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
