//! The HTML report (`check --format html`): its text (snapshot), its escaping of what a dossier
//! holds, and the page as a real browser reads it (headless Chromium: the DOM's counts and one
//! finding's clause and line, and a screenshot).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use guifan::engine::Lang;
use guifan::report::{html, Summary};

const INVALID: &str = "fixtures/invalid/item-legal-basis-missing.yaml";
const USCC: &str = "fixtures/invalid/department-uscc-invalid.yaml";
const STRUCTURE: &str = "fixtures/invalid/dossier-structure--enum.yaml";
const VALID: &str = "fixtures/valid/entry-county-small.yaml";

fn guifan(arguments: &[&str]) -> Output {
    common::at_crate_root();
    Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("guifan runs")
}

fn page(paths: &[&str], lang: Lang) -> String {
    common::at_crate_root();
    let pack = common::national_pack();
    let checked = common::check_paths(pack, paths, lang);
    let summary = Summary::new(checked.sources.len(), &checked.documents, &checked.findings);
    html::render(
        &checked.findings,
        &checked.documents,
        &checked.sources,
        pack,
        summary,
        lang,
    )
}

#[test]
fn html_page_in_chinese() {
    insta::assert_snapshot!(page(&[INVALID, USCC, STRUCTURE, VALID], Lang::Zh));
}

#[test]
fn html_page_in_english() {
    let text = page(&[INVALID, VALID], Lang::En);
    assert!(text.contains("<html lang=\"en\">"));
    assert!(text.contains("Entry dossier check report"));
    assert!(text.contains("<span class=\"n\" data-count=\"errors\">1</span>error"));
    assert!(text.contains("No findings."), "the clean dossier says so");
}

#[test]
fn the_page_is_self_contained_and_printable_on_a4() {
    let text = page(&[INVALID], Lang::Zh);
    for external in ["src=", "href=", "@import", "url("] {
        assert!(
            !text.contains(external),
            "the page loads nothing from outside: {external}"
        );
    }
    assert!(text.contains("@page { size: A4;"));
    assert!(text.contains("@media print"));
    assert!(text.contains("<details><summary>条款原文 5.2.1.1</summary><blockquote>进驻部门应根据现行法律、法规、规章等，拟定本部门的进驻项目。</blockquote></details>"));
}

#[test]
fn the_same_run_gives_the_same_page() {
    assert_eq!(
        page(&[INVALID, USCC, VALID], Lang::Zh),
        page(&[INVALID, USCC, VALID], Lang::Zh)
    );
}

/// A dossier whose values and file name are markup: every one is text on the page.
#[test]
fn what_a_dossier_holds_is_never_markup() {
    let scratch = tempfile::tempdir().expect("temporary directory");
    let original = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(INVALID))
        .expect("fixture");
    let hostile = original.replace(
        "name: 企业设立登记",
        "name: \"<script>alert('x')</script>&amp;\\e[2J\"",
    );
    assert_ne!(hostile, original, "the fixture holds the item's name");
    let file = scratch.path().join("<b>dossier\".yaml");
    std::fs::write(&file, hostile).expect("write dossier");
    let report = scratch.path().join("report.html");
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(["check", "--format", "html", "--output"])
        .arg(&report)
        .arg(&file)
        .output()
        .expect("guifan runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = std::fs::read_to_string(&report).expect("report written");
    assert!(!text.contains("<script>alert"));
    assert!(!text.contains("<b>dossier"));
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;\\u{1b}[2J"));
    assert!(text.contains("&lt;b&gt;dossier&quot;.yaml"));
}

#[test]
fn html_to_standard_output_and_exit_codes() {
    let output = guifan(&["check", "--format", "html", INVALID]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(text.starts_with("<!DOCTYPE html>\n"));
    assert!(text.ends_with("</html>\n"));
    let clean = guifan(&["check", "--format", "html", VALID]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&clean.stdout).contains("没有发现需要处理的问题。"));
}

/// The browser of the consumer-side test: `/usr/bin/chromium` or `chromium` on the path. Absent,
/// the test is skipped with a message, except in CI (`CI` set), where it must run.
fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but chromium is not installed: .ci/run installs it (apt-get install chromium)"
        );
        eprintln!(
            "skipped: chromium is not installed (apt-get install chromium); CI runs this test"
        );
    }
    found
}

