//! A long JSON dossier is read on several threads (src/document/json.rs, `Speculation`): what
//! `guifan check` reports from it must be byte for byte what one thread reads, findings and
//! places past the cuts included, and a syntax error past a cut must be the same error at the
//! same place.

use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A department and `count` items, two spaces of indentation, a violation every 997 items
/// (a one-digit task type, or no name), as the peer benchmark's lists are written.
fn dossier(count: usize) -> String {
    let mut items = Vec::with_capacity(count);
    for index in 0..count {
        let task_type = if index % 997 == 500 { "1" } else { "01" };
        let name = if index % 997 == 700 {
            String::new()
        } else {
            format!("\"name\": \"事项{index}（含 }},{{ 的名称）\", ")
        };
        items.push(format!(
            "{{{name}\"task_type\": \"{task_type}\", \"legal_basis\": [{{\"title\": \"《中华人民共和国行政许可法》\", \"article\": \"第十二条\"}}], \"window\": \"W01\"}}"
        ));
    }
    format!(
        "{{\n  \"department\": {{\"name\": \"某市市场监督管理局\", \"windows\": [{{\"id\": \"W01\", \"name\": \"综合受理窗口\"}}]}},\n  \"items\": [\n    {}\n  ]\n}}\n",
        items.join(",\n    ")
    )
}

fn check(path: &Path, threads: &str) -> Output {
    let pack = format!("{ROOT}/benches/peers/guifan-pack");
    Command::new(env!("CARGO_BIN_EXE_guifan"))
        .current_dir(path.parent().expect("a directory"))
        .env("RAYON_NUM_THREADS", threads)
        .env("NO_COLOR", "1")
        .args(["check", "--pack", &pack, "--format", "json"])
        .arg(path.file_name().expect("a name"))
        .output()
        .expect("guifan runs")
}

#[test]
fn a_long_json_dossier_reports_the_same_on_four_threads_as_on_one() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let text = dossier(24_000);
    assert!(
        text.len() > 4 << 20,
        "{} bytes: too short to be cut",
        text.len()
    );
    let path = directory.path().join("items.json");
    std::fs::write(&path, &text).expect("written");
    let alone = check(&path, "1");
    let pieces = check(&path, "4");
    assert_eq!(alone.status.code(), Some(1));
    assert_eq!(pieces.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&pieces.stdout),
        String::from_utf8_lossy(&alone.stdout)
    );
    // findings all along the list, the last ones near its end
    let report: serde_json::Value = serde_json::from_slice(&alone.stdout).expect("JSON");
    let findings = report["findings"].as_array().expect("findings");
    let planted = (0..24_000)
        .filter(|index| [500, 700].contains(&(index % 997)))
        .count();
    assert_eq!(findings.len(), planted, "{findings:#?}");
    let last_line = findings
        .iter()
        .filter_map(|finding| finding["line"].as_u64())
        .max()
        .expect("lines");
    assert!(
        last_line > 23_000,
        "the last finding is on line {last_line}"
    );

    // a comma missing near the end: the same error, at the same place
    let pattern = "\"task_type\": \"01\", \"legal_basis\"";
    let at = text.rfind(pattern).expect("an item");
    let broken = format!(
        "{}{}",
        &text[..at],
        text[at..].replacen(pattern, "\"task_type\": \"01\" \"legal_basis\"", 1)
    );
    std::fs::write(&path, &broken).expect("written");
    let alone = check(&path, "1");
    let pieces = check(&path, "4");
    assert_eq!(alone.status.code(), Some(2));
    assert_eq!(pieces.status.code(), Some(2));
    let error = String::from_utf8_lossy(&alone.stderr);
    assert!(error.contains("items.json:"), "{error}");
    assert_eq!(String::from_utf8_lossy(&pieces.stderr), error);
}
