//! The Python surface (PyO3): the extension module `redflag._redflag`,
//! re-exported by the package `redflag` (python/redflag/__init__.py).
//!
//! Only conversions live here: Python dicts to submissions and JSON-shaped
//! results back, bytes to signatures, errors to exceptions. Screening,
//! signatures and linking are the `redflag` crate's (`redflag::Engine`,
//! `redflag::link`), so the package gives the results the CLI and the npm
//! package give. Every failure is a Python exception with a message; the
//! engine does not panic on bad input, and PyO3 turns a panic that slipped
//! through into `pyo3_runtime.PanicException`, never an abort.
//!
//! Batch calls (`screen_many`, `signatures`, `link`) release the GIL while
//! they work and spread the ads over threads.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use serde_json::{Map, Number, Value};

use redflag::link::{self, LinkOptions, Linker, Picture, Signature, SignatureOptions};
use redflag::{Error, Limits, Pack, ScreenOptions, Submission, Thresholds, Tier};

create_exception!(
    redflag,
    RedflagError,
    PyException,
    "Base class of the errors redflag raises."
);
create_exception!(
    redflag,
    PackError,
    RedflagError,
    "A rule pack is invalid. `problems` lists each problem as {'pack', 'path', 'message'}."
);
create_exception!(
    redflag,
    LimitError,
    RedflagError,
    "A limit was exceeded (an ad larger than max_input_bytes, more ads than max_ads, …). \
     `limit`, `max` and `actual` say which and by how much."
);
create_exception!(
    redflag,
    SubmissionError,
    RedflagError,
    "An ad could not be read: not a dict, a `section` that is not a string, a `verdict` \
     that is not a tier."
);

/// Deepest nesting of lists and dicts read from an ad (members other than
/// text are ignored, but are read to be checked).
const MAX_DEPTH: usize = 64;
/// Ads converted, then screened without the GIL, at a time.
const BATCH: usize = 4096;

/// The exception for an engine error; `what` ("ad 3") prefixes the message.
fn py_err(py: Python<'_>, e: Error, what: Option<&str>) -> PyErr {
    let msg = match what {
        Some(w) => format!("{w}: {e}"),
        None => e.to_string(),
    };
    let err = match &e {
        Error::Pack(_) => PackError::new_err(msg),
        Error::Limit { .. } => LimitError::new_err(msg),
        Error::Submission(_) => SubmissionError::new_err(msg),
        _ => RedflagError::new_err(msg),
    };
    let value = err.value(py);
    // Attributes set on a fresh exception object: cannot fail in practice,
    // and the message says it all if they did.
    match &e {
        Error::Pack(problems) => {
            if let Ok(v) = serde_json::to_value(problems) {
                if let Ok(list) = to_py(py, &v) {
                    let _ = value.setattr("problems", list);
                }
            }
        }
        Error::Limit { limit, max, actual } => {
            let _ = value.setattr("limit", *limit);
            let _ = value.setattr("max", *max);
            let _ = value.setattr("actual", *actual);
        }
        _ => {}
    }
    err
}

