//! Item lists as spreadsheets and CSV, as a user meets them: real .xlsx files written by a
//! spreadsheet library (rust_xlsxwriter), CSV in UTF-8 and GBK, every report format citing the
//! cell, `convert`, and bad workbooks refused at their place with exit code 2.
//!
//! `GUIFAN_WRITE_FIXTURES=1 cargo test --test sheets write_fixtures` writes the README's
//! example files in fixtures/sheets/ from the same builders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;

const USCC: &str = "11511602MB1234567N";
const TASK_CODE: &str = "511A0080600001-511602000000-000-11511602MB1234567N-1-00";

fn guifan(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("guifan runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard error as one line: miette wraps its messages to the width.
fn flat_stderr(output: &Output) -> String {
    stderr(output)
        .replace(['│', '\n'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}{}", stdout(output), stderr(output)))
}

/// A fresh directory under target/ for one test's files.
fn scratch(name: &str) -> PathBuf {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("sheets")
        .join(name);
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).expect("scratch directory");
    directory
}

fn path_text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The columns of the example list, as a county department's export has them.
const HEADERS: [&str; 12] = [
    "事项名称",
    "基本编码",
    "实施编码",
    "事项类型",
    "设定依据",
    "行使层级",
    "实施主体",
    "实施主体代码",
    "法定办结时限",
    "承诺办结时限",
    "承办机构",
    "备注",
];

/// The example list: a licence in order, one with no legal basis and a promised limit over
/// the statutory one, and one with a basis at two levels in one cell.
fn rows() -> Vec<[&'static str; 12]> {
    vec![
        [
            "食品经营许可（新办）",
            "000101001001",
            TASK_CODE,
            "行政许可",
            "【法律】《中华人民共和国食品安全法》第三十五条",
            "县级",
            "某区市场监督管理局",
            USCC,
            "20",
            "10",
            "行政审批科",
            "",
        ],
        [
            "食品经营许可（变更）",
            "510101002001",
            "511A0080600002-511602000000-000-11511602MB1234567N-1-00",
            "01",
            "",
            "4",
            "某区市场监督管理局",
            USCC,
            "20",
            "25",
            "行政审批科",
            "变更登记",
        ],
        [
            "计量纠纷调解",
            "001003001001",
            "511Z0030100000-511602000000-000-11511602MB1234567N-1-00",
            "其他类别事项",
            "【行政法规】《中华人民共和国计量法实施细则》第三十六条\n【规章】《仲裁检定和计量调解办法》",
            "4",
            "某区市场监督管理局",
            USCC,
            "无",
            "30",
            "行政审批科",
            "",
        ],
    ]
}

/// The dossier sheet's rows (key, value).
const DOSSIER: [(&str, &str); 7] = [
    ("申报编号", "GA-2026-SJ-017"),
    ("申报类型", "进驻"),
    ("办理阶段", "拟定申报"),
    ("部门名称", "某区市场监督管理局"),
    ("统一社会信用代码", USCC),
    ("部门类别", "政府部门"),
    ("中心层级", "4"),
];

/// The example workbook: a title row, the header, the items (the second item's 基本编码 and
/// the limits typed as numbers, as Excel stores them), and the 申报信息 sheet with a date cell
/// and a region code typed as a number.
fn workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("事项").expect("name");
    sheet
        .merge_range(0, 0, 0, 11, "某区市场监督管理局进驻事项清单", &bold)
        .expect("title");
    for (column, header) in HEADERS.iter().enumerate() {
        sheet
            .write_string(1, column as u16, *header)
            .expect("header");
    }
    for (index, row) in rows().iter().enumerate() {
        let row_number = index as u32 + 2;
        for (column, value) in row.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            let numeric = matches!(column, 8 | 9) || (column == 1 && !value.starts_with('0'));
            match value.parse::<f64>() {
                Ok(number) if numeric => sheet.write_number(row_number, column as u16, number),
                _ => sheet.write_string(row_number, column as u16, *value),
            }
            .expect("cell");
        }
    }
    let dossier = workbook.add_worksheet();
    dossier.set_name("申报信息").expect("name");
    dossier.write_string(0, 0, "字段").expect("cell");
    dossier.write_string(0, 1, "值").expect("cell");
    for (index, (key, value)) in DOSSIER.iter().enumerate() {
        dossier
            .write_string(index as u32 + 1, 0, *key)
            .expect("cell");
        dossier
            .write_string(index as u32 + 1, 1, *value)
            .expect("cell");
    }
    let next = DOSSIER.len() as u32 + 1;
    dossier.write_string(next, 0, "申报日期").expect("cell");
    dossier
        .write_datetime_with_format(
            next,
            1,
            ExcelDateTime::from_ymd(2026, 9, 1).expect("date"),
            &Format::new().set_num_format("yyyy-mm-dd"),
        )
        .expect("date");
    dossier
        .write_string(next + 1, 0, "行政区划代码")
        .expect("cell");
    dossier.write_number(next + 1, 1, 511602.0).expect("cell");
    workbook.save_to_buffer().expect("xlsx")
}

