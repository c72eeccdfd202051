//! The end-of-run summary, as pure functions of the plan and the manifest: the artifacts table
//! on stderr, the GitHub step summary in Markdown, and the one-line outcome. Golden-tested.

use std::fmt::Write as _;
use std::path::Path;

use super::manifest::{Manifest, PublishStatus};
use super::plan::{Builder, Plan};
use crate::flags::Mode;

/// One row per artifact: file, kind, size, short sha256, what happened to its upload.
fn rows(plan: &Plan, manifest: &Manifest) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for a in &manifest.artifacts {
        let status = manifest.publish.iter().find(|p| p.file == a.file).map_or_else(
            || "built".to_owned(),
            |p| format!("{} ({})", p.status.as_str(), p.decision.as_str()),
        );
        rows.push([
            a.file.to_string(),
            a.kind.as_str().to_owned(),
            human_size(a.size),
            a.sha256.short().to_owned(),
            status,
        ]);
    }
    let recorded = |file| manifest.artifact(file).is_some();
    for w in plan.wheels.iter().filter(|w| w.builder == Builder::Ci && !recorded(&w.file)) {
        rows.push([
            w.file.to_string(),
            "wheel".into(),
            "-".into(),
            "-".into(),
            format!("built in CI ({})", w.target.runner),
        ]);
    }
    rows
}

/// The artifacts table, under a heading naming the output directory.
pub fn text(plan: &Plan, manifest: &Manifest, out: &Path) -> String {
    let rows = rows(plan, manifest);
    let width = rows.iter().map(|r| r[0].len()).max().unwrap_or(8);
    let mut text = format!("\nartifacts ({})\n", out.display());
    for r in rows {
        let _ =
            writeln!(text, "  {:<width$}  {:<5}  {:>9}  {:<12}  {}", r[0], r[1], r[2], r[3], r[4]);
    }
    text
}

/// The GitHub step summary.
pub fn markdown(plan: &Plan, manifest: &Manifest, mode: Mode) -> String {
    let mut md = format!(
        "### {} {} ({})\n\n| artifact | kind | size | sha256 | status |\n|---|---|---|---|---|\n",
        plan.python_name,
        plan.tag,
        mode.as_str()
    );
    for r in rows(plan, manifest) {
        let _ = writeln!(md, "| `{}` | {} | {} | `{}` | {} |", r[0], r[1], r[2], r[3], r[4]);
    }
    md
}

/// The last line: what the run did. A live run that passed says how many of the planned
/// artifacts it published, how many were there already, and which are left to CI.
pub fn outcome(plan: &Plan, manifest: &Manifest, mode: Mode, passed: bool) -> String {
    let (mode_name, tag) = (mode.as_str(), &plan.tag);
    if !passed {
        return format!("{mode_name} {tag} failed");
    }
    if manifest.publish.is_empty() {
        return format!("{mode_name} {tag}: every stage passed");
    }
    let planned = plan.artifacts.len();
    let count =
        |status: PublishStatus| manifest.publish.iter().filter(|p| p.status == status).count();
    // What this run did not have: the wheels other runners build (by target and ABI). A file
    // this host builds is never left to anyone.
    let left: Vec<String> = plan
        .wheels
        .iter()
        .filter(|w| w.builder == Builder::Ci && manifest.artifact(&w.file).is_none())
        .map(|w| format!("{} {}", w.target.target, w.abi))
        .collect();
    let left = if left.is_empty() {
        String::new()
    } else {
        format!("; left to CI: {} ({})", left.len(), left.join(", "))
    };
    match mode {
        Mode::DryRun => format!(
            "{mode_name} {tag} rehearsed: every stage passed; {} of {planned} planned artifacts \
             rehearsed{left}",
            count(PublishStatus::Rehearsed) + count(PublishStatus::Skipped)
        ),
        Mode::Live => format!(
            "{mode_name} {tag} released: every stage passed; {} of {planned} planned artifacts \
             published by this run, {} already there{left}",
            count(PublishStatus::Published),
            count(PublishStatus::Skipped)
        ),
    }
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Sha256;
    use crate::flags::Destination;
    use crate::git::CommitId;
    use crate::host::Host;
    use crate::release::manifest::{Artifact, Decision, PublishRecord};
    use crate::release::plan::Kind;
    use crate::workspace::fixture;

    fn fixture() -> (Plan, Manifest) {
        let ws = fixture::workspace(
            "1.0.0",
            serde_json::json!({"release": {"tag-prefix": "v", "changelog": "CHANGELOG.md",
                "wheels": [
                    {"target": "x86_64-unknown-linux-gnu", "runner": "ubuntu-24.04",
                     "platform": "manylinux_2_17", "python": ["3.10"]},
                    {"target": "aarch64-apple-darwin", "runner": "macos-15",
                     "platform": "macosx_11_0", "python": ["3.10"]}]}}),
        );
        let host = Host::fixture("x86_64-unknown-linux-gnu", &["x86_64-unknown-linux-gnu"]);
        let plan = Plan::new(&ws, &host, &Destination::default()).unwrap();
        let commit = CommitId::try_from("abc".repeat(13) + "a").unwrap();
        let sha = |c: char| Sha256::try_from(c.to_string().repeat(64)).unwrap();
        let mut manifest = Manifest::new(&plan, Mode::Live, commit);
        for (a, c, size, status) in [
            (&plan.artifacts[0], 'a', 120_000, PublishStatus::Published),
            (&plan.artifacts[1], 'b', 3_000_000, PublishStatus::Skipped),
        ] {
            manifest.add_artifact(Artifact {
                file: a.file.clone(),
                kind: a.kind,
                sha256: sha(c),
                size,
                target: a.target,
            });
            let decision =
                if status == PublishStatus::Skipped { Decision::Skip } else { Decision::Upload };
            manifest.set_publish(PublishRecord {
                file: a.file.clone(),
                registry: "r".into(),
                decision,
                status,
                url: None,
            });
        }
        manifest.add_artifact(Artifact {
            file: plan.wheels[0].file.clone(),
            kind: Kind::Wheel,
            sha256: sha('c'),
            size: 400_000,
            target: Some(plan.wheels[0].target.target),
        });
        manifest.set_publish(PublishRecord {
            file: plan.wheels[0].file.clone(),
            registry: "r".into(),
            decision: Decision::Upload,
            status: PublishStatus::Published,
            url: None,
        });
        (plan, manifest)
    }

    #[test]
    fn golden_summaries() {
        let (plan, manifest) = fixture();
        let text = text(&plan, &manifest, Path::new("/ws/dist"));
        let md = markdown(&plan, &manifest, Mode::Live);
        let outcomes = [
            outcome(&plan, &manifest, Mode::Live, true),
            outcome(&plan, &manifest, Mode::DryRun, true),
            outcome(&plan, &manifest, Mode::Live, false),
        ];
        let all = format!("{text}\n{md}\n{}\n", outcomes.join("\n"));
        crate::golden::check("summary/live.txt", &all);
    }
}