/// A Python object as JSON: what `Submission::from_json` reads. Objects of
/// other types (a date, a numpy number) become `null`: like every member
/// that is not text, they are not fields.
fn to_json(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(SubmissionError::new_err(format!(
            "lists and dicts nested deeper than {MAX_DEPTH}"
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        // An integer past 64 bits: a number all the same.
        return Ok(Number::from_f64(obj.extract::<f64>().unwrap_or(0.0))
            .map(Value::Number)
            .unwrap_or(Value::Null));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Number::from_f64(f.value())
            .map(Value::Number)
            .unwrap_or(Value::Null));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let Ok(k) = k.cast::<PyString>() else {
                return Err(SubmissionError::new_err(format!(
                    "keys must be strings, got {}",
                    type_name(&k)
                )));
            };
            map.insert(k.to_cow()?.into_owned(), to_json(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in obj.try_iter()? {
            out.push(to_json(&item?, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    Ok(Value::Null)
}

/// JSON as Python objects.
fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(to_py(py, x)?)?;
            }
            list.into_any()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(k, to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// An ad (a dict) as JSON, with the `id` it carries.
fn ad_value(ad: &Bound<'_, PyAny>) -> PyResult<Value> {
    if !ad.is_instance_of::<PyDict>() {
        return Err(SubmissionError::new_err(format!(
            "an ad must be a dict like {{'section': 'jobs', 'title': '…', 'body': '…'}}, got {}",
            type_name(ad)
        )));
    }
    to_json(ad, 0)
}

/// The submission of an ad, with `section` for an ad that gives none.
fn submission(value: &Value, section: Option<&str>) -> Result<Submission, Error> {
    let mut sub = Submission::from_json(value)?;
    if sub.get_section().is_none() {
        if let Some(s) = section {
            sub = sub.section(s);
        }
    }
    Ok(sub)
}

/// The ad's `id`, if it has one, as given.
fn ad_id<'py>(ad: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match ad.cast::<PyDict>() {
        Ok(d) => d.get_item("id"),
        Err(_) => Ok(None),
    }
}

/// A deployment key: bytes, or text as UTF-8, without a final line break
/// (as the CLI reads a key file); at least 16 bytes.
fn read_key(key: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<Vec<u8>>> {
    let Some(key) = key.filter(|k| !k.is_none()) else {
        return Ok(None);
    };
    let mut k: Vec<u8> = if let Ok(b) = key.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else if let Ok(b) = key.cast::<PyByteArray>() {
        b.to_vec()
    } else if let Ok(s) = key.cast::<PyString>() {
        s.to_cow()?.as_bytes().to_vec()
    } else {
        return Err(PyTypeError::new_err(format!(
            "{what} must be bytes or str, got {}",
            type_name(key)
        )));
    };
    while k.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        k.pop();
    }
    if k.len() < 16 {
        return Err(PyValueError::new_err(format!(
            "{what} must be at least 16 bytes (use a random secret, e.g. os.urandom(32)); got {}",
            k.len()
        )));
    }
    Ok(Some(k))
}

/// A signature given as bytes (or a bytearray, as PySpark's rows hold them).
fn read_signature(sig: &Bound<'_, PyAny>) -> PyResult<Signature> {
    let bytes: Vec<u8> = if let Ok(b) = sig.cast::<PyBytes>() {
        return Signature::from_bytes(b.as_bytes())
            .map_err(|e| PyValueError::new_err(e.to_string()));
    } else if let Ok(b) = sig.cast::<PyByteArray>() {
        b.to_vec()
    } else {
        return Err(PyTypeError::new_err(format!(
            "a signature is the bytes redflag.signature() returns, got {}",
            type_name(sig)
        )));
    };
    Signature::from_bytes(&bytes).map_err(|e| PyValueError::new_err(e.to_string()))
}

fn threads(n: Option<usize>) -> PyResult<usize> {
    match n {
        Some(0) => Err(PyValueError::new_err("threads must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism()
            .map(NonZeroUsize::get)
            .unwrap_or(1)),
    }
}

/// `f` over `items`, in order, on up to `threads` threads.
fn par_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if threads <= 1 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                // Passed on to PyO3, which raises PanicException.
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        out
    })
}

fn read_thresholds(t: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Thresholds>> {
    let Some(t) = t.filter(|t| !t.is_none()) else {
        return Ok(None);
    };
    if let Ok((warn, review, block)) = t.extract::<(f64, f64, f64)>() {
        return Ok(Some(Thresholds {
            warn,
            review,
            block,
        }));
    }
    if t.is_instance_of::<PyDict>() {
        return serde_json::from_value(to_json(t, 0)?)
            .map(Some)
            .map_err(|e| PyValueError::new_err(format!("thresholds: {e}")));
    }
    Err(PyTypeError::new_err(
        "thresholds must be (warn, review, block) or {'warn': …, 'review': …, 'block': …}",
    ))
}

fn read_limits(l: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Limits>> {
    let Some(l) = l.filter(|l| !l.is_none()) else {
        return Ok(None);
    };
    if !l.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err(
            "limits must be a dict such as {'max_input_bytes': 65536}",
        ));
    }
    serde_json::from_value(to_json(l, 0)?)
        .map(Some)
        .map_err(|e| PyValueError::new_err(format!("limits: {e}")))
}

/// The OSError of a file that cannot be read, with its path.
fn os_err(path: &Path, e: std::io::Error) -> PyErr {
    match e.raw_os_error() {
        // OSError(errno, strerror, filename) is raised as its subclass
        // (FileNotFoundError, …) and reads as Python's own: "[Errno 2] No
        // such file or directory: 'site.toml'".
        Some(errno) => {
            let text = e.to_string();
            let strerror = text
                .strip_suffix(&format!(" (os error {errno})"))
                .unwrap_or(&text)
                .to_string();
            PyOSError::new_err((errno, strerror, path.display().to_string()))
        }
        None => PyOSError::new_err(format!("{}: {e}", path.display())),
    }
}

/// The pack files of a path: the file, or every .toml and .json file
/// under a folder, in name order (as the CLI's `--pack`).
fn pack_files(path: &Path, out: &mut Vec<PathBuf>) -> PyResult<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| os_err(path, e))?
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        let before = out.len();
        for p in entries {
            if p.is_dir() {
                pack_files(&p, out)?;
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("toml" | "json")
            ) {
                out.push(p);
            }
        }
        if out.len() == before {
            return Err(PackError::new_err(format!(
                "{}: no .toml or .json packs found",
                path.display()
            )));
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// A pack given as text: JSON if it starts with `{`, else TOML.
fn parse_pack(text: &str) -> Result<Pack, Error> {
    if text.trim_start().starts_with('{') {
        Pack::from_json(text)
    } else {
        Pack::from_toml(text)
    }
}

/// A compiled rule engine: the built-in packs (`Engine()`), or packs of
/// your own (`Engine.from_packs`). Thread-safe; build it once and reuse it
/// (building compiles every pack).
#[pyclass(frozen, module = "redflag")]
struct Engine {
    inner: redflag::Engine,
}

fn build_engine(
    py: Python<'_>,
    packs: Vec<Pack>,
    default_packs: bool,
    entity_key: Option<&Bound<'_, PyAny>>,
    thresholds: Option<&Bound<'_, PyAny>>,
    limits: Option<&Bound<'_, PyAny>>,
) -> PyResult<Engine> {
    let mut b = redflag::Engine::builder();
    if default_packs {
        b = b.default_packs();
    }
    for p in packs {
        b = b.pack(p);
    }
    if let Some(k) = read_key(entity_key, "entity_key")? {
        b = b.entity_key(k);
    }
    if let Some(t) = read_thresholds(thresholds)? {
        b = b.thresholds(t);
    }
    if let Some(l) = read_limits(limits)? {
        b = b.limits(l);
    }
    let inner = py.detach(|| b.build()).map_err(|e| py_err(py, e, None))?;
    Ok(Engine { inner })
}

#[pymethods]
impl Engine {
    /// The built-in packs. `entity_key` (bytes, 16 or more) makes
    /// `screen(..., entities=True)` hash contacts with the deployment key;
    /// `thresholds` overrides the packs' (warn, review, block); `limits`
    /// overrides limits by name ({'max_input_bytes': 65536}).
    #[new]
    #[pyo3(signature = (*, entity_key=None, thresholds=None, limits=None))]
    fn new(
        py: Python<'_>,
        entity_key: Option<&Bound<'_, PyAny>>,
        thresholds: Option<&Bound<'_, PyAny>>,
        limits: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Engine> {
        build_engine(py, Vec::new(), true, entity_key, thresholds, limits)
    }

    /// An engine of the given packs, each a path (a pack file, .toml or
    /// .json, or a folder of them) or a pack's text.
    #[staticmethod]
    #[pyo3(signature = (packs, *, default_packs=false, entity_key=None, thresholds=None, limits=None))]
    fn from_packs(
        py: Python<'_>,
        packs: &Bound<'_, PyAny>,
        default_packs: bool,
        entity_key: Option<&Bound<'_, PyAny>>,
        thresholds: Option<&Bound<'_, PyAny>>,
        limits: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Engine> {
        if packs.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "packs must be a list of paths or pack texts, not one string",
            ));
        }
        let mut parsed = Vec::new();
        for (i, item) in packs.try_iter()?.enumerate() {
            let item = item?;
            if let Ok(s) = item.cast::<PyString>() {
                let s = s.to_cow()?;
                let t = s.trim_start();
                if t.starts_with('{') || s.contains('\n') {
                    let p = parse_pack(&s)
                        .map_err(|e| py_err(py, e, Some(&format!("pack #{}", i + 1))))?;
                    parsed.push(p);
                    continue;
                }
            }
            let path: PathBuf = item.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "pack #{}: a path (str or os.PathLike) or a pack's text, got {}",
                    i + 1,
                    type_name(&item)
                ))
            })?;
            let mut files = Vec::new();
            pack_files(&path, &mut files)?;
            for f in files {
                let text = std::fs::read_to_string(&f).map_err(|e| os_err(&f, e))?;
                let p = if f.extension().and_then(|x| x.to_str()) == Some("json") {
                    Pack::from_json(&text)
                } else {
                    Pack::from_toml(&text)
                };
                parsed.push(p.map_err(|e| py_err(py, e, Some(&f.display().to_string())))?);
            }
        }
        build_engine(py, parsed, default_packs, entity_key, thresholds, limits)
    }

    /// Screens one ad: a dict whose `section` (optional) is a string and
    /// whose other string members (except `id`) are text fields. Returns
    /// the verdict as `redflag scan` writes it (with the ad's `id`).
    #[pyo3(signature = (ad, *, section=None, entities=false, raw_values=false))]
    fn screen<'py>(
        &self,
        py: Python<'py>,
        ad: &Bound<'py, PyAny>,
        section: Option<&str>,
        entities: bool,
        raw_values: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = ad_value(ad)?;
        let sub = submission(&value, section).map_err(|e| py_err(py, e, None))?;
        let opts = ScreenOptions {
            thresholds: None,
            entities,
            raw_values,
        };
        let v = py
            .detach(|| self.inner.screen_with_options(&sub, &opts))
            .map_err(|e| py_err(py, e, None))?;
        verdict_dict(py, ad_id(ad)?, &v)
    }

    /// Screens many ads, in order, on `threads` threads (all cores by
    /// default; 1 on a Spark executor, where each task has one core).
    /// With `errors="return"`, an ad that fails gives `{'id'?, 'error'}`
    /// (as `redflag scan` writes it) instead of raising.
    #[pyo3(signature = (ads, *, section=None, entities=false, raw_values=false, threads=None, errors="raise"))]
    #[allow(clippy::too_many_arguments)]
    fn screen_many<'py>(
        &self,
        py: Python<'py>,
        ads: &Bound<'py, PyAny>,
        section: Option<&str>,
        entities: bool,
        raw_values: bool,
        threads: Option<usize>,
        errors: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let keep_errors = match errors {
            "raise" => false,
            "return" => true,
            e => {
                return Err(PyValueError::new_err(format!(
                    "errors must be \"raise\" or \"return\", got {e:?}"
                )))
            }
        };
        let n = crate::threads(threads)?;
        let opts = ScreenOptions {
            thresholds: None,
            entities,
            raw_values,
        };
        let out = PyList::empty(py);
        let mut batch: Vec<(Bound<'py, PyAny>, Result<Submission, PyErr>)> = Vec::new();
        let mut done = 0usize;
        let flush = |batch: &mut Vec<(Bound<'py, PyAny>, Result<Submission, PyErr>)>,
                     done: &mut usize|
         -> PyResult<()> {
            let subs: Vec<Option<&Submission>> =
                batch.iter().map(|(_, s)| s.as_ref().ok()).collect();
            let verdicts = py.detach(|| {
                par_map(&subs, n, |s| {
                    s.map(|s| self.inner.screen_with_options(s, &opts))
                })
            });
            for ((ad, sub), v) in batch.drain(..).zip(verdicts) {
                *done += 1;
                let id = ad_id(&ad)?;
                let failure = match (sub, v) {
                    (Ok(_), Some(Ok(v))) => {
                        out.append(verdict_dict(py, id, &v)?)?;
                        continue;
                    }
                    (Ok(_), Some(Err(e))) => py_err(py, e, Some(&format!("ad {done}"))),
                    (Err(e), _) => e,
                    // Every ad read is screened: cannot happen.
                    (Ok(_), None) => {
                        RedflagError::new_err("internal error: an ad was not screened")
                    }
                };
                if !keep_errors {
                    return Err(failure);
                }
                let d = PyDict::new(py);
                if let Some(id) = id {
                    d.set_item("id", id)?;
                }
                d.set_item("error", failure.value(py).str()?)?;
                out.append(d)?;
            }
            Ok(())
        };
        for (i, ad) in ads.try_iter()?.enumerate() {
            let ad = ad?;
            let sub = ad_value(&ad)
                .and_then(|v| submission(&v, section).map_err(|e| py_err(py, e, None)))
                .map_err(|e| {
                    let msg = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
                    let ty = e.get_type(py);
                    PyErr::from_type(ty, format!("ad {}: {msg}", i + 1))
                });
            batch.push((ad, sub));
            if batch.len() >= BATCH {
                flush(&mut batch, &mut done)?;
            }
        }
        flush(&mut batch, &mut done)?;
        Ok(out)
    }

    /// The loaded packs: [{'id', 'version'}], in load order.
    #[getter]
    fn packs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_py(py, self.inner.packs())
    }

    /// The limits in force, by name.
    #[getter]
    fn limits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_py(py, self.inner.limits())
    }

    /// The thresholds in force: {'warn', 'review', 'block'}.
    #[getter]
    fn thresholds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_py(py, &self.inner.thresholds())
    }

    fn __repr__(&self) -> String {
        let packs: Vec<String> = self
            .inner
            .packs()
            .iter()
            .map(|p| format!("{}@{}", p.id, p.version))
            .collect();
        format!(
            "<redflag.Engine of {} packs: {}>",
            packs.len(),
            packs.join(", ")
        )
    }
}