/// The example list as CSV text (a header row, then the items).
fn csv_text() -> String {
    let quote = |value: &str| {
        if value.contains([',', '"', '\n']) {
            format!("\"{}\"", value.replace('"', "\"\""))
        } else {
            value.to_string()
        }
    };
    let mut text = HEADERS.join(",") + "\r\n";
    for row in rows() {
        let cells: Vec<String> = row.iter().map(|value| quote(value)).collect();
        text.push_str(&cells.join(","));
        text.push_str("\r\n");
    }
    text
}

/// The dossier of the CSV examples, as `--dossier` takes it.
fn dossier_yaml() -> String {
    format!(
        "dossier:\n  id: GA-2026-SJ-017\n  kind: entry\n  stage: proposal\n  submitted_on: '2026-09-01'\n  center:\n    level: '4'\n    region: '511602'\ndepartment:\n  name: 某区市场监督管理局\n  uscc: {USCC}\n  category: government\n"
    )
}

fn write(directory: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = directory.join(name);
    std::fs::write(&path, bytes).expect("written");
    path
}

/// (rule, sheet, row, cell, line, column) of each finding.
fn places(report: &Value) -> Vec<(String, Value, Value, Value, u64, u64)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap_or_default().to_string(),
                finding["sheet"].clone(),
                finding["row"].clone(),
                finding["cell"].clone(),
                finding["line"].as_u64().unwrap_or_default(),
                finding["column"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

fn finding<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|finding| finding["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {report:#}"))
}