fn run_chromium(browser: &Path, profile: &Path, arguments: &[String]) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            // the tests run as root in CI, where Chromium's sandbox cannot start
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(arguments)
        .output()
        .expect("chromium runs")
}

/// The value of an attribute in the first element of the DOM that has `marker` in its tag.
fn attribute_after<'a>(dom: &'a str, marker: &str, attribute: &str) -> Option<&'a str> {
    let start = dom.find(marker)?;
    let tag_end = start + dom[start..].find('>')?;
    let tag = &dom[dom[..start].rfind('<')?..tag_end];
    let key = format!("{attribute}=\"");
    let value_start = tag.find(&key)? + key.len();
    let value_end = value_start + tag[value_start..].find('"')?;
    Some(&tag[value_start..value_end])
}

/// The text of the element that follows `marker` (up to the next tag).
fn text_after<'a>(dom: &'a str, marker: &str) -> Option<&'a str> {
    let start = dom.find(marker)? + marker.len();
    let text_start = start + dom[start..].find('>')? + 1;
    let text_end = text_start + dom[text_start..].find('<')?;
    Some(&dom[text_start..text_end])
}

#[test]
fn a_real_browser_reads_the_counts_and_a_finding_with_its_clause_and_line() {
    let Some(browser) = chromium() else {
        return;
    };
    let scratch = tempfile::tempdir().expect("temporary directory");
    let report = scratch.path().join("report.html");
    let inputs = [INVALID, USCC, STRUCTURE, VALID];
    let mut arguments = vec!["check", "--format", "html", "--output"];
    let report_text = report.to_string_lossy().into_owned();
    arguments.push(&report_text);
    arguments.extend(inputs);
    let output = guifan(&arguments);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let json = guifan(&[&["check", "--format", "json"][..], &inputs[..]].concat());
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON report");

    let dump = run_chromium(
        &browser,
        &scratch.path().join("profile-dom"),
        &[
            "--dump-dom".to_string(),
            format!("file://{}", report.display()),
        ],
    );
    assert!(dump.status.success(), "{dump:?}");
    let dom = String::from_utf8(dump.stdout).expect("the DOM is UTF-8");
    assert!(dom.contains("<h1>进驻申报材料检查报告</h1>"), "{dom}");
    // the counts the browser shows are the JSON report's
    for key in ["files", "dossiers", "errors", "warnings", "infos", "waived"] {
        let shown = text_after(&dom, &format!("data-count=\"{key}\""))
            .unwrap_or_else(|| panic!("no count {key} in the DOM"));
        assert_eq!(
            shown,
            json["summary"][key].to_string(),
            "count {key} in the page"
        );
    }
    assert_eq!(
        dom.matches("<article class=\"finding ").count(),
        json["findings"].as_array().map_or(0, Vec::len),
        "one article per finding"
    );
    // one finding: its rule, clause, line and column, as the JSON report has them
    let marker = "data-rule=\"item-legal-basis-missing\"";
    assert_eq!(
        attribute_after(&dom, marker, "data-clause"),
        Some("5.2.1.1")
    );
    assert_eq!(attribute_after(&dom, marker, "data-line"), Some("209"));
    assert_eq!(attribute_after(&dom, marker, "data-column"), Some("5"));
    assert!(dom.contains(
        "<span class=\"position\">fixtures/invalid/item-legal-basis-missing.yaml:209:5</span>"
    ));
    // the line of the file, numbered as in the file, with the span marked
    assert!(dom.contains(
        "<span class=\"hit\"><span class=\"ln\">209</span>  - <mark>name</mark>: 企业设立登记</span>"
    ));
    // the chart has a row for section 5 and its subsection 5.2
    assert!(dom.contains("<tr data-section=\"5\">"));
    assert!(dom.contains("<tr data-section=\"5.2\">"));

    let screenshot = scratch.path().join("report.png");
    let shot = run_chromium(
        &browser,
        &scratch.path().join("profile-shot"),
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1000,1400".to_string(),
            format!("file://{}", report.display()),
        ],
    );
    assert!(shot.status.success(), "{shot:?}");
    let png = std::fs::read(&screenshot).expect("a screenshot was written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    assert_eq!((width, height), (1000, 1400));
    // a blank page compresses to a few kilobytes; text, bars and excerpts do not
    assert!(
        png.len() > 30_000,
        "the screenshot holds a page ({} bytes)",
        png.len()
    );
}
