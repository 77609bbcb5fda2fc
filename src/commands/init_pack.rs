//! `guifan init --pack NAME`: a new local pack in the directory NAME that extends the embedded
//! national pack, with one local clause, one example rule, two test cases and a README, such
//! that `guifan pack test --pack NAME` passes as generated. Written all at once: the files go
//! to a hidden directory beside NAME, renamed into place at the end, so a failed run leaves no
//! half a pack; an existing non-empty NAME is never written into.

use std::path::{Path, PathBuf};

use super::Outcome;
use crate::error::GuifanError;

/// The national fixture the example cases are made from: a proposal that passes every
/// national rule, in which one item promises 30 working days.
const PROPOSAL: &str = include_str!("../../fixtures/valid/proposal-county-list.yaml");

/// The promised limit of the item the example rule finds, and the one it accepts.
const OVER: &str = "promised_limit: {value: 30, unit: working_days}";
const WITHIN: &str = "promised_limit: {value: 15, unit: working_days}";

/// Whether `init --pack NAME` makes a new pack: NAME does not exist or is an empty directory.
/// An existing pack is used for a dossier template as before; anything else is refused.
pub fn wants_scaffold(name: &Path) -> Result<bool, GuifanError> {
    match std::fs::metadata(name) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(error) => Err(GuifanError::Read {
            path: name.display().to_string(),
            message: error.to_string(),
        }),
        Ok(metadata) if metadata.is_file() => Ok(false),
        Ok(_) if name.join("pack.yaml").exists() => Ok(false),
        Ok(metadata) if metadata.is_dir() => {
            let empty = std::fs::read_dir(name)
                .map_err(|error| GuifanError::Read {
                    path: name.display().to_string(),
                    message: error.to_string(),
                })?
                .next()
                .is_none();
            if empty {
                Ok(true)
            } else {
                Err(GuifanError::Usage(format!(
                    "{} is a directory that is not empty and holds no pack.yaml: `guifan init --pack` makes a new pack only in a new or empty directory, and never writes over files",
                    name.display()
                )))
            }
        }
        Ok(_) => Err(GuifanError::Usage(format!(
            "{} is neither a pack nor a place for a new one",
            name.display()
        ))),
    }
}

