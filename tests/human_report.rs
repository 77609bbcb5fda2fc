//! The human report as a terminal shows it: the label's underline starts under the first
//! character of the node, measured in display columns (a Chinese character is two wide), and
//! the header's column is the character column an editor shows.

mod common;

use guifan::engine::Lang;
use guifan::pack::load_pack_from_path;

fn display_width(text: &str) -> usize {
    text.chars()
        .map(|character| {
            let code = character as u32;
            // the CJK ranges used in dossiers are double width; the box drawing is single
            if (0x1100..=0x115F).contains(&code)
                || (0x2E80..=0xA4CF).contains(&code)
                || (0xAC00..=0xD7A3).contains(&code)
                || (0xF900..=0xFAFF).contains(&code)
                || (0xFE30..=0xFE4F).contains(&code)
                || (0xFF00..=0xFF60).contains(&code)
                || (0xFFE0..=0xFFE6).contains(&code)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn labels_line_up_under_chinese_text() {
    common::at_crate_root();
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("d.yaml");
    std::fs::write(&path, "进驻事项:\n  - 事项名称: 食品经营许可（新办）\n    承诺办结时限: 25\n    法定办结时限: 20\n").expect("writes");
    let pack = load_pack_from_path(std::path::Path::new("tests/packs/minimal"))
        .expect("minimal pack loads");
    let path = path.to_string_lossy().to_string();
    let checked = common::check_paths(&pack, &[&path], Lang::Zh);
    let output = common::render_human(&pack, &checked, Lang::Zh);
    let lines: Vec<&str> = output.lines().collect();
    let source_line = lines
        .iter()
        .find(|line| line.contains("承诺办结时限: 25"))
        .expect("source line");
    let source_index = lines
        .iter()
        .position(|line| line == source_line)
        .expect("index");
    let underline = lines[source_index + 1];
    let value_column = display_width(&source_line[..source_line.find("25").expect("value")]);
    let underline_column = display_width(&underline[..underline.find('─').expect("underline")]);
    assert_eq!(
        value_column, underline_column,
        "\n{source_line}\n{underline}"
    );
    assert!(
        output.contains("d.yaml:3:13]"),
        "the header column counts characters:\n{output}"
    );
    assert_eq!(checked.findings[0].start.column, 13);
}

#[test]
fn the_example_pack_of_the_format_documentation_loads_and_works() {
    common::at_crate_root();
    let pack = load_pack_from_path(std::path::Path::new("tests/packs/minimal")).expect("loads");
    assert_eq!(pack.manifest.id, "example.minimal");
    let documentation = std::fs::read_to_string("docs/rule-pack-format.md").expect("docs");
    let manifest = std::fs::read_to_string("tests/packs/minimal/pack.yaml").expect("pack");
    let schema = std::fs::read_to_string("tests/packs/minimal/schema.yaml").expect("schema");
    assert!(
        documentation.contains(&manifest),
        "docs/rule-pack-format.md and tests/packs/minimal/pack.yaml differ"
    );
    assert!(
        documentation.contains(&schema),
        "docs/rule-pack-format.md and tests/packs/minimal/schema.yaml differ"
    );
}
