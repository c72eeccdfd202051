//! Which steps restore or save an Actions cache: a step's own inputs against each caching
//! action's switch and its default, and the steps of a composite action, read from its
//! action.yml as recorded under `xtask/tests/actions` (the tests cannot download it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Where the recorded action.yml files are, relative to the workspace root: one per composite
/// action the workflows use, at `<owner>/<repo>[/<path>]/action.yml`, each starting with
/// `# recorded-from: <owner>/<repo>[/<path>]@<sha> (<tag>)`.
pub const RECORDED_DIR: &str = "xtask/tests/actions";

/// The recorded composite actions, by action (`owner/repo[/path]`).
pub type Recorded = BTreeMap<String, Action>;

/// A composite action as recorded: the commit it was recorded at, and its action.yml.
pub struct Action {
    sha: String,
    doc: Value,
}

/// Actions that restore or save an Actions cache unless an input turns that off: the input and
/// its default at the versions in use, from each action's action.yml (`None`: always).
const CACHING: &[(&str, Option<(&str, &str)>)] = &[
    ("actions/cache", None),
    ("Swatinem/rust-cache", None),
    ("astral-sh/setup-uv", Some(("enable-cache", "auto"))),
    ("actions/setup-python", Some(("cache", ""))),
    ("actions/setup-node", Some(("cache", ""))),
    ("actions/setup-go", Some(("cache", "true"))),
    ("actions/setup-java", Some(("cache", ""))),
];

/// Actions that run as JavaScript (their action.yml's `runs.using` is `node*`, at the pinned
/// commits): they have no steps to look into. Any other action must be recorded.
const NOT_COMPOSITE: &[&str] = &[
    "actions/checkout",
    "actions/setup-python",
    "actions/upload-artifact",
    "actions/download-artifact",
    "actions/attest",
    "actions/attest-build-provenance/predicate",
    "astral-sh/setup-uv",
    "rust-lang/crates-io-auth-action",
];

/// What in `job`'s steps caches, or could without the tests seeing it, each with where it is.
pub fn problems(recorded: &Recorded, at: &str, job: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut set_up = Vec::new();
    for (i, step) in job["steps"].as_array().into_iter().flatten().enumerate() {
        let at = format!("{at} step {}", i + 1);
        check(recorded, &at, step, &mut set_up, &mut problems);
    }
    problems
}

/// Checks one step, and the steps of its action when that is composite. `set_up` lists the
/// caching actions the job already ran with their cache off.
///
/// Assumption: a composite's step that runs such an action again under an `if:` is its "install
/// it when missing" step (attest-action's `check-uv`), skipped since the job installed it.
fn check(
    recorded: &Recorded,
    at: &str,
    step: &Value,
    set_up: &mut Vec<String>,
    problems: &mut Vec<String>,
) {
    let Some(uses) = step["uses"].as_str() else { return };
    let (action, sha) = uses.split_once('@').unwrap_or((uses, ""));
    if let Some(why) = caches(action, step) {
        problems.push(format!("{at}: {uses}: {why}"));
        return;
    }
    if CACHING.iter().any(|(name, _)| is(action, name)) {
        set_up.push(action.to_owned());
    }
    let Some(composite) = recorded.get(action) else {
        if !NOT_COMPOSITE.contains(&action) && !CACHING.iter().any(|(name, _)| is(action, name)) {
            problems.push(format!(
                "{at}: {uses}: its steps cannot be seen: record its action.yml under \
                 {RECORDED_DIR}/{action}/ if it is a composite action, or add it to \
                 NOT_COMPOSITE if its action.yml says `using: node…`"
            ));
        }
        return;
    };
    if composite.sha != sha {
        problems.push(format!(
            "{at}: {uses}: its action.yml is recorded at {}, not at the pinned commit: record \
             it again ({RECORDED_DIR}/{action}/action.yml says how) and review its steps",
            composite.sha
        ));
        return;
    }
    for (i, nested) in composite.doc["runs"]["steps"].as_array().into_iter().flatten().enumerate() {
        let again = nested["uses"].as_str().and_then(|u| u.split_once('@')).map(|(a, _)| a);
        if nested["if"].is_string() && again.is_some_and(|a| set_up.iter().any(|s| s == a)) {
            continue;
        }
        check(recorded, &format!("{at} ({uses}'s step {})", i + 1), nested, set_up, problems);
    }
}