/// Writes the new pack into `name` (new or empty).
pub fn scaffold(name: &Path) -> Result<Outcome, GuifanError> {
    let id = pack_id(name);
    let files = files(&id);
    let parent = match name.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let leaf = name
        .file_name()
        .map(|leaf| leaf.to_string_lossy().to_string())
        .ok_or_else(|| GuifanError::Usage(format!("{} names no directory", name.display())))?;
    let staging = parent.join(format!(".{leaf}.guifan-init-{}", std::process::id()));
    let write_error = |path: &Path, error: std::io::Error| GuifanError::Write {
        path: path.display().to_string(),
        message: error.to_string(),
    };
    let result = (|| {
        for (relative, text) in &files {
            let path = staging.join(relative);
            if let Some(directory) = path.parent() {
                std::fs::create_dir_all(directory)
                    .map_err(|error| write_error(directory, error))?;
            }
            std::fs::write(&path, text).map_err(|error| write_error(&path, error))?;
        }
        // an empty directory named NAME is replaced by the new one; anything else stays
        if name.is_dir() {
            std::fs::remove_dir(name).map_err(|error| write_error(name, error))?;
        }
        std::fs::rename(&staging, name).map_err(|error| write_error(name, error))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result?;
    let shown = name.display();
    eprintln!(
        "created the pack {id} in {shown}: it extends the embedded national pack cn.gbt.xzfwzx-2.\n\
         next: edit {shown}/clauses.yaml and {shown}/rules.yaml, then run `guifan pack test --pack {shown}`"
    );
    Ok(Outcome::Clean)
}

/// `local.` and the directory's name in lowercase words (`My Pack` → `local.my-pack`).
fn pack_id(name: &Path) -> String {
    let leaf = name
        .file_name()
        .map(|leaf| leaf.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let words: Vec<String> = leaf
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect();
    if words.is_empty() {
        "local.example".to_string()
    } else {
        format!("local.{}", words.join("-"))
    }
}

/// The files of the new pack, by path relative to it.
fn files(id: &str) -> Vec<(&'static str, String)> {
    let body = PROPOSAL
        .lines()
        .skip_while(|line| line.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let dossier = |note: &str, promised: &str| {
        format!(
            "# {note}\n# Made from guifan's national fixture fixtures/valid/proposal-county-list.yaml (fictitious).\n{}\n",
            body.replacen(OVER, promised, 1)
        )
    };
    vec![
        (
            "pack.yaml",
            format!(
                r#"# A local pack on top of the national pack, made by `guifan init --pack`.
# Format: docs/rule-pack-format.md in guifan's repository (Layering, for extends/set/modify/disable).
pack:
  id: {id}
  version: 0.1.0
  title: 地方规则包（请改写为本地标准的名称）
  standard:
    code: DB××/T ××××（请改写）
    title: 本地标准的名称（请改写）
  effective_from: 2015-01-01     # the date your standard takes effect
# the national pack embedded in guifan, any 2.x version
extends: cn.gbt.xzfwzx-2@^2
include:
  - clauses.yaml
  - rules.yaml
# to change a national rule or parameter (each change is recorded; relaxing a rule of a 应
# clause needs `legal_basis`):
# set:
#   - variable: task_code_layouts
#     expr: "[{{'name': 'national', 'pattern': '^(?P<body>[0-9A-Za-z]{{18}})(?P<level>[1-7])(?P<basic>[0-9A-Z]{{12}})$'}}]"
#     reason: 本省实施编码采用全国统一编排
# modify:
#   - rule: items-task-code-layout-unknown
#     severity: error
#     reason: …
# disable:
#   - rule: …
#     reason: …
#     legal_basis: …
"#
            ),
        ),
        (
            "clauses.yaml",
            r#"# The clauses of your local standard. Number them with a prefix (DB-…) so that they never
# clash with the national clauses.
clauses:
  - number: "DB-1.1"
    force: shall
    coverage: automated
    text: 进驻事项的承诺办结时限不应超过 20 个工作日。（示例条款，请改写）
"#
            .to_string(),
        ),
        (
            "rules.yaml",
            r#"# The rules of your local standard: each cites the clause whose words oblige the fact.
rules:
  - id: item-promised-limit-over-local-cap
    clauses: ["DB-1.1"]
    for_each: items as item
    when: >-
      has(item.promised_limit) && has(item.promised_limit.value)
        && has(item.promised_limit.unit) && item.promised_limit.unit == 'working_days'
    assert: item.promised_limit.value <= 20
    target: promised_limit.value
    message:
      zh: "事项「{item.name}」承诺 {item.promised_limit.value} 个工作日办结，超过本地上限 20 个工作日"
      en: "the item '{item.name}' promises {item.promised_limit.value} working days, more than the local cap of 20"
    help:
      zh: 本地要求承诺办结时限不超过 20 个工作日（DB-1.1）；压缩承诺时限。
      en: the local standard caps promised limits at 20 working days (DB-1.1); shorten the promise.
"#
            .to_string(),
        ),
        (
            "tests/cases.yaml",
            r#"# The pack's cases: `guifan pack test --pack DIR` runs them. Every rule this pack adds or
# changes must fire in one case and stay silent in another. Every finding counts, national ones
# too: start each dossier from one that passes the national pack.
cases:
  - name: within the local cap
    dossier: dossiers/within.yaml
    findings: []
  - name: over the local cap
    dossier: dossiers/over.yaml
    findings:
      - rule: item-promised-limit-over-local-cap
        pointer: /items/2/promised_limit/value
"#
            .to_string(),
        ),
        (
            "tests/dossiers/within.yaml",
            dossier(
                "Every item promises at most 20 working days: no finding.",
                WITHIN,
            ),
        ),
        (
            "tests/dossiers/over.yaml",
            dossier(
                "The third item (计量纠纷调解) promises 30 working days, over the local cap.",
                OVER,
            ),
        ),
        (
            "README.md",
            format!(
                r#"# {id}

A local rule pack that extends the national pack `cn.gbt.xzfwzx-2` embedded in guifan: every
national rule applies, with what this pack adds (`clauses.yaml`, `rules.yaml`) and changes
(`set`, `modify`, `disable` in `pack.yaml`).

```
guifan pack lint --pack .        # strict load
guifan pack test --pack .        # the cases in tests/: every rule fires once and stays silent once
guifan check --pack . dossier.yaml
guifan pack doc --pack . --output README.md   # replace this file with the generated tables
```

Made by `guifan init --pack`; the example clause DB-1.1 and its rule are to be replaced by
your standard's.
"#
            ),
        ),
    ]
}
