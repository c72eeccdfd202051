//! Every allocation the extension makes whose size depends on its input, and the counting
//! allocator that lets the test suite see them.
//!
//! Rust's infallible allocations abort the process when memory runs out, taking the Python
//! interpreter with them. So the buffers that grow with the input (copies of strided input,
//! working memory) and the output arrays are all made here, fallibly: when they do not fit, the
//! call raises `MemoryError`, what Python itself raises then and what callers catch. Everything
//! else the extension allocates is bounded by a constant (one chunk of gathered values per
//! argument and thread, a few dimensions' strides), whatever the input.
//!
//! The promise that contiguous float64 input is not copied is about what the extension does,
//! and copies made in Rust are invisible to Python's `tracemalloc`. Counting the bytes the
//! global allocator hands out lets the pytest suite check the promise directly. The cost is one
//! relaxed atomic add per allocation, and the hot loops do not allocate.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_int;
use std::fmt::Display;
use std::sync::atomic::{AtomicUsize, Ordering};

use numpy::npyffi::npy_intp;
use numpy::{PY_ARRAY_API, PyArrayDescrMethods, PyArrayDyn};
use pyo3::exceptions::PyMemoryError;
use pyo3::prelude::*;

use crate::error::format_shape;

/// An empty vector with room for `len` values, or `MemoryError` naming `what` they were for
/// ("cannot allocate 1600000000 bytes for the 100000000 points of a").
pub(crate) fn vec_with_capacity<T>(len: usize, what: impl Display) -> PyResult<Vec<T>> {
    let mut values = Vec::new();
    match values.try_reserve_exact(len) {
        Ok(()) => Ok(values),
        Err(_) => Err(PyMemoryError::new_err(format!(
            "cannot allocate {} bytes for {what}",
            len.saturating_mul(size_of::<T>())
        ))),
    }
}

/// A new zero-filled float64 array of `shape` in C order, or `MemoryError` when it cannot be
/// allocated: numpy's own, or ours when the size does not even fit the address space (where
/// numpy would raise `ValueError`). `PyArray::zeros` would panic instead, and a
/// `PanicException` escapes an `except Exception`.
pub(crate) fn zeros<'py>(
    py: Python<'py>,
    shape: &[usize],
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    let bytes = shape.iter().try_fold(size_of::<f64>(), |bytes, &len| bytes.checked_mul(len));
    if bytes.is_none_or(|bytes| isize::try_from(bytes).is_err()) {
        return Err(PyMemoryError::new_err(format!(
            "cannot allocate an array of shape {} and dtype float64: more bytes than the \
             address space has",
            format_shape(shape)
        )));
    }
    // Each length fits `isize` (the product does), which is numpy's index type.
    let mut dims: Vec<npy_intp> = shape.iter().map(|&len| len as npy_intp).collect();
    let ndim = c_int::try_from(dims.len()).expect("numpy arrays have at most 64 dimensions");
    let dtype = numpy::dtype::<f64>(py).into_dtype_ptr();
    // SAFETY: `PyArray_Zeros` reads `ndim` lengths from `dims` and steals the reference to the
    // descriptor that `into_dtype_ptr` hands over; it returns a new reference to a float64 array,
    // or NULL with the Python exception set.
    unsafe {
        let array = PY_ARRAY_API.PyArray_Zeros(py, ndim, dims.as_mut_ptr(), dtype, 0);
        Ok(Bound::from_owned_ptr_or_err(py, array)?.cast_into_unchecked())
    }
}

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

/// Total bytes requested from the allocator so far (never decreases).
pub(crate) fn allocated_bytes() -> usize {
    ALLOCATED.load(Ordering::Relaxed)
}

/// The system allocator, counting the bytes it hands out.
#[derive(Debug)]
pub(crate) struct CountingAllocator;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size.saturating_sub(layout.size()), Ordering::Relaxed);
        // SAFETY: forwarded from the caller.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { System.dealloc(ptr, layout) }
    }
}