/// Why `step`, which uses `action`, restores or saves a cache; `None` when it does not.
fn caches(action: &str, step: &Value) -> Option<String> {
    let with = &step["with"];
    if let Some((_, switch)) = CACHING.iter().find(|(name, _)| is(action, name)) {
        let &Some((input, default)) = switch else {
            return Some("it always saves and restores a cache".to_owned());
        };
        let given = with.get(input);
        let value = given.map_or_else(|| default.to_owned(), text);
        let origin = if given.is_none() { " (its default)" } else { "" };
        return on(&value)
            .then(|| format!("`{input}: {value}`{origin} saves and restores a cache"));
    }
    if action.contains("cache") {
        return Some("an action that caches".to_owned());
    }
    let inputs = with.as_object().into_iter().flatten();
    inputs
        .filter(|(key, value)| key.contains("cache") && on(&text(value)))
        .map(|(key, value)| format!("`{key}: {}`", text(value)))
        .next()
}

/// Whether `action` is `name` or one of its sub-actions (`actions/cache/restore`).
fn is(action: &str, name: &str) -> bool {
    action == name || action.strip_prefix(name).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether an input's value switches caching on.
fn on(value: &str) -> bool {
    !matches!(value.trim(), "" | "false")
}

fn text(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

/// Every recorded action.yml under `dir`, sorted.
pub fn recorded_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n == "action.yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A recorded action.yml, from its text (for the header) and its content.
pub fn record(text: &str, doc: Value) -> (String, Action) {
    let header = text.lines().next().unwrap_or_default();
    let from = header.strip_prefix("# recorded-from: ").and_then(|rest| rest.split(' ').next());
    let Some((action, sha)) = from.and_then(|f| f.split_once('@')) else {
        panic!("a recorded action.yml starts with `# recorded-from: <action>@<sha>`: {header:?}")
    };
    assert_eq!(doc["runs"]["using"], "composite", "{action}: only composite actions are recorded");
    (action.to_owned(), Action { sha: sha.to_owned(), doc })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(steps: Value) -> Value {
        json!({ "steps": steps })
    }

    #[track_caller]
    fn check_job(steps: Value, expected: &[&str]) {
        let found = problems(&Recorded::new(), "job j", &job(steps));
        assert_eq!(found.len(), expected.len(), "{found:?}");
        for (problem, needle) in found.iter().zip(expected) {
            assert!(problem.contains(needle), "{needle:?} not in {problem}");
        }
    }

    #[test]
    fn switches_and_their_defaults() {
        check_job(json!([{"uses": "astral-sh/setup-uv@x", "with": {"enable-cache": false}}]), &[]);
        check_job(
            json!([{"uses": "astral-sh/setup-uv@x"}]),
            &["step 1: astral-sh/setup-uv@x: `enable-cache: auto` (its default)"],
        );
        check_job(
            json!([{"uses": "astral-sh/setup-uv@x", "with": {"enable-cache": "true"}}]),
            &["`enable-cache: true` saves"],
        );
        check_job(
            json!([{"uses": "actions/setup-python@x", "with": {"python-version": "3"}}]),
            &[],
        );
        check_job(
            json!([{"uses": "actions/setup-python@x", "with": {"cache": "pip"}}]),
            &["`cache: pip`"],
        );
        check_job(json!([{"uses": "actions/cache/restore@x"}]), &["always"]);
        check_job(json!([{"uses": "actions/setup-go@x"}]), &["`cache: true` (its default)"]);
        check_job(json!([{"uses": "someone/cache-thing@x"}]), &["an action that caches"]);
    }

    #[test]
    fn unknown_actions_must_be_recorded() {
        check_job(
            json!([{"uses": "someone/composite@x"}, {"run": "make test"}]),
            &[
                "its steps cannot be seen: record its action.yml under xtask/tests/actions/someone/composite/",
            ],
        );
    }

    #[test]
    fn composite_steps_are_checked_at_the_recorded_commit() {
        let text = "# recorded-from: o/c@abc (v1)\nruns: ...\n";
        let doc = json!({"runs": {"using": "composite", "steps": [
            {"run": "true"},
            {"if": "steps.x.outputs.missing", "uses": "astral-sh/setup-uv@y"},
            {"uses": "actions/cache@z"},
        ]}});
        let recorded: Recorded = [record(text, doc)].into_iter().collect();
        let uv_first = json!([
            {"uses": "astral-sh/setup-uv@x", "with": {"enable-cache": false}},
            {"uses": "o/c@abc"},
        ]);
        let found = problems(&recorded, "job j", &job(uv_first));
        assert_eq!(
            found,
            ["job j step 2 (o/c@abc's step 3): actions/cache@z: it always saves \
             and restores a cache"]
        );
        let alone = problems(&recorded, "job j", &job(json!([{"uses": "o/c@abc"}])));
        assert_eq!(alone.len(), 2, "{alone:?}");
        assert!(
            alone[0].contains("(o/c@abc's step 2): astral-sh/setup-uv@y: `enable-cache: auto`")
        );
        let moved = problems(&recorded, "job j", &job(json!([{"uses": "o/c@def"}])));
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert!(moved[0].contains("recorded at abc, not at the pinned commit"), "{moved:?}");
    }
}