/// A verdict as a dict: the ad's `id` first, as `redflag scan` writes it.
fn verdict_dict<'py>(
    py: Python<'py>,
    id: Option<Bound<'py, PyAny>>,
    v: &redflag::Verdict,
) -> PyResult<Bound<'py, PyAny>> {
    let verdict = json_py(py, v)?;
    let Some(id) = id else {
        return Ok(verdict);
    };
    let d = PyDict::new(py);
    d.set_item("id", id)?;
    d.call_method1("update", (verdict,))?;
    Ok(d.into_any())
}

/// The signature of an ad, as bytes (`Signature::to_bytes`): its MinHash,
/// its shingle sample and, with `contact_key`, its contacts' keyed hashes.
#[pyfunction]
#[pyo3(signature = (ad, contact_key=None))]
fn signature<'py>(
    py: Python<'py>,
    ad: &Bound<'py, PyAny>,
    contact_key: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let opts = SignatureOptions {
        key: read_key(contact_key, "contact_key")?,
    };
    let value = ad_value(ad)?;
    let sub = Submission::from_json(&value).map_err(|e| py_err(py, e, None))?;
    let bytes = py.detach(|| link::signature(&sub, &opts).to_bytes());
    Ok(PyBytes::new(py, &bytes))
}

/// The signatures of many ads, in order, on `threads` threads.
#[pyfunction]
#[pyo3(signature = (ads, contact_key=None, *, threads=None))]
fn signatures<'py>(
    py: Python<'py>,
    ads: &Bound<'py, PyAny>,
    contact_key: Option<&Bound<'py, PyAny>>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyList>> {
    let opts = SignatureOptions {
        key: read_key(contact_key, "contact_key")?,
    };
    let n = crate::threads(threads)?;
    let mut subs = Vec::new();
    for (i, ad) in ads.try_iter()?.enumerate() {
        let what = format!("ad {}", i + 1);
        let value = ad_value(&ad?).map_err(|e| prefix(py, e, &what))?;
        subs.push(Submission::from_json(&value).map_err(|e| py_err(py, e, Some(&what)))?);
    }
    let sigs = py.detach(|| par_map(&subs, n, |s| link::signature(s, &opts).to_bytes()));
    let out = PyList::empty(py);
    for s in sigs {
        out.append(PyBytes::new(py, &s))?;
    }
    Ok(out)
}