#[test]
fn a_workbook_is_checked_and_each_finding_cites_its_sheet_row_and_column() {
    let directory = scratch("workbook");
    let xlsx = write(&directory, "items.xlsx", &workbook());
    let output = guifan(&["check", path_text(&xlsx), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    // the second item has no legal basis: sheet 事项, row 4, column E
    let missing = finding(&report, "item-legal-basis-missing");
    assert_eq!(missing["sheet"], "事项");
    assert_eq!(missing["row"], 4);
    assert_eq!(missing["cell"], "E4");
    assert_eq!(
        (missing["line"].as_u64(), missing["column"].as_u64()),
        (Some(4), Some(5))
    );
    assert_eq!(missing["path"], "/items/1/legal_basis");
    let promised = finding(&report, "item-promised-limit-exceeds-statutory");
    assert_eq!(promised["cell"], "J4");
    let ignored = finding(&report, "sheet-columns-ignored");
    assert_eq!(ignored["severity"], "info");
    assert_eq!(ignored["cell"], "L2");
    assert_eq!(ignored["message"], "有 1 列未读取：「备注」（L 列）");
    // nothing else: the first and third items are complete, the dossier sheet gives the rest
    let mut rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|finding| finding["rule"].as_str())
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            "item-legal-basis-missing",
            "item-promised-limit-exceeds-statutory",
            "power-list-missing",
            "sheet-columns-ignored",
        ],
        "{report:#}"
    );
    // the department's missing power list is at the dossier sheet's 部门类别 row
    let power = finding(&report, "power-list-missing");
    assert_eq!(power["sheet"], "申报信息");
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn codes_typed_as_numbers_are_read_as_the_text_shown() {
    let directory = scratch("numbers");
    let xlsx = write(&directory, "items.xlsx", &workbook());
    let output = guifan(&["convert", path_text(&xlsx), "--to", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let dossier: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(dossier["items"][0]["catalog_code"], "000101001001");
    assert_eq!(dossier["items"][1]["catalog_code"], "510101002001");
    assert_eq!(dossier["items"][0]["task_type"], "01");
    assert_eq!(dossier["items"][2]["task_type"], "10");
    assert_eq!(dossier["items"][0]["use_level"], "4");
    assert_eq!(
        dossier["items"][0]["statutory_limit"],
        serde_json::json!({"value": 20, "unit": "working_days"})
    );
    assert_eq!(
        dossier["items"][2]["statutory_limit"],
        serde_json::json!({"none_by_law": true, "note": "无"})
    );
    assert_eq!(
        dossier["items"][2]["legal_basis"],
        serde_json::json!([
            {"title": "《中华人民共和国计量法实施细则》", "level": "administrative_regulation", "article": "第三十六条"},
            {"title": "《仲裁检定和计量调解办法》", "level": "rule"}
        ])
    );
    assert_eq!(dossier["dossier"]["submitted_on"], "2026-09-01");
    assert_eq!(dossier["dossier"]["center"]["region"], "511602");
    assert_eq!(dossier["dossier"]["kind"], "entry");
    assert_eq!(dossier["department"]["category"], "government");
    let text = stdout(&output);
    assert!(!text.contains("E+") && !text.contains(".0\""), "{text}");
}

#[test]
fn the_human_report_draws_the_row_at_its_number() {
    let directory = scratch("human");
    let xlsx = write(&directory, "items.xlsx", &workbook());
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(["check", "items.xlsx", "--width", "120"])
        .current_dir(&directory)
        .env("NO_COLOR", "1")
        .output()
        .expect("guifan runs");
    assert_eq!(output.status.code(), Some(1));
    let _ = xlsx;
    insta::assert_snapshot!("workbook_human", stdout(&output));
}

#[test]
fn csv_in_utf8_with_a_mark_cites_line_and_column_of_the_text() {
    let directory = scratch("csv");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(csv_text().as_bytes());
    let csv = write(&directory, "items.csv", &bytes);
    let base = write(&directory, "dossier.yaml", dossier_yaml().as_bytes());
    let output = guifan(&[
        "check",
        path_text(&csv),
        "--dossier",
        path_text(&base),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    let missing = finding(&report, "item-legal-basis-missing");
    // the empty fifth field of line 3
    assert_eq!(missing["line"], 3);
    let line = csv_text().lines().nth(2).expect("line 3").to_string();
    let before: String = line.split(',').take(4).collect::<Vec<_>>().join(",");
    assert_eq!(missing["column"], before.chars().count() as u64 + 2);
    assert_eq!(missing["cell"], "E3");
    assert_eq!(missing["row"], 3);
    assert!(missing.get("sheet").is_none());
    // what the --dossier file lacks is shown in that file
    let power = finding(&report, "power-list-missing");
    assert!(power["file"]
        .as_str()
        .expect("file")
        .ends_with("dossier.yaml"));
    assert!(power.get("cell").is_none());
    assert_eq!(report["summary"]["files"], 1);
    // the human report draws the CSV line, and names the cell
    let human = stdout(&guifan(&[
        "check",
        path_text(&csv),
        "--dossier",
        path_text(&base),
    ]));
    assert!(
        human.contains("E3 缺少「设定依据」（legal_basis）"),
        "{human}"
    );
    assert!(
        human.contains(" 3 │ 食品经营许可（变更）,510101002001"),
        "{human}"
    );
}

#[test]
fn gbk_csv_is_detected_or_named() {
    let directory = scratch("gbk");
    let text = csv_text();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let csv = write(&directory, "items-gbk.csv", &gbk);
    let base = write(&directory, "dossier.yaml", dossier_yaml().as_bytes());
    let detected = guifan(&[
        "check",
        path_text(&csv),
        "--dossier",
        path_text(&base),
        "--format",
        "json",
    ]);
    assert_eq!(detected.status.code(), Some(1), "{}", stderr(&detected));
    let named = guifan(&[
        "check",
        path_text(&csv),
        "--dossier",
        path_text(&base),
        "--format",
        "json",
        "--encoding",
        "gbk",
    ]);
    assert_eq!(places(&json(&detected)), places(&json(&named)));
    assert_eq!(
        finding(&json(&detected), "item-legal-basis-missing")["message"],
        "行政权力事项「食品经营许可（变更）」没有写明设定依据"
    );
    // read as UTF-8 it is not: exit 2 at its line and column
    let forced = guifan(&["check", path_text(&csv), "--encoding", "utf-8"]);
    assert_eq!(forced.status.code(), Some(2));
    assert!(
        flat_stderr(&forced).contains("not UTF-8 text"),
        "{}",
        stderr(&forced)
    );
}

#[test]
fn every_format_carries_the_cell() {
    let directory = scratch("formats");
    let xlsx = write(&directory, "items.xlsx", &workbook());
    let sarif = guifan(&["check", path_text(&xlsx), "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&sarif.stdout).expect("sarif");
    let result = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|result| result["ruleId"] == "item-legal-basis-missing")
        .expect("result");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startColumn"],
        5
    );
    assert_eq!(result["properties"]["sheet"], "事项");
    assert_eq!(result["properties"]["cell"], "E4");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(rules
        .iter()
        .any(|rule| rule["id"] == "sheet-columns-ignored"));

    let junit = stdout(&guifan(&["check", path_text(&xlsx), "--format", "junit"]));
    let mut reader = quick_xml::Reader::from_str(&junit);
    let mut failures = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(tag) if tag.name().as_ref() == b"failure" => {
                inside = true
            }
            quick_xml::events::Event::End(tag) if tag.name().as_ref() == b"failure" => {
                inside = false
            }
            quick_xml::events::Event::Text(text) if inside => {
                failures.push(String::from_utf8_lossy(&text.into_inner()).into_owned())
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    let failure = failures.join("");
    assert!(
        failure.contains("items.xlsx:4:5: error item-legal-basis-missing (5.2.1.1) [cell 事项!E4]"),
        "{junit}"
    );

    let github = stdout(&guifan(&["check", path_text(&xlsx), "--format", "github"]));
    let line = github
        .lines()
        .find(|line| line.contains("item-legal-basis-missing"))
        .expect("annotation");
    assert!(line.contains(",line=4,col=5,"), "{line}");
    assert!(line.contains("[cell 事项!E4]"), "{line}");
}

#[test]
fn a_converted_list_gives_the_same_findings() {
    let directory = scratch("convert");
    let xlsx = write(&directory, "items.xlsx", &workbook());
    let yaml = directory.join("items.yaml");
    let converted = guifan(&[
        "convert",
        path_text(&xlsx),
        "--to",
        "yaml",
        "--output",
        path_text(&yaml),
    ]);
    assert_eq!(converted.status.code(), Some(0), "{}", stderr(&converted));
    let findings = |path: &Path| -> Vec<(String, String, String)> {
        let report = json(&guifan(&["check", path_text(path), "--format", "json"]));
        let mut found: Vec<(String, String, String)> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|finding| finding["rule"] != "sheet-columns-ignored")
            .map(|finding| {
                (
                    finding["rule"].as_str().unwrap_or_default().to_string(),
                    finding["path"].as_str().unwrap_or_default().to_string(),
                    finding["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        found.sort();
        found
    };
    assert_eq!(findings(&xlsx), findings(&yaml));
    // convert refuses to write over its input
    let refused = guifan(&["convert", path_text(&xlsx), "--output", path_text(&xlsx)]);
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn a_list_with_only_some_columns_still_validates() {
    let directory = scratch("partial");
    let csv = write(
        &directory,
        "items.csv",
        "事项名称,事项类型,备注,其他\n企业设立登记,行政许可,甲,乙\n".as_bytes(),
    );
    let base = write(&directory, "dossier.yaml", dossier_yaml().as_bytes());
    let output = guifan(&[
        "check",
        path_text(&csv),
        "--dossier",
        path_text(&base),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    // no 设定依据 column: the finding is at the item's row
    let missing = finding(&report, "item-legal-basis-missing");
    assert_eq!(
        (missing["line"].as_u64(), missing["column"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(missing["cell"], "A2");
    // the columns not read are listed once, in one note
    let notes: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|finding| finding["rule"] == "sheet-columns-ignored")
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0]["message"],
        "有 2 列未读取：「备注」（C 列）、「其他」（D 列）"
    );
    // an info note does not fail the run by itself
    let clean = write(
        &directory,
        "clean.csv",
        format!(
            "事项名称,事项类型,设定依据,行使层级,实施主体,实施主体代码,实施编码,法定办结时限,承诺办结时限,承办机构,备注\n食品经营许可（新办）,01,【法律】《中华人民共和国食品安全法》,4,某区市场监督管理局,{USCC},{TASK_CODE},20,10,行政审批科,x\n"
        )
        .as_bytes(),
    );
    let output = guifan(&["check", path_text(&clean), "--dossier", path_text(&base)]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn bad_workbooks_are_refused_at_their_place() {
    let directory = scratch("hostile");
    // not a workbook at all
    let fake = write(&directory, "fake.xlsx", b"PK\x03\x04 not a zip at all");
    let output = guifan(&["check", path_text(&fake)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        flat_stderr(&output).contains("fake.xlsx"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());
    // a real workbook cut in half, and one with its bytes flipped here and there
    let whole = self::workbook();
    let cut = write(&directory, "cut.xlsx", &whole[..whole.len() / 2]);
    let output = guifan(&["check", path_text(&cut)]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        flat_stderr(&output).contains("cut.xlsx"),
        "{}",
        stderr(&output)
    );
    let mut flipped = whole.clone();
    for index in (100..flipped.len()).step_by(397) {
        flipped[index] ^= 0x5A;
    }
    let flipped = write(&directory, "flipped.xlsx", &flipped);
    let output = guifan(&["check", path_text(&flipped)]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    // no sheet with a header naming an item column
    let mut workbook = Workbook::new();
    workbook
        .add_worksheet()
        .write_string(0, 0, "hello")
        .expect("cell");
    let plain = write(
        &directory,
        "plain.xlsx",
        &workbook.save_to_buffer().expect("xlsx"),
    );
    let output = guifan(&["check", path_text(&plain)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        flat_stderr(&output).contains("no sheet has a header row"),
        "{}",
        stderr(&output)
    );
    // a cell in the last column and the last row: read, not a dense range of 17 billion cells
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "事项名称").expect("cell");
    sheet.write_string(1, 0, "甲").expect("cell");
    sheet.write_string(1_048_575, 16_383, "远").expect("cell");
    sheet.write_formula(2, 0, "=1+1").expect("formula");
    let far = write(
        &directory,
        "far.xlsx",
        &workbook.save_to_buffer().expect("xlsx"),
    );
    let output = guifan(&["check", path_text(&far), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["summary"]["dossiers"], 1);
    // a dossier sheet and --dossier at once: one of them, not a silent choice
    let xlsx = write(&directory, "items.xlsx", &self::workbook());
    let base = write(&directory, "dossier.yaml", dossier_yaml().as_bytes());
    let output = guifan(&["check", path_text(&xlsx), "--dossier", path_text(&base)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        flat_stderr(&output).contains("give the dossier once"),
        "{}",
        stderr(&output)
    );
    // a --dossier with items
    let with_items = write(&directory, "with-items.yaml", b"dossier: {}\nitems: []\n");
    let csv = write(&directory, "items.csv", csv_text().as_bytes());
    let output = guifan(&[
        "check",
        path_text(&csv),
        "--dossier",
        path_text(&with_items),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        flat_stderr(&output).contains("with-items.yaml:2:1"),
        "{}",
        stderr(&output)
    );
    // a CSV over the input limit
    let output = guifan(&["check", path_text(&csv), "--max-input-bytes", "10"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(flat_stderr(&output).contains("larger than the input limit"));
    // two columns for one field
    let twice = write(
        &directory,
        "twice.csv",
        "事项名称,事项类型,事项类型代码\n甲,01,01\n".as_bytes(),
    );
    let output = guifan(&["check", path_text(&twice)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        flat_stderr(&output).contains("the columns B and C both give the item's task_type"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn directories_hold_item_lists_and_excel_lock_files_are_skipped() {
    let directory = scratch("directory");
    write(&directory, "items.xlsx", &workbook());
    write(&directory, "~$items.xlsx", b"lock");
    let output = guifan(&["check", path_text(&directory), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(json(&output)["summary"]["files"], 1);
    // the --dossier file in the directory checked completes the lists, not a dossier of its own
    write(&directory, "items.csv", csv_text().as_bytes());
    let base = write(&directory, "dossier.yaml", dossier_yaml().as_bytes());
    let output = guifan(&[
        "check",
        path_text(&directory),
        "--dossier",
        path_text(&base),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(flat_stderr(&output).contains("give the dossier once"));
    std::fs::remove_file(directory.join("items.xlsx")).expect("removed");
    let output = guifan(&[
        "check",
        path_text(&directory),
        "--dossier",
        path_text(&base),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(json(&output)["summary"]["files"], 1);
}

#[test]
fn the_committed_examples_give_the_findings_of_the_readme() {
    let output = guifan(&["check", "fixtures/sheets/items.xlsx", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let xlsx = json(&output);
    assert_eq!(finding(&xlsx, "item-legal-basis-missing")["cell"], "E4");
    for csv in ["fixtures/sheets/items.csv", "fixtures/sheets/items-gbk.csv"] {
        let output = guifan(&[
            "check",
            csv,
            "--dossier",
            "fixtures/sheets/dossier.yaml",
            "--format",
            "json",
        ]);
        assert_eq!(output.status.code(), Some(1), "{csv}: {}", stderr(&output));
        assert_eq!(
            finding(&json(&output), "item-legal-basis-missing")["cell"],
            "E3"
        );
    }
}

/// Writes fixtures/sheets/ when GUIFAN_WRITE_FIXTURES is set; otherwise does nothing.
#[test]
fn write_fixtures() {
    if std::env::var_os("GUIFAN_WRITE_FIXTURES").is_none() {
        return;
    }
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sheets");
    std::fs::create_dir_all(&directory).expect("directory");
    write(&directory, "items.xlsx", &workbook());
    write(&directory, "items.csv", csv_text().as_bytes());
    let text = csv_text();
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    write(&directory, "items-gbk.csv", &gbk);
    write(&directory, "dossier.yaml", dossier_yaml().as_bytes());
}

#[test]
fn a_main_item_merged_down_its_sub_items_is_given_to_each() {
    let directory = scratch("merged");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "主项名称").expect("cell");
    sheet.write_string(0, 1, "事项名称").expect("cell");
    sheet
        .merge_range(1, 0, 2, 0, "食品经营许可", &Format::new())
        .expect("merged");
    sheet.write_string(1, 1, "新办").expect("cell");
    sheet.write_string(2, 1, "变更").expect("cell");
    let xlsx = write(
        &directory,
        "merged.xlsx",
        &workbook.save_to_buffer().expect("xlsx"),
    );
    let output = guifan(&["convert", path_text(&xlsx), "--to", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let dossier: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(
        dossier["items"],
        serde_json::json!([
            {"main_item": "食品经营许可", "name": "新办"},
            {"main_item": "食品经营许可", "name": "变更"}
        ])
    );
}

#[test]
fn a_header_of_many_thousand_columns_is_listed_by_its_first_few() {
    let directory = scratch("wide");
    let mut text = String::from("事项名称");
    for column in 0..100_000 {
        text.push_str(&format!(",列{column}"));
    }
    text.push_str("\n甲\n");
    let csv = write(&directory, "wide.csv", text.as_bytes());
    let output = guifan(&["check", path_text(&csv), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    let note = finding(&report, "sheet-columns-ignored");
    let message = note["message"].as_str().expect("message");
    assert!(
        message.starts_with("有 100000 列未读取：「列0」（B 列）"),
        "{message}"
    );
    assert!(message.ends_with("……（共 100000 列）"), "{message}");
    assert!(message.chars().count() < 600, "{message}");
}

#[test]
fn columns_named_by_the_packs_aliases_are_read_too() {
    let directory = scratch("aliases");
    let csv = write(
        &directory,
        "items.csv",
        "事项名称,服务事项类别,所在窗口,拟定方式,收费依据\n代办服务,social_service,W-01,center_need,无\n"
            .as_bytes(),
    );
    let output = guifan(&["convert", path_text(&csv), "--to", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let dossier: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(
        dossier["items"][0],
        serde_json::json!({
            "name": "代办服务",
            "service_kind": "social_service",
            "window": "W-01",
            "initiated_by": "center_need",
            "fee_basis": "无"
        })
    );
}

/// The HTML report places a spreadsheet's finding by its sheet and cell, and draws its row.
#[test]
fn the_html_report_names_the_cell_of_a_finding() {
    let output = guifan(&["check", "fixtures/sheets/items.xlsx", "--format", "html"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let page = String::from_utf8_lossy(&output.stdout);
    let article = page
        .split("<article")
        .find(|article| article.contains("data-rule=\"item-legal-basis-missing\""))
        .expect("the finding's article");
    assert!(
        article.contains("<span class=\"position\">fixtures/sheets/items.xlsx 事项!E4</span>"),
        "{article}"
    );
    assert!(
        article.contains("食品经营许可（变更） | 510101002001"),
        "{article}"
    );
}
