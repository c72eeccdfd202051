//! Running a batch kernel over four coordinate arguments with numpy broadcasting.
//!
//! The fast path hands the kernel the input arrays' own memory: when all four arguments are
//! C-contiguous float64 arrays of the broadcast shape, nothing is copied. Otherwise the broadcast
//! shape is walked in fixed-size chunks; arguments that are contiguous are still passed as
//! sub-slices, scalars and arguments with a single element as one shared buffer of repeated
//! values, and only the others (broadcast dimensions, strided or Fortran-ordered views) are
//! gathered into small per-chunk buffers, so memory use stays bounded however large the broadcast
//! result is.
//!
//! Long batches are split into contiguous parts that run on scoped threads (see `threads`). Each
//! element is computed by the same code whatever part it falls in, so the results are
//! bit-identical to a single-threaded run, and an invalid element is reported from the first part
//! that has one, which is the one at the lowest index, as without threads.
//!
//! The kernels see flat slices and report a flat index into (a chunk of) the broadcast result;
//! the error raised names the position in the argument as the caller passed it (`lat1[1, 2]`).

use std::ffi::c_int;
use std::fmt::Write;
use std::slice;

use geodist::{GeodistError, Position};
use numpy::ndarray::ArrayViewD;
use numpy::npyffi::npy_intp;
use numpy::{PY_ARRAY_API, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::coords::{Coord, coord};
use crate::error::{GeodistError as PyGeodistError, exception, format_shape, message};
use crate::{gil, threads};

/// The names of a function's four arguments, in the order it takes them. The kernel names an
/// invalid element by one of them (`geodist::Position::argument`), which is how its error is
/// traced back to the argument's shape.
pub(crate) type Names = [&'static str; 4];

/// The arguments of the functions of two points: `haversine`, `geodesic`, `inverse`.
pub(crate) const POINT_PAIR: Names = ["lat1", "lon1", "lat2", "lon2"];

/// Batches at least this long run with the GIL released (from about 0.2 ms of haversines or
/// 4 ms of geodesics). Releasing is cheap, but taking the GIL back can mean waiting for another
/// thread's switch interval (5 ms), which would swamp a short call.
const GIL_RELEASE_MIN_LEN: usize = 4096;

/// Elements per chunk when inputs must be gathered: 4 inputs x 2048 x 8 bytes stays in L2.
const CHUNK_LEN: usize = 2048;

/// A kernel's result: `N` floats for scalar input, `N` arrays of the broadcast shape otherwise.
pub(crate) enum Evaluated<'py, const N: usize> {
    Scalar([f64; N]),
    Array([Bound<'py, PyArrayDyn<f64>>; N]),
}

/// Converts and broadcasts the four arguments, then runs `kernel`, which fills `N` outputs from
/// four equally long input slices (one of the `geodist::batch` functions). `names` are the
/// arguments' names, for error messages; `per_thread` is the fewest elements worth a thread of
/// their own (a few milliseconds of the kernel's work).
pub(crate) fn evaluate<'py, const N: usize, K>(
    py: Python<'py>,
    names: Names,
    args: [&Bound<'py, PyAny>; 4],
    per_thread: usize,
    kernel: K,
) -> PyResult<Evaluated<'py, N>>
where
    K: Fn([&[f64]; 4], [&mut [f64]; N]) -> Result<(), GeodistError> + Sync,
{
    let coords = [
        coord(args[0], names[0])?,
        coord(args[1], names[1])?,
        coord(args[2], names[2])?,
        coord(args[3], names[3])?,
    ];
    let shapes = coords.each_ref().map(Coord::shape);

    if let [Coord::Scalar(a), Coord::Scalar(b), Coord::Scalar(c), Coord::Scalar(d)] = coords {
        let mut out = [0.0; N];
        kernel([&[a], &[b], &[c], &[d]], out.each_mut().map(slice::from_mut))
            .map_err(|error| located_error(error, names, &shapes, &[], 0))?;
        return Ok(Evaluated::Scalar(out));
    }

    let shape = broadcast_shape(&shapes).ok_or_else(|| broadcast_error(names, &shapes))?;
    let outputs: Vec<_> = (0..N).map(|_| zeros(py, &shape)).collect::<PyResult<_>>()?;
    let outputs: [Bound<'py, PyArrayDyn<f64>>; N] =
        outputs.try_into().expect("one array was made for each output");
    // The outputs are new arrays that no one else can see yet, so borrowing them cannot fail.
    let mut writers = outputs.each_ref().map(|output| output.readwrite());
    let out_slices = writers
        .each_mut()
        .map(|writer| writer.as_slice_mut().expect("a new array is contiguous and aligned"));
    let len = shape.iter().product::<usize>();
    let sources = coords.each_ref().map(|coord| Source::new(coord, &shape, len.min(CHUNK_LEN)));

    let result = if len >= GIL_RELEASE_MIN_LEN {
        // Read while holding the GIL, which Python code holds when it changes the environment.
        let threads = threads::count(py, len, per_thread)?;
        gil::detach(py, || run(&sources, &shape, out_slices, &kernel, threads))
    } else {
        run(&sources, &shape, out_slices, &kernel, 1)
    };
    result
        .map_err(|located| located_error(located.error, names, &shapes, &shape, located.offset))?;
    drop(writers); // Ends the borrows of `outputs`, which are handed out next.
    Ok(Evaluated::Array(outputs))
}

/// A new zero-filled float64 array of `shape` in C order, or the `MemoryError` numpy raises when
/// it cannot be allocated (`PyArray::zeros` would panic, and a `PanicException` escapes an
/// `except Exception`).
fn zeros<'py>(py: Python<'py>, shape: &[usize]) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    // Each length is one of an argument array's, so it fits numpy's signed index type; numpy
    // itself refuses a product that does not.
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

/// The numpy broadcast of the argument shapes, or `None` when they are incompatible.
fn broadcast_shape(shapes: &[&[usize]; 4]) -> Option<Vec<usize>> {
    let ndim = shapes.iter().map(|shape| shape.len()).max().unwrap_or(0);
    let mut result = vec![1; ndim];
    for shape in shapes {
        for (dim, &len) in result[ndim - shape.len()..].iter_mut().zip(shape.iter()) {
            match (*dim, len) {
                (a, b) if a == b => {}
                (1, b) => *dim = b,
                (_, 1) => {}
                _ => return None,
            }
        }
    }
    Some(result)
}

/// A kernel error from a chunk that started at flat index `offset` of the broadcast result.
#[derive(Debug)]
struct Located {
    error: GeodistError,
    offset: usize,
}

/// The Python exception for `error`, raised by a call whose arguments `names` had `shapes` and
/// broadcast to `broadcast`; a reported index is relative to flat index `offset` of the broadcast
/// result. The kernels see flat slices, but Python users passed arrays of their own shapes,
/// possibly broadcast, so the message names the position in the argument as they passed it:
/// `lat1[1, 2]`, or just `lat1` for a scalar.
fn located_error(
    error: GeodistError,
    names: Names,
    shapes: &[&[usize]; 4],
    broadcast: &[usize],
    offset: usize,
) -> PyErr {
    let locate = |at: &Position, _| {
        let shape = names.iter().position(|&name| name == at.argument).map(|i| shapes[i]);
        let index = shape.map(|shape| argument_index(offset + at.index, broadcast, shape));
        format!("{}{}", at.argument, index.as_deref().map(format_index).unwrap_or_default())
    };
    exception(&error, message(&error, locate))
}

/// The error for argument shapes that numpy broadcasting cannot combine.
fn broadcast_error(names: Names, shapes: &[&[usize]; 4]) -> PyErr {
    let mut message = String::from("shape mismatch: cannot broadcast");
    for (name, shape) in names.iter().zip(shapes) {
        let _ = write!(message, " {name} {}", format_shape(shape));
    }
    message.push_str(" to a single shape");
    PyGeodistError::new_err(message)
}

/// The index into an argument of `shape` that feeds flat element `flat` of the broadcast result.
fn argument_index(flat: usize, broadcast: &[usize], shape: &[usize]) -> Vec<usize> {
    let mut full = vec![0; broadcast.len()];
    let mut rest = flat;
    for (index, &len) in full.iter_mut().zip(broadcast).rev() {
        *index = rest % len.max(1);
        rest /= len.max(1);
    }
    // Arguments align with the broadcast shape on the right; their length-1 axes are repeated.
    let skip = broadcast.len() - shape.len();
    full[skip..].iter().zip(shape).map(|(&index, &len)| if len == 1 { 0 } else { index }).collect()
}

/// `[1, 2]` for an array index, nothing for a scalar (0-d) argument.
fn format_index(index: &[usize]) -> String {
    if index.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = index.iter().map(usize::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// Where one argument's values come from, for a given broadcast shape.
enum Source<'a> {
    /// The argument's own memory, in C order, one value per output element.
    Contiguous(&'a [f64]),
    /// One value for every output element, repeated to fill a chunk (shared by all threads).
    Constant(Vec<f64>),
    /// The argument's view, and its strides (in elements) along each axis of the broadcast shape.
    Strided { view: ArrayViewD<'a, f64>, strides: Vec<isize> },
}

impl<'a> Source<'a> {
    fn new(coord: &'a Coord<'_>, shape: &[usize], chunk_len: usize) -> Self {
        let array = match coord {
            Coord::Scalar(value) => return Source::Constant(vec![*value; chunk_len]),
            Coord::Array(array) => array,
        };
        let len = shape.iter().product::<usize>();
        // Equal sizes mean no dimension of this argument is broadcast, so its C order is the
        // output's order even when it has fewer (leading, length-1) dimensions.
        if array.len() == len
            && array.is_c_contiguous()
            && let Ok(slice) = array.as_slice()
        {
            return Source::Contiguous(slice);
        }
        let view = array.as_array();
        if array.len() == 1 {
            let value = view.iter().copied().next().unwrap_or_default();
            return Source::Constant(vec![value; chunk_len]);
        }
        // Arguments align with the broadcast shape on the right; a repeated axis has stride 0.
        let mut strides = vec![0; shape.len()];
        let skip = shape.len() - view.ndim();
        for ((stride, &len), &own) in
            strides[skip..].iter_mut().zip(view.shape()).zip(view.strides())
        {
            if len > 1 {
                *stride = own;
            }
        }
        Source::Strided { view, strides }
    }
}

/// Runs the kernel over the whole broadcast shape on up to `threads` threads; the error's
/// position is relative to the broadcast shape.
fn run<const N: usize, K>(
    sources: &[Source<'_>; 4],
    shape: &[usize],
    out: [&mut [f64]; N],
    kernel: &K,
    threads: usize,
) -> Result<(), Located>
where
    K: Fn([&[f64]; 4], [&mut [f64]; N]) -> Result<(), GeodistError> + Sync,
{
    let len = shape.iter().product::<usize>();
    if threads <= 1 {
        return run_part(sources, shape, 0, out, kernel);
    }
    // Parts of whole chunks, so that only the last part gathers a short one.
    let part_len = len.div_ceil(CHUNK_LEN).div_ceil(threads) * CHUNK_LEN;
    let mut pieces = out.map(|out| out.chunks_mut(part_len));
    let parts: Vec<(usize, [&mut [f64]; N])> = (0..len.div_ceil(part_len))
        .map(|i| (i * part_len, pieces.each_mut().map(|piece| piece.next().unwrap_or_default())))
        .collect();
    // Results come back in order, and the first error in order has the lowest invalid index.
    threads::run_parts(parts, |(start, out)| run_part(sources, shape, start, out, kernel))
        .into_iter()
        .collect()
}

/// Runs the kernel over the flat elements `start..start + out.len()` of the broadcast shape.
fn run_part<const N: usize, K>(
    sources: &[Source<'_>; 4],
    shape: &[usize],
    start: usize,
    mut out: [&mut [f64]; N],
    kernel: &K,
) -> Result<(), Located>
where
    K: Fn([&[f64]; 4], [&mut [f64]; N]) -> Result<(), GeodistError>,
{
    let end = start + out[0].len();
    if let [
        Source::Contiguous(a),
        Source::Contiguous(b),
        Source::Contiguous(c),
        Source::Contiguous(d),
    ] = sources
    {
        let inputs = [&a[start..end], &b[start..end], &c[start..end], &d[start..end]];
        return kernel(inputs, out).map_err(|error| Located { error, offset: start });
    }

    let chunk_len = (end - start).min(CHUNK_LEN);
    let mut readers = sources.each_ref().map(|source| Reader::new(source, shape, start, chunk_len));
    let mut chunk_start = start;
    while chunk_start < end {
        let chunk_end = end.min(chunk_start + CHUNK_LEN);
        let [a, b, c, d] = &mut readers;
        let inputs = [
            a.next(chunk_start, chunk_end),
            b.next(chunk_start, chunk_end),
            c.next(chunk_start, chunk_end),
            d.next(chunk_start, chunk_end),
        ];
        let outputs = out.each_mut().map(|out| &mut out[chunk_start - start..chunk_end - start]);
        kernel(inputs, outputs).map_err(|error| Located { error, offset: chunk_start })?;
        chunk_start = chunk_end;
    }
    Ok(())
}

/// Produces one argument's values chunk by chunk, borrowing where it can.
enum Reader<'a, 's> {
    Contiguous(&'a [f64]),
    Constant(&'a [f64]),
    Strided(StridedReader<'a, 's>),
}

impl<'a, 's> Reader<'a, 's> {
    /// A reader whose first chunk starts at flat element `start`.
    fn new(source: &'a Source<'s>, shape: &'a [usize], start: usize, chunk_len: usize) -> Self {
        match source {
            Source::Contiguous(slice) => Reader::Contiguous(slice),
            Source::Constant(values) => Reader::Constant(values),
            Source::Strided { view, strides } => {
                Reader::Strided(StridedReader::new(view, strides, shape, start, chunk_len))
            }
        }
    }

    /// The values for output elements `start..end`; chunks are requested in order.
    fn next(&mut self, start: usize, end: usize) -> &[f64] {
        match self {
            Reader::Contiguous(slice) => &slice[start..end],
            Reader::Constant(values) => &values[..end - start],
            Reader::Strided(reader) => reader.next(end - start),
        }
    }
}

/// Reads a strided view in C order: runs along the last axis, then a carry into the outer axes.
struct StridedReader<'a, 's> {
    view: &'a ArrayViewD<'s, f64>,
    /// Strides (in elements) and lengths of the broadcast shape.
    strides: &'a [isize],
    shape: &'a [usize],
    /// The index of the next element to read.
    index: Vec<usize>,
    buffer: Vec<f64>,
}

impl<'a, 's> StridedReader<'a, 's> {
    fn new(
        view: &'a ArrayViewD<'s, f64>,
        strides: &'a [isize],
        shape: &'a [usize],
        start: usize,
        chunk_len: usize,
    ) -> Self {
        // The C-order multi-index of flat element `start`.
        let mut index = vec![0; shape.len()];
        let mut rest = start;
        for (i, &len) in index.iter_mut().zip(shape).rev() {
            *i = rest % len.max(1);
            rest /= len.max(1);
        }
        StridedReader { view, strides, shape, index, buffer: vec![0.0; chunk_len] }
    }

    fn next(&mut self, len: usize) -> &[f64] {
        let (shape, strides) = (self.shape, self.strides);
        let last = shape.len() - 1;
        let base = self.view.as_ptr();
        let mut filled = 0;
        while filled < len {
            let run = (shape[last] - self.index[last]).min(len - filled);
            let offset: isize =
                self.index.iter().zip(strides).map(|(&i, &stride)| i as isize * stride).sum();
            let buffer = &mut self.buffer[filled..filled + run];
            // SAFETY (all three arms): `index + j` for `j < run` stays inside the broadcast shape
            // along the last axis, and an axis that the view does not have, or has with length 1,
            // has stride 0; so every offset addresses one of the view's elements. The view
            // borrows a readonly array for as long as this reader lives.
            match strides[last] {
                0 => buffer.fill(unsafe { *base.offset(offset) }),
                1 => buffer
                    .copy_from_slice(unsafe { slice::from_raw_parts(base.offset(offset), run) }),
                stride => {
                    for (j, value) in buffer.iter_mut().enumerate() {
                        *value = unsafe { *base.offset(offset + j as isize * stride) };
                    }
                }
            }
            filled += run;
            self.index[last] += run;
            // Carry; after the last element the index runs past the end, and is never read.
            for axis in (1..=last).rev() {
                if self.index[axis] < shape[axis] {
                    break;
                }
                self.index[axis] = 0;
                self.index[axis - 1] += 1;
            }
        }
        &self.buffer[..len]
    }
}