/// The same exception with `what: ` before its message.
fn prefix(py: Python<'_>, e: PyErr, what: &str) -> PyErr {
    let msg = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    PyErr::from_type(e.get_type(py), format!("{what}: {msg}"))
}

/// A signature's parts: {'version', 'shingles', 'minhash', 'sample',
/// 'contacts': [{'kind', 'hash'}]}.
#[pyfunction]
fn signature_info<'py>(py: Python<'py>, sig: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let s = read_signature(sig)?;
    let d = PyDict::new(py);
    d.set_item("version", link::SIGNATURE_VERSION)?;
    d.set_item("shingles", s.shingles)?;
    d.set_item("minhash", PyList::new(py, &s.minhash)?)?;
    d.set_item("sample", PyList::new(py, &s.sample)?)?;
    let contacts = PyList::empty(py);
    for c in &s.contacts {
        let x = PyDict::new(py);
        x.set_item("kind", c.kind.as_str())?;
        x.set_item("hash", &c.hash)?;
        contacts.append(x)?;
    }
    d.set_item("contacts", contacts)?;
    Ok(d.into_any())
}

/// The exact Jaccard similarity of two ads' shingle samples: what `link`
/// compares with its threshold.
#[pyfunction]
fn jaccard(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<f64> {
    Ok(read_signature(a)?.jaccard(&read_signature(b)?))
}

/// The MinHash estimate of the Jaccard similarity (the share of the 128
/// MinHash values the two agree on).
#[pyfunction]
fn similarity(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<f64> {
    Ok(read_signature(a)?.similarity(&read_signature(b)?))
}

fn check_threshold(t: f64) -> PyResult<f64> {
    if t.is_finite() && (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(PyValueError::new_err(format!(
            "threshold must be from 0 to 1, got {t}"
        )))
    }
}

/// The rows per LSH band for a threshold (4 at 0.5: 32 bands).
#[pyfunction]
#[pyo3(signature = (threshold=0.5))]
fn lsh_rows(threshold: f64) -> PyResult<usize> {
    Ok(link::lsh_rows(check_threshold(threshold)?))
}

/// The LSH band keys of a signature for a threshold: ads that share a key
/// are candidates. 64-bit integers, or signed ones (Spark's LongType) with
/// `signed=True`. Empty for an ad without words.
#[pyfunction]
#[pyo3(signature = (sig, threshold=0.5, *, signed=false))]
fn band_keys<'py>(
    py: Python<'py>,
    sig: &Bound<'py, PyAny>,
    threshold: f64,
    signed: bool,
) -> PyResult<Bound<'py, PyList>> {
    let keys = read_signature(sig)?.band_keys(link::lsh_rows(check_threshold(threshold)?));
    if signed {
        PyList::new(py, keys.iter().map(|k| *k as i64))
    } else {
        PyList::new(py, keys)
    }
}

