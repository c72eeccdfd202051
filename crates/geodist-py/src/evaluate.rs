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
//! Every batch runs in chunks of `CHUNK_LEN` elements, claimed in order from a shared queue by
//! the calling thread and, for long batches, by helper threads (see `threads`). Each element is
//! computed by the same code whatever chunk it falls in, so the results are bit-identical to a
//! single-threaded run; an invalid element is reported from the first chunk that has one, which
//! is the one at the lowest index, as without threads. Between its chunks the calling thread
//! checks for signals (see `gil`), so that Ctrl-C stops a long batch within milliseconds.
//!
//! The kernels see flat slices and report a flat index into (a chunk of) the broadcast result;
//! the error raised names the position in the argument as the caller passed it (`lat1[1, 2]`).

use std::fmt::Write;
use std::slice;
use std::sync::{Mutex, MutexGuard, PoisonError};

use geodist::{GeodistError, Position};
use numpy::ndarray::ArrayViewD;
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::coords::{Coord, coord};
use crate::error::{GeodistError as PyGeodistError, exception, format_shape, message};
use crate::gil::Interrupted;
use crate::{alloc, gil, threads};

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

/// Elements per chunk: 4 gathered inputs x 2048 x 8 bytes stays in L2, and a chunk is at most a
/// few milliseconds of work, which is how long helper threads take to stop.
const CHUNK_LEN: usize = 2048;

/// Signal checks on the calling thread come every this many times `per_thread` elements: about
/// 16 ms of work (`per_thread` is about 1 ms of it), well within the tenth of a second in which
/// Ctrl-C should take effect, and rare enough that re-acquiring the GIL costs nothing measurable
/// (on a loaded machine, the clock brings them sooner; see `gil`).
const CHECK_EVERY_PER_THREAD: usize = 16;

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
    let outputs: Vec<_> = (0..N).map(|_| alloc::zeros(py, &shape)).collect::<PyResult<_>>()?;
    let outputs: [Bound<'py, PyArrayDyn<f64>>; N] =
        outputs.try_into().expect("one array was made for each output");
    // The outputs are new arrays that no one else can see yet, so borrowing them cannot fail.
    let mut writers = outputs.each_ref().map(|output| output.readwrite());
    let out_slices = writers
        .each_mut()
        .map(|writer| writer.as_slice_mut().expect("a new array is contiguous and aligned"));
    let len = shape.iter().product::<usize>();
    let sources = coords.each_ref().map(|coord| Source::new(coord, &shape, len.min(CHUNK_LEN)));

    let queue = Queue::new(out_slices);
    let share = |after_chunk: &mut dyn FnMut(usize) -> Result<(), Interrupted>| {
        work(&queue, &sources, &shape, &kernel, after_chunk);
    };
    if len >= GIL_RELEASE_MIN_LEN {
        let threads = threads::count(py, len, per_thread)?;
        let check_every = CHECK_EVERY_PER_THREAD * per_thread;
        gil::detach(py, check_every, |signals| {
            threads::run_with_helpers(
                threads,
                || share(&mut |len| signals.check(len)),
                || {
                    share(&mut |_| {
                        gil::chunk_finished();
                        Ok(())
                    });
                },
            );
        })?;
    } else {
        share(&mut |_| Ok(()));
    }
    if let Some(located) = queue.first_error() {
        return Err(located_error(located.error, names, &shapes, &shape, located.offset));
    }
    drop(writers); // Ends the borrows of `outputs`, which are handed out next.
    Ok(Evaluated::Array(outputs))
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

/// The chunks of the broadcast result, handed out in order to whichever thread asks next, and
/// the first invalid element found in them.
struct Queue<'o, const N: usize> {
    state: Mutex<QueueState<'o, N>>,
}

struct QueueState<'o, const N: usize> {
    /// The flat index of the next chunk's first element.
    next: usize,
    /// What is left of each output.
    rest: [&'o mut [f64]; N],
    /// Set when no more chunks should be handed out: an invalid element was found (every chunk
    /// before it has been handed out already, in order), or the call was interrupted.
    stopped: bool,
    /// The invalid element found at the lowest index.
    error: Option<Located>,
}

