//! The report of `guifan pack diff`: the changes by impact (breaking first), the corpus's
//! findings that appear and disappear per dossier, and the version the change needs; for
//! people (text) and machines (JSON).

use serde_json::{json, Value};

use crate::commands::pack_diff::{DiffRun, DossierFlips, Flip};
use crate::pack::diff::{Change, Impact};
use crate::sanitize::{escape_line, truncate_value, NoteLang};

/// Values longer than this are cut in the text report (the JSON report keeps them whole).
const VALUE_LIMIT: usize = 160;
/// Both values fit on the change's line when together they are at most this long.
const INLINE_LIMIT: usize = 60;

fn value(text: &str) -> String {
    escape_line(&truncate_value(text, VALUE_LIMIT, NoteLang::En)).into_owned()
}

fn change_lines(out: &mut String, change: &Change) {
    let head = format!(
        "  {} {}: {}",
        change.kind,
        escape_line(&change.name),
        change.aspect
    );
    let (old, new) = (
        change.old.as_deref().map(value),
        change.new.as_deref().map(value),
    );
    let inline = old.as_ref().map_or(0, |text| text.chars().count())
        + new.as_ref().map_or(0, |text| text.chars().count())
        <= INLINE_LIMIT;
    match (change.aspect, old, new) {
        ("added", _, Some(new)) if inline => out.push_str(&format!("{head} ({new})\n")),
        ("removed", Some(old), _) if inline => out.push_str(&format!("{head} (was {old})\n")),
        (_, Some(old), Some(new)) if inline => out.push_str(&format!("{head}: {old} → {new}\n")),
        (_, old, new) => {
            out.push_str(&head);
            out.push('\n');
            if let Some(old) = old {
                out.push_str(&format!("      - {old}\n"));
            }
            if let Some(new) = new {
                out.push_str(&format!("      + {new}\n"));
            }
        }
    }
    out.push_str(&format!("      {}\n", change.why));
}

fn flip_line(flip: &Flip) -> String {
    format!(
        "    {} {} {}{} at {} ({}:{})\n",
        if flip.new { '+' } else { '-' },
        escape_line(&flip.rule),
        flip.severity.as_str(),
        if flip.waived { ", waived" } else { "" },
        if flip.path.is_empty() {
            "the dossier's root".to_string()
        } else {
            escape_line(&flip.path).into_owned()
        },
        flip.line,
        flip.column
    )
}

fn verdict(failed: bool) -> &'static str {
    if failed {
        "fails"
    } else {
        "passes"
    }
}

/// Text for people.
pub fn human(run: &DiffRun) -> String {
    let mut out = format!(
        "pack diff {} {} ({}) → {} {} ({})\n",
        escape_line(&run.old.id),
        escape_line(&run.old.version),
        escape_line(&run.old.source),
        escape_line(&run.new.id),
        escape_line(&run.new.version),
        escape_line(&run.new.source),
    );
    for impact in [Impact::Breaking, Impact::Minor, Impact::Patch] {
        let changes: Vec<&Change> = run
            .changes
            .iter()
            .filter(|change| change.impact == impact)
            .collect();
        if changes.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{} ({}):\n", impact.as_str(), changes.len()));
        for change in changes {
            change_lines(&mut out, change);
        }
    }
    if let Some(corpus) = &run.corpus {
        out.push_str(&format!(
            "\ncorpus {}: {} dossier{}, {} with other findings, {} that passed and now fail{}\n",
            escape_line(&corpus.directory),
            corpus.dossiers,
            if corpus.dossiers == 1 { "" } else { "s" },
            corpus.changed.len(),
            corpus.newly_failing(),
            if corpus.changed.is_empty() { "" } else { ":" }
        ));
        for dossier in &corpus.changed {
            out.push_str(&format!(
                "  {} (document {}): {} → {}\n",
                escape_line(&dossier.file),
                dossier.document,
                verdict(dossier.failed_before),
                verdict(dossier.fails_now)
            ));
            for flip in &dossier.flips {
                out.push_str(&flip_line(flip));
            }
        }
    }
    let count = |impact| {
        run.changes
            .iter()
            .filter(|change| change.impact == impact)
            .count()
    };
    out.push('\n');
    if run.changes.is_empty() {
        out.push_str("no change\n");
    } else {
        out.push_str(&format!(
            "{} change{}: {} breaking, {} minor, {} patch\n",
            run.changes.len(),
            if run.changes.len() == 1 { "" } else { "s" },
            count(Impact::Breaking),
            count(Impact::Minor),
            count(Impact::Patch)
        ));
    }
    let required = run.versioning.required.as_deref().unwrap_or("");
    match run.versioning.impact {
        Some(Impact::Breaking) if run.versioning.satisfied => out.push_str(&format!(
            "breaking, and the major version was raised: {} → {}\n",
            escape_line(&run.old.version),
            escape_line(&run.new.version)
        )),
        Some(Impact::Breaking) => out.push_str(&format!(
            "breaking without a new major version: {} → {required} required (the new pack says {})\n",
            escape_line(&run.old.version),
            escape_line(&run.new.version)
        )),
        Some(impact) => out.push_str(&format!(
            "compatible: a {} release, {} → {required} at least\n",
            impact.as_str(),
            escape_line(&run.old.version)
        )),
        None => out.push_str("compatible\n"),
    }
    out
}

fn change_json(change: &Change) -> Value {
    json!({
        "kind": change.kind,
        "name": change.name,
        "aspect": change.aspect,
        "old": change.old,
        "new": change.new,
        "impact": change.impact.as_str(),
        "why": change.why,
    })
}

fn dossier_json(dossier: &DossierFlips) -> Value {
    json!({
        "file": dossier.file,
        "document": dossier.document,
        "failed_before": dossier.failed_before,
        "fails_now": dossier.fails_now,
        "findings": dossier.flips.iter().map(|flip| json!({
            "change": if flip.new { "new" } else { "gone" },
            "rule": flip.rule,
            "path": flip.path,
            "severity": flip.severity.as_str(),
            "waived": flip.waived,
            "line": flip.line,
            "column": flip.column,
        })).collect::<Vec<_>>(),
    })
}

/// The JSON report: `schema_version` 1; `verdict` is `compatible`, `breaking` (with the major
/// version raised) or `breaking-unversioned`.
pub fn json(run: &DiffRun) -> String {
    let side = |side: &crate::commands::pack_diff::Side| json!({"source": side.source, "id": side.id, "version": side.version});
    let verdict = match (run.breaking(), run.versioning.satisfied) {
        (false, _) => "compatible",
        (true, true) => "breaking",
        (true, false) => "breaking-unversioned",
    };
    let value = json!({
        "schema_version": 1,
        "old": side(&run.old),
        "new": side(&run.new),
        "changes": run.changes.iter().map(change_json).collect::<Vec<_>>(),
        "corpus": run.corpus.as_ref().map(|corpus| json!({
            "directory": corpus.directory,
            "dossiers": corpus.dossiers,
            "newly_failing": corpus.newly_failing(),
            "changed": corpus.changed.iter().map(dossier_json).collect::<Vec<_>>(),
        })),
        "impact": run.versioning.impact.map(Impact::as_str),
        "required_version": run.versioning.required,
        "verdict": verdict,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