/// What `link` keeps of a record until the clusters are written.
struct Record<'py> {
    ad: Bound<'py, PyAny>,
    id: Option<Bound<'py, PyAny>>,
}

/// Links ads that share a template, a contact or a picture, as `redflag
/// link` does, and returns its clusters, the most serious first.
#[pyfunction(name = "link")]
#[pyo3(signature = (records, *, threshold=0.5, contact_key=None, engine=None, screen=true, link_urls=false, section=None, max_ads=2_000_000, threads=None, image_threshold=31, image_min_quality=50, image_common=1000))]
#[allow(clippy::too_many_arguments)]
fn link_ads<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    threshold: f64,
    contact_key: Option<&Bound<'py, PyAny>>,
    engine: Option<&Bound<'py, Engine>>,
    screen: bool,
    link_urls: bool,
    section: Option<&str>,
    max_ads: usize,
    threads: Option<usize>,
    image_threshold: u32,
    image_min_quality: u8,
    image_common: usize,
) -> PyResult<Bound<'py, PyList>> {
    let threshold = check_threshold(threshold)?;
    if image_threshold > link::MAX_IMAGE_THRESHOLD {
        return Err(PyValueError::new_err(format!(
            "image_threshold must be from 0 to {}, got {image_threshold}",
            link::MAX_IMAGE_THRESHOLD
        )));
    }
    if image_min_quality > 100 {
        return Err(PyValueError::new_err(format!(
            "image_min_quality must be from 0 to 100, got {image_min_quality}"
        )));
    }
    if image_common < 2 {
        return Err(PyValueError::new_err(format!(
            "image_common must be 2 or more, got {image_common}"
        )));
    }
    if max_ads == 0 || max_ads > 50_000_000 {
        return Err(PyValueError::new_err(format!(
            "max_ads must be from 1 to 50,000,000, got {max_ads}"
        )));
    }
    let n = crate::threads(threads)?;
    let key = match read_key(contact_key, "contact_key")? {
        Some(k) => k,
        // As the CLI: hashes that link ads within this call and mean
        // nothing outside it.
        None => py
            .import("os")?
            .call_method1("urandom", (32,))?
            .extract::<Vec<u8>>()?,
    };
    let sig_opts = SignatureOptions { key: Some(key) };
    let default_engine;
    let engine: Option<&redflag::Engine> = match (screen, engine) {
        (false, _) => None,
        (true, Some(e)) => Some(&e.get().inner),
        (true, None) => {
            default_engine = py
                .detach(|| redflag::Engine::builder().default_packs().build())
                .map_err(|e| py_err(py, e, None))?;
            Some(&default_engine)
        }
    };
    let mut linker = Linker::new(&LinkOptions {
        threshold,
        link_urls,
        max_ads,
        image_threshold,
        image_min_quality,
        image_common,
    });
    let mut kept: Vec<Record<'py>> = Vec::new();
    let mut batch: Vec<(Submission, Option<Tier>)> = Vec::new();
    let mut batch_pictures: Vec<Vec<Picture>> = Vec::new();
    let flush = |batch: &mut Vec<(Submission, Option<Tier>)>,
                 pictures: &mut Vec<Vec<Picture>>,
                 linker: &mut Linker|
     -> PyResult<()> {
        let first = linker.len();
        let done: Vec<Result<(Option<Tier>, Signature), Error>> = py.detach(|| {
            par_map(batch, n, |(sub, given)| {
                let tier = match (given, engine) {
                    (Some(t), _) => Some(*t),
                    (None, Some(e)) => Some(e.screen(sub)?.verdict),
                    (None, None) => None,
                };
                Ok((tier, link::signature(sub, &sig_opts)))
            })
        });
        batch.clear();
        for (i, (r, p)) in done.into_iter().zip(pictures.drain(..)).enumerate() {
            let what = format!("record {}", first + i + 1);
            let (tier, sig) = r.map_err(|e| py_err(py, e, Some(&what)))?;
            linker
                .add_with_pictures(sig, tier, &p)
                .map_err(|e| py_err(py, e, Some(&what)))?;
        }
        Ok(())
    };
    for (i, rec) in records.try_iter()?.enumerate() {
        let rec = rec?;
        let what = format!("record {}", i + 1);
        if i >= max_ads {
            return Err(py_err(
                py,
                Error::Limit {
                    limit: "max_ads",
                    max: max_ads,
                    actual: i + 1,
                },
                Some(&what),
            ));
        }
        let mut value = ad_value(&rec).map_err(|e| prefix(py, e, &what))?;
        let mut ad = link::ad_from_json(&mut value).map_err(|e| py_err(py, e, Some(&what)))?;
        if ad.submission.get_section().is_none() {
            if let Some(s) = section {
                ad.submission = ad.submission.section(s);
            }
        }
        batch.push((ad.submission, ad.verdict));
        batch_pictures.push(ad.pictures);
        kept.push(Record {
            id: ad_id(&rec)?,
            ad: rec,
        });
        if batch.len() >= BATCH {
            flush(&mut batch, &mut batch_pictures, &mut linker)?;
        }
    }
    flush(&mut batch, &mut batch_pictures, &mut linker)?;

    let mut links = py.detach(|| linker.finish());
    // The words of the sampled ads, for the template texts.
    let sampled = links.sampled();
    let mut subs = Vec::with_capacity(sampled.len());
    for &i in &sampled {
        let mut value = ad_value(&kept[i].ad)?;
        subs.push(
            link::ad_from_json(&mut value)
                .map_err(|e| py_err(py, e, None))?
                .submission,
        );
    }
    let clusters = py.detach(|| {
        let tokens = par_map(&subs, n, link::tokens);
        for (i, t) in sampled.iter().zip(tokens) {
            links.add_tokens(*i, t);
        }
        links.clusters()
    });

    let out = PyList::empty(py);
    for c in &clusters {
        let d = PyDict::new(py);
        d.set_item("cluster", c.cluster)?;
        d.set_item("size", c.size)?;
        d.set_item("verdict", c.verdict.map(Tier::as_str))?;
        d.set_item("tiers", json_py(py, &c.tiers)?)?;
        d.set_item("links", &c.links)?;
        d.set_item("templates", json_py(py, &c.templates)?)?;
        d.set_item("contacts", json_py(py, &c.contacts)?)?;
        d.set_item("images", json_py(py, &c.images)?)?;
        let members = PyList::empty(py);
        for m in &c.members {
            let x = PyDict::new(py);
            x.set_item("line", m.ad + 1)?;
            if let Some(id) = &kept[m.ad].id {
                x.set_item("id", id)?;
            }
            x.set_item("verdict", m.verdict.map(Tier::as_str))?;
            if let Some(t) = m.template {
                x.set_item("template", t)?;
            }
            if let Some(mark) = &m.mark {
                x.set_item("mark", mark)?;
            }
            members.append(x)?;
        }
        d.set_item("members", members)?;
        out.append(d)?;
    }
    Ok(out)
}