impl<'o, const N: usize> Queue<'o, N> {
    fn new(outputs: [&'o mut [f64]; N]) -> Self {
        Queue {
            state: Mutex::new(QueueState { next: 0, rest: outputs, stopped: false, error: None }),
        }
    }

    fn state(&self) -> MutexGuard<'_, QueueState<'o, N>> {
        // A thread that panicked holding the lock left the state consistent: each change is a
        // single assignment. Its panic is raised again when the threads are joined.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next chunk: the flat index of its first element, and its part of each output. An
    /// empty batch is one empty chunk, so that the kernel still validates its other arguments
    /// (a radius).
    fn claim(&self) -> Option<(usize, [&'o mut [f64]; N])> {
        let mut state = self.state();
        let len = state.rest[0].len().min(CHUNK_LEN);
        if state.stopped || (len == 0 && state.next > 0) {
            return None;
        }
        let pieces = state.rest.each_mut().map(|rest| {
            let (piece, rest_after) = std::mem::take(rest).split_at_mut(len);
            *rest = rest_after;
            piece
        });
        let start = state.next;
        // An empty batch's one chunk moves `next` past 0 too, so that it is handed out once.
        state.next += len.max(1);
        Some((start, pieces))
    }

    /// Records an invalid element, and hands out no more chunks.
    fn fail(&self, located: Located) {
        let mut state = self.state();
        state.stopped = true;
        if state.error.as_ref().is_none_or(|first| located.offset < first.offset) {
            state.error = Some(located);
        }
    }

    fn stop(&self) {
        self.state().stopped = true;
    }

    fn first_error(self) -> Option<Located> {
        self.state.into_inner().unwrap_or_else(PoisonError::into_inner).error
    }
}

/// One thread's share of a batch: claims chunks until none are left, running the kernel on
/// each, and calls `after_chunk` with the chunk's length after each (the calling thread checks
/// for signals there); an error from it means stop.
fn work<const N: usize, K>(
    queue: &Queue<'_, N>,
    sources: &[Source<'_>; 4],
    shape: &[usize],
    kernel: &K,
    after_chunk: &mut dyn FnMut(usize) -> Result<(), Interrupted>,
) where
    K: Fn([&[f64]; 4], [&mut [f64]; N]) -> Result<(), GeodistError>,
{
    let mut readers = sources.each_ref().map(|source| Reader::new(source, shape));
    while let Some((start, out)) = queue.claim() {
        let len = out[0].len();
        let [a, b, c, d] = &mut readers;
        let inputs =
            [a.read(start, len), b.read(start, len), c.read(start, len), d.read(start, len)];
        if let Err(error) = kernel(inputs, out) {
            queue.fail(Located { error, offset: start });
            return;
        }
        if after_chunk(len).is_err() {
            queue.stop();
            return;
        }
    }
}

/// Produces one argument's values chunk by chunk, borrowing where it can.
enum Reader<'a, 's> {
    Contiguous(&'a [f64]),
    Constant(&'a [f64]),
    Strided(StridedReader<'a, 's>),
}

impl<'a, 's> Reader<'a, 's> {
    fn new(source: &'a Source<'s>, shape: &'a [usize]) -> Self {
        match source {
            Source::Contiguous(slice) => Reader::Contiguous(slice),
            Source::Constant(values) => Reader::Constant(values),
            Source::Strided { view, strides } => {
                Reader::Strided(StridedReader::new(view, strides, shape))
            }
        }
    }

    /// The values for output elements `start..start + len`, where `len` is at most a chunk.
    fn read(&mut self, start: usize, len: usize) -> &[f64] {
        match self {
            Reader::Contiguous(slice) => &slice[start..start + len],
            Reader::Constant(values) => &values[..len],
            Reader::Strided(reader) => reader.read(start, len),
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
    fn new(view: &'a ArrayViewD<'s, f64>, strides: &'a [isize], shape: &'a [usize]) -> Self {
        let chunk_len = shape.iter().product::<usize>().min(CHUNK_LEN);
        StridedReader {
            view,
            strides,
            shape,
            index: vec![0; shape.len()],
            buffer: vec![0.0; chunk_len],
        }
    }

    fn read(&mut self, start: usize, len: usize) -> &[f64] {
        let (shape, strides) = (self.shape, self.strides);
        // The C-order multi-index of flat element `start`.
        let mut rest = start;
        for (i, &axis_len) in self.index.iter_mut().zip(shape).rev() {
            *i = rest % axis_len.max(1);
            rest /= axis_len.max(1);
        }
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
