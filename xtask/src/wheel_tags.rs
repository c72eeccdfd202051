//! Wheel tags (PEP 425, PEP 803) as types: the CPython builds a release supports, the ABI
//! families its wheels are built in, the exact tags each wheel carries, and the wheel an
//! installer picks for an interpreter. Pure: the configuration, the plan, the build and verify
//! share it.
//!
//! Assumption: installers rank a CPython's tags as `packaging.tags.cpython_tags` does (pip and
//! uv follow it): its own ABI first, then its stable ABI — abi3 on a GIL build, abi3t on a
//! free-threaded one — at its own version, then `none`, then the stable ABI at each older version.
//! The tests hold the rule to wheel sets recorded from PyPI and from builds of this project.

use std::collections::BTreeSet;
use std::fmt;

/// The first free-threaded CPython that is supported rather than experimental (PEP 779); PyO3
/// and maturin build nothing free-threaded before it.
pub const FREE_THREADED_FLOOR: u32 = 14;
/// The first CPython with the free-threaded stable ABI, abi3t (PEP 803).
pub const ABI3T_FLOOR: u32 = 15;

/// One CPython build: `3.14` (with the GIL) or `3.14t` (free-threaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cpython {
    pub minor: u32,
    pub free_threaded: bool,
}

impl Cpython {
    pub fn gil(minor: u32) -> Cpython {
        Cpython { minor, free_threaded: false }
    }

    pub fn free_threaded(minor: u32) -> Cpython {
        Cpython { minor, free_threaded: true }
    }

    /// `3.10` or `3.14t`; free-threaded builds exist from 3.13 on.
    pub fn parse(s: &str) -> Result<Cpython, String> {
        let expected = || format!("`{s}` is not a CPython version: expected `3.X` or `3.Xt`");
        let minor = s.strip_prefix("3.").ok_or_else(expected)?;
        let (minor, free_threaded) = match minor.strip_suffix('t') {
            Some(minor) => (minor, true),
            None => (minor, false),
        };
        let minor = digits(minor).ok_or_else(expected)?;
        if free_threaded && minor < 13 {
            return Err(format!("`{s}` does not exist: free-threaded builds start with 3.13t"));
        }
        Ok(Cpython { minor, free_threaded })
    }

    /// How uv is asked for exactly this build: `3.14+gil` or `3.14t` (a bare `3.14` may let uv
    /// choose the free-threaded build when both are installed).
    pub fn uv_request(self) -> String {
        if self.free_threaded { self.to_string() } else { format!("3.{}+gil", self.minor) }
    }
}

impl fmt::Display for Cpython {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = if self.free_threaded { "t" } else { "" };
        write!(f, "3.{}{t}", self.minor)
    }
}

/// An ABI family, named as `[workspace.metadata.release] families` names it: by the ABI tag of
/// its wheels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `abi3`: the stable ABI of GIL builds (PEP 384), one wheel from its floor on.
    Abi3,
    /// `abi3.abi3t`: the stable ABI both builds load from 3.15 on (PEP 803).
    Abi3t,
    /// `cp314t`: one CPython build only.
    VersionSpecific(Cpython),
}

impl Family {
    pub fn parse(s: &str) -> Result<Family, String> {
        match Abi::parse(s) {
            Abi::Abi3 => Ok(Family::Abi3),
            Abi::Cpython(python) => Ok(Family::VersionSpecific(python)),
            _ if s == "abi3.abi3t" => Ok(Family::Abi3t),
            _ if s == "abi3t" => Err("unknown family `abi3t`: the free-threaded stable ABI is \
                                      built as `abi3.abi3t` (GIL builds load it too)"
                .to_owned()),
            _ => Err(format!(
                "unknown family `{s}`: expected `abi3`, `abi3.abi3t` or one CPython build like \
                 `cp314t`"
            )),
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Family::Abi3 => f.write_str("abi3"),
            Family::Abi3t => f.write_str("abi3.abi3t"),
            Family::VersionSpecific(python) => Abi::Cpython(*python).fmt(f),
        }
    }
}

/// The interpreter and ABI tags one wheel carries: `cp310-abi3`, `cp314-cp314t`,
/// `cp315-abi3.abi3t`. `python` is the minor version of its `cp3XY` interpreter tag: the oldest
/// CPython it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WheelAbi {
    pub family: Family,
    pub python: u32,
}