/// A serialisable value as Python objects, through its JSON text and
/// Python's `json.loads`, which keeps the members in the order the CLI
/// writes them.
fn json_py<'py, T: serde::Serialize + ?Sized>(
    py: Python<'py>,
    x: &T,
) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let text = serde_json::to_string(x)
        .map_err(|e| RedflagError::new_err(format!("cannot convert the result: {e}")))?;
    let loads = LOADS.get_or_try_init(py, || {
        py.import("json")?.getattr("loads").map(Bound::unbind)
    })?;
    loads.bind(py).call1((text,))
}

/// The native part of the `redflag` package.
#[pymodule]
fn _redflag(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SIGNATURE_VERSION", link::SIGNATURE_VERSION)?;
    m.add("MINHASH_LEN", link::MINHASH_LEN)?;
    m.add("RedflagError", py.get_type::<RedflagError>())?;
    m.add("PackError", py.get_type::<PackError>())?;
    m.add("LimitError", py.get_type::<LimitError>())?;
    m.add("SubmissionError", py.get_type::<SubmissionError>())?;
    m.add_class::<Engine>()?;
    m.add_function(wrap_pyfunction!(signature, m)?)?;
    m.add_function(wrap_pyfunction!(signatures, m)?)?;
    m.add_function(wrap_pyfunction!(signature_info, m)?)?;
    m.add_function(wrap_pyfunction!(jaccard, m)?)?;
    m.add_function(wrap_pyfunction!(similarity, m)?)?;
    m.add_function(wrap_pyfunction!(lsh_rows, m)?)?;
    m.add_function(wrap_pyfunction!(band_keys, m)?)?;
    m.add_function(wrap_pyfunction!(link_ads, m)?)?;
    Ok(())
}