impl WheelAbi {
    /// Its ABI tags, uncompressed.
    pub fn abis(self) -> Vec<Abi> {
        match self.family {
            Family::Abi3 => vec![Abi::Abi3],
            Family::Abi3t => vec![Abi::Abi3, Abi::Abi3t],
            Family::VersionSpecific(python) => vec![Abi::Cpython(python)],
        }
    }

    /// Every tag a wheel of this ABI for the (compressed) platform tag `platform` carries.
    pub fn tags(self, platform: &str) -> BTreeSet<Tag> {
        let mut tags = BTreeSet::new();
        for abi in self.abis() {
            for platform in platform.split('.') {
                let interpreter = Interpreter::Cpython(self.python);
                tags.insert(Tag { interpreter, abi: abi.clone(), platform: platform.to_owned() });
            }
        }
        tags
    }
}

impl fmt::Display for WheelAbi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cp3{}-{}", self.python, self.family)
    }
}

/// The stable ABIs the extension's pyo3 features select, each with the oldest CPython it
/// targets: `abi3-py310` is abi3 from 3.10, `abi3t-py315` abi3t from 3.15.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StableAbis {
    pub abi3: Option<u32>,
    pub abi3t: Option<u32>,
}

impl StableAbis {
    /// The lowest `abi3-py3XY` and `abi3t-py3XY` wins, as in pyo3; an abi3t floor below 3.15 is
    /// 3.15, as maturin reads it. A bare `abi3` (the building interpreter's version) names no
    /// floor the plan could know, so it counts as none.
    pub fn from_pyo3_features(features: &[String]) -> StableAbis {
        let floor = |prefix: &str| {
            features.iter().filter_map(|f| digits(f.strip_prefix(prefix)?.strip_prefix('3')?)).min()
        };
        StableAbis {
            abi3: floor("abi3-py"),
            abi3t: floor("abi3t-py").map(|minor| minor.max(ABI3T_FLOOR)),
        }
    }

    /// The wheel of `family`, or why these features cannot build it.
    pub fn wheel(self, family: Family) -> Result<WheelAbi, String> {
        let python = match family {
            Family::Abi3 => self.abi3.ok_or(
                "the `abi3` family needs pyo3's `abi3-py3XY` feature (the oldest CPython it \
                 serves): add `abi3-py310` to the extension's pyo3 features",
            )?,
            Family::Abi3t => self.abi3t.ok_or(
                "the `abi3.abi3t` family needs pyo3's `abi3t-py3XY` feature: add `abi3t-py315` \
                 to the extension's pyo3 features",
            )?,
            Family::VersionSpecific(python) => python.minor,
        };
        Ok(WheelAbi { family, python })
    }

    /// The wheel a build with `python` makes, as pyo3's build script and maturin choose: from
    /// its floor the abi3t stable ABI (which both builds load), else abi3 on a GIL build from
    /// its floor, else the interpreter's own ABI.
    pub fn built_with(self, python: Cpython) -> WheelAbi {
        if let Some(floor) = self.abi3t.filter(|&floor| python.minor >= floor) {
            WheelAbi { family: Family::Abi3t, python: floor }
        } else if let Some(floor) =
            self.abi3.filter(|&floor| !python.free_threaded && python.minor >= floor)
        {
            WheelAbi { family: Family::Abi3, python: floor }
        } else {
            WheelAbi { family: Family::VersionSpecific(python), python: python.minor }
        }
    }
}

/// One expanded wheel tag, as `packaging.tags.Tag`: `cp315-abi3t-manylinux_2_17_x86_64`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag {
    pub interpreter: Interpreter,
    pub abi: Abi,
    pub platform: String,
}

/// The interpreter part of a tag: `cp310`, or anything else (`py3`, `pp311`) kept as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Interpreter {
    Cpython(u32),
    Other(String),
}

/// The ABI part of a tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[expect(clippy::enum_variant_names, reason = "`abi3` and `abi3t` are the tags' own names")]
pub enum Abi {
    Abi3,
    Abi3t,
    None,
    /// One CPython build's own ABI: `cp313`, `cp314t`.
    Cpython(Cpython),
    Other(String),
}

impl Interpreter {
    pub fn parse(s: &str) -> Interpreter {
        match s.strip_prefix("cp3").and_then(digits) {
            Some(minor) => Interpreter::Cpython(minor),
            None => Interpreter::Other(s.to_owned()),
        }
    }
}

impl Abi {
    pub fn parse(s: &str) -> Abi {
        match s {
            "abi3" => Abi::Abi3,
            "abi3t" => Abi::Abi3t,
            "none" => Abi::None,
            _ => match s.strip_prefix("cp3").map(|rest| Cpython::parse(&format!("3.{rest}"))) {
                Some(Ok(python)) => Abi::Cpython(python),
                _ => Abi::Other(s.to_owned()),
            },
        }
    }
}

impl Tag {
    /// Every tag a compressed tag set stands for (PEP 425: `cp315-abi3.abi3t-a.b` is four
    /// tags); a plain tag stands for itself.
    pub fn expand(compressed: &str) -> Result<BTreeSet<Tag>, String> {
        let parts: Vec<&str> = compressed.split('-').collect();
        let [interpreters, abis, platforms] = parts[..] else {
            return Err(format!(
                "`{compressed}` is not a wheel tag: expected interpreter-abi-platform"
            ));
        };
        if [interpreters, abis, platforms].iter().any(|p| p.split('.').any(str::is_empty)) {
            return Err(format!("`{compressed}` has an empty part"));
        }
        let mut tags = BTreeSet::new();
        for interpreter in interpreters.split('.') {
            for abi in abis.split('.') {
                for platform in platforms.split('.') {
                    tags.insert(Tag {
                        interpreter: Interpreter::parse(interpreter),
                        abi: Abi::parse(abi),
                        platform: platform.to_owned(),
                    });
                }
            }
        }
        Ok(tags)
    }
}

impl fmt::Display for Interpreter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interpreter::Cpython(minor) => write!(f, "cp3{minor}"),
            Interpreter::Other(s) => f.write_str(s),
        }
    }
}

impl fmt::Display for Abi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Abi::Abi3 => f.write_str("abi3"),
            Abi::Abi3t => f.write_str("abi3t"),
            Abi::None => f.write_str("none"),
            Abi::Cpython(python) => {
                let t = if python.free_threaded { "t" } else { "" };
                write!(f, "cp3{}{t}", python.minor)
            }
            Abi::Other(s) => f.write_str(s),
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.interpreter, self.abi, self.platform)
    }
}

/// A wheel's file name, parsed (PEP 427): `{distribution}-{version}(-{build})?-{tags}.whl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelFile {
    pub distribution: String,
    pub version: String,
    pub build: Option<String>,
    pub tags: BTreeSet<Tag>,
}

impl WheelFile {
    pub fn parse(name: &str) -> Result<WheelFile, String> {
        let stem = name
            .strip_suffix(".whl")
            .ok_or_else(|| format!("`{name}` is not a wheel: expected a `.whl` file name"))?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (distribution, version, build, tags) = match parts[..] {
            [d, v, i, a, p] => (d, v, None, [i, a, p]),
            [d, v, b, i, a, p] => (d, v, Some(b.to_owned()), [i, a, p]),
            _ => {
                return Err(format!(
                    "`{name}` is not a wheel file name: expected \
                     distribution-version[-build]-interpreter-abi-platform.whl"
                ));
            }
        };
        Ok(WheelFile {
            distribution: distribution.to_owned(),
            version: version.to_owned(),
            build,
            tags: Tag::expand(&tags.join("-")).map_err(|e| format!("`{name}`: {e}"))?,
        })
    }
}

/// The wheel an installer on `python` picks among `wheels` (each given by its tags), on a
/// platform that accepts the platform tags `platforms`: the one holding the best-ranked tag.
/// `None` when it installs none of them.
pub fn pick<'a>(
    python: Cpython,
    platforms: &BTreeSet<String>,
    wheels: impl IntoIterator<Item = &'a BTreeSet<Tag>>,
) -> Option<usize> {
    let best = |tags: &BTreeSet<Tag>| {
        tags.iter()
            .filter(|t| platforms.contains(&t.platform))
            .filter_map(|t| rank(python, t))
            .min()
    };
    wheels
        .into_iter()
        .enumerate()
        .filter_map(|(i, tags)| best(tags).map(|rank| (rank, i)))
        .min()
        .map(|(_, i)| i)
}

/// Where an installer on `python` ranks a tag (lower is preferred), by its interpreter and ABI:
/// its own ABI, its stable ABI at its own version, `none`, then its stable ABI at each older
/// version. `None`: it does not install it. (Generic `py3` tags come after all these; this
/// project's wheels carry none.)
fn rank(python: Cpython, tag: &Tag) -> Option<u32> {
    let Interpreter::Cpython(version) = tag.interpreter else {
        return None;
    };
    let stable = if python.free_threaded { Abi::Abi3t } else { Abi::Abi3 };
    match &tag.abi {
        Abi::Cpython(own) if *own == python && version == python.minor => Some(0),
        abi if *abi == stable && version == python.minor => Some(1),
        Abi::None if version == python.minor => Some(2),
        abi if *abi == stable && (2..python.minor).contains(&version) => {
            Some(3 + (python.minor - 1 - version))
        }
        _ => None,
    }
}

/// Every CPython build a release supports, GIL builds from `gil_floor` and free-threaded ones
/// from 3.14, each up to `horizon` — which stands for every later version too.
pub fn supported(gil_floor: u32, horizon: u32) -> Vec<Cpython> {
    let gil = (gil_floor..=horizon).map(Cpython::gil);
    let free_threaded = (FREE_THREADED_FLOOR..=horizon).map(Cpython::free_threaded);
    gil.chain(free_threaded).collect()
}

/// The version that stands for itself and every later one when `wheels` are installed: one past
/// the newest any of their tags (or the floors) names. Beyond it no version-specific tag
/// matches and every stable tag does, in the same order, so each later version picks the same
/// wheel.
pub fn horizon<'a>(gil_floor: u32, wheels: impl IntoIterator<Item = &'a BTreeSet<Tag>>) -> u32 {
    let named = wheels.into_iter().flatten().flat_map(|t| {
        let interpreter = match t.interpreter {
            Interpreter::Cpython(minor) => Some(minor),
            Interpreter::Other(_) => None,
        };
        let abi = match t.abi {
            Abi::Cpython(python) => Some(python.minor),
            _ => None,
        };
        interpreter.into_iter().chain(abi)
    });
    named.chain([gil_floor, FREE_THREADED_FLOOR]).max().unwrap_or(gil_floor) + 1
}

/// Runs of consecutive versions of one build that pick the same wheel: the rows of the plan's
/// "wheels by interpreter" table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickRun {
    pub first: Cpython,
    pub last: Cpython,
    /// Whether the run reaches the horizon, so every later version belongs to it too.
    pub and_later: bool,
    /// The picked wheel's index; `None` when no wheel installs there.
    pub wheel: Option<usize>,
}

impl PickRun {
    /// `3.10 – 3.14`, `3.14t`, `3.15 and later`.
    pub fn versions(&self) -> String {
        match (self.first == self.last, self.and_later) {
            (_, true) => format!("{} and later", self.first),
            (true, false) => self.first.to_string(),
            (false, false) => format!("{} – {}", self.first, self.last),
        }
    }
}

/// Which wheel each supported build picks, folded into runs.
pub fn pick_runs(
    gil_floor: u32,
    platforms: &BTreeSet<String>,
    wheels: &[BTreeSet<Tag>],
) -> Vec<PickRun> {
    let horizon = horizon(gil_floor, wheels);
    let picks = supported(gil_floor, horizon).into_iter().map(|p| (p, pick(p, platforms, wheels)));
    fold(picks, horizon)
}

/// Consecutive versions of one build with the same answer, folded into runs; a run that reaches
/// `horizon` stands for every later version too.
pub fn fold(
    answers: impl IntoIterator<Item = (Cpython, Option<usize>)>,
    horizon: u32,
) -> Vec<PickRun> {
    let mut runs: Vec<PickRun> = Vec::new();
    for (python, wheel) in answers {
        let and_later = python.minor == horizon;
        match runs.last_mut() {
            Some(run)
                if run.wheel == wheel
                    && run.last.free_threaded == python.free_threaded
                    && run.last.minor + 1 == python.minor =>
            {
                run.last = python;
                run.and_later = and_later;
            }
            _ => runs.push(PickRun { first: python, last: python, and_later, wheel }),
        }
    }
    runs
}

/// A non-empty run of ASCII digits as a number (no sign, no spaces).
fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

#[cfg(test)]
pub(crate) mod tests;
