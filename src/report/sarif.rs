//! SARIF 2.1.0, for code-scanning dashboards: one run, the pack's rules as the tool's rules
//! (a sentence, the clauses they enforce, help with the clause texts), one result per finding
//! with its region in characters, a fingerprint that survives line shifts, and file URIs
//! percent-encoded relative to `%SRCROOT%` (the directory of the run).
//!
//! `originalUriBaseIds` names `%SRCROOT%` without a `uri`: the report holds no absolute path,
//! so that it is the same on every machine; the consumer (GitHub's upload, a viewer) knows the
//! checkout, and SARIF reads an absent `uri` as "the consumer decides".

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool,
    ToolComponent,
};

use crate::engine::Lang;
use crate::finding::{Finding, Severity, RULE_ERROR, STRUCTURE_RULE, WAIVER_RULE};
use crate::pack::{Pack, TemplatePart};

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

fn properties(entries: &[(&str, serde_json::Value)]) -> PropertyBag {
    let additional: BTreeMap<String, serde_json::Value> = entries
        .iter()
        .map(|(key, value)| (key.to_string(), value.clone()))
        .collect();
    PropertyBag::builder()
        .additional_properties(additional)
        .build()
}

/// A message template as a sentence that names no value: each `{expression}` left out with the
/// quotes or brackets around it (`行政权力事项「{item.name}」没有写明设定依据` → `行政权力事项没有
/// 写明设定依据`), so that a rule's description never shows a template's raw syntax.
pub fn template_sentence(parts: &[TemplatePart]) -> String {
    // U+0000 stands for a value: it cannot occur in a pack's YAML text
    const VALUE: char = '\u{0}';
    let mut text: String = parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(literal) => literal.clone(),
            TemplatePart::Expression(_) => VALUE.to_string(),
        })
        .collect();
    for (open, close) in [
        ('「', '」'),
        ('『', '』'),
        ('“', '”'),
        ('‘', '’'),
        ('（', '）'),
        ('《', '》'),
        ('(', ')'),
        ('[', ']'),
        ('\'', '\''),
        ('"', '"'),
        ('`', '`'),
    ] {
        text = text.replace(&format!("{open}{VALUE}{close}"), &VALUE.to_string());
    }
    let characters: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (index, &character) in characters.iter().enumerate() {
        if character == VALUE {
            continue;
        }
        if character == ' ' {
            // a space left beside a removed value: kept once, and not between two Chinese
            // characters, which are written without one
            let before = out.chars().last();
            let after = characters[index + 1..]
                .iter()
                .find(|&&next| next != VALUE && next != ' ');
            match (before, after) {
                (None | Some(' '), _) | (_, None) => continue,
                (Some(before), Some(after)) if !before.is_ascii() && !after.is_ascii() => continue,
                _ => {}
            }
        }
        out.push(character);
    }
    // a space left before punctuation, or punctuation that followed only a value (`the item
    // {name}, {field}: …` → `the item:`)
    for (from, to) in [
        (" ,", ","),
        (" :", ":"),
        (" ;", ";"),
        (" )", ")"),
        (",:", ":"),
        ("()", ""),
    ] {
        while out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out.trim_end_matches([' ', ':', '：', '，', ',', '；', ';'])
        // a sentence that began with a value (`{department.name}的进驻认定…`)
        .trim_start_matches([' ', ':', '：', '，', ',', '；', ';', '的'])
        .to_string()
}

/// The shortest sentence that still says what a rule finds, in characters.
const SHORT_SENTENCE_CHARS: usize = 6;

/// A rule's short description: its message as a sentence ([`template_sentence`]) when that
/// says enough; for a message made mostly of values (`{group}的{field}「{value}」{reason}`, a
/// value chosen by a condition), the first sentence of its help, which always reads whole.
pub fn rule_sentence(rule: &crate::pack::Rule, lang: Lang) -> String {
    let message = match lang {
        Lang::Zh => &rule.message.zh,
        Lang::En => &rule.message.en,
    };
    let chosen_by_condition = message.parts.iter().any(|part| {
        matches!(part, TemplatePart::Expression(expression) if expression.source.contains('?'))
    });
    let sentence = template_sentence(&message.parts);
    if !chosen_by_condition && sentence.chars().count() >= SHORT_SENTENCE_CHARS {
        return sentence;
    }
    let help = rule
        .help
        .as_ref()
        .map(|help| lang.pick(&help.zh, &help.en))
        .unwrap_or_default();
    let first = first_sentence(help);
    if first.is_empty() {
        sentence
    } else {
        first
    }
}

/// The text up to its first full stop or semicolon outside brackets (`。`, `；`, or `. `, `; `
/// in English), without the stop.
fn first_sentence(text: &str) -> String {
    let mut depth = 0usize;
    let mut characters = text.char_indices().peekable();
    let mut end = text.len();
    while let Some((index, character)) = characters.next() {
        match character {
            '(' | '（' | '「' | '《' => depth += 1,
            ')' | '）' | '」' | '》' => depth = depth.saturating_sub(1),
            '。' | '；' if depth == 0 => {
                end = index;
                break;
            }
            '.' | ';' if depth == 0 && characters.peek().is_some_and(|(_, next)| *next == ' ') => {
                end = index;
                break;
            }
            _ => {}
        }
    }
    text[..end].trim().trim_end_matches('.').to_string()
}

/// A clause or reference a rule cites, as a line: `5.2.1.1 进驻部门应根据…` or
/// `GB 32100-2015 法人和其他组织统一社会信用代码编码规则 4`.
fn citations(pack: &Pack, rule: &crate::pack::Rule) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = rule
        .clauses
        .iter()
        .filter_map(|number| {
            pack.clause(number)
                .map(|clause| (number.clone(), clause.text.clone()))
        })
        .collect();
    if let Some(reference) = &rule.reference {
        let title = pack
            .reference(&reference.standard)
            .map(|known| known.title.as_str())
            .unwrap_or_default();
        lines.push((
            format!("{} {}", reference.standard, reference.clause),
            title.to_string(),
        ));
    }
    lines
}

fn message_string(text: String, markdown: Option<String>) -> MultiformatMessageString {
    let mut message = MultiformatMessageString::builder().text(text).build();
    message.markdown = markdown;
    message
}

/// Markdown with the characters it gives meaning to escaped, for a pack's texts in
/// `help.markdown`.
fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(
            character,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '<'
                | '>'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '!'
                | '|'
        ) {
            out.push('\\');
        }
        out.push(character);
    }
    out
}

/// The tool's rule list: every rule of the pack once, plus the built-in ids. Each has a sentence
/// as its short description (the message without its values), the clauses it enforces as its
/// full description, and what to do with the clause texts as its help (text and Markdown).
fn descriptors(pack: &Pack, lang: Lang) -> Vec<ReportingDescriptor> {
    let mut seen = std::collections::BTreeSet::new();
    let mut descriptors = Vec::new();
    for rule in &pack.rules {
        if !seen.insert(rule.id.clone()) {
            continue;
        }
        let short = rule_sentence(rule, lang);
        let cited = citations(pack, rule);
        let cited_text: Vec<String> = cited
            .iter()
            .map(|(number, text)| match lang {
                Lang::Zh => format!("{number}：{text}"),
                Lang::En => format!("{number}: {text}"),
            })
            .collect();
        let (stop, cites, separator) = match lang {
            Lang::Zh => ("。", "依据 ", "；"),
            Lang::En => (".", "Cites ", "; "),
        };
        let mut full = format!("{}{stop}", short.trim_end_matches(['。', '.']));
        if !cited_text.is_empty() {
            full.push_str(cites);
            full.push_str(&cited_text.join(separator));
            if !full.ends_with(stop) {
                full.push_str(stop);
            }
        }
        let help = rule
            .help
            .as_ref()
            .map(|help| lang.pick(&help.zh, &help.en).to_string())
            .unwrap_or_else(|| short.clone());
        let mut help_markdown = markdown_escape(&help);
        for (number, text) in &cited {
            help_markdown.push_str(&format!(
                "\n\n**{}** {}",
                markdown_escape(number),
                markdown_escape(text)
            ));
        }
        let help_text = std::iter::once(help)
            .chain(cited_text)
            .collect::<Vec<_>>()
            .join("\n");
        let mut descriptor = ReportingDescriptor::builder()
            .id(rule.id.clone())
            .short_description(message_string(short, None))
            .full_description(message_string(full, None))
            .help(message_string(help_text, Some(help_markdown)))
            .properties(properties(&[("clauses", serde_json::json!(rule.clauses))]))
            .build();
        descriptor.default_configuration = Some(
            serde_sarif::sarif::ReportingConfiguration::builder()
                .level(serde_json::json!(level(rule.severity)))
                .build(),
        );
        descriptors.push(descriptor);
    }
    for (id, short, full) in [
        (
            STRUCTURE_RULE,
            lang.pick("申报材料不符合规则包的结构定义", "the dossier does not match the pack's schema"),
            lang.pick(
                "申报材料的字段、类型或取值不符合规则包的 JSON Schema（guifan schema 可输出该定义）",
                "A field, type or value of the dossier does not match the pack's JSON Schema (guifan schema prints it).",
            ),
        ),
        (
            RULE_ERROR,
            lang.pick("规则无法在申报材料上求值", "a rule could not be evaluated on the dossier"),
            lang.pick(
                "规则读取的字段缺失或类型不符，或求值超出预算；该规则没有通过，也没有被跳过",
                "A field the rule reads is missing or of another type, or the evaluation ran out of budget: the rule neither passed nor was skipped.",
            ),
        ),
        (
            WAIVER_RULE,
            lang.pick("申报材料中的豁免无效", "a waiver in the dossier is not valid"),
            lang.pick(
                "豁免没有对应任何发现、豁免了不允许豁免的规则，或缺少规则包要求的批准文件",
                "The waiver matches no finding, waives a rule that cannot be waived, or lacks the approving document the pack asks for.",
            ),
        ),
        (
            crate::sheet::UNKNOWN_COLUMNS_RULE,
            lang.pick("清单中有未读取的列", "columns of an item list that no field is read from"),
            lang.pick(
                "事项清单中这些列的表头不是任何字段的名称，其内容没有被检查（提示级别）",
                "The headers of these columns of the item list name no field, so their cells were not checked (info severity).",
            ),
        ),
    ] {
        descriptors.push(
            ReportingDescriptor::builder()
                .id(id)
                .short_description(message_string(short.to_string(), None))
                .full_description(message_string(full.to_string(), None))
                .help(message_string(full.to_string(), Some(markdown_escape(full))))
                .build(),
        );
    }
    descriptors
}

/// The characters of a path segment written as they are in a URI (RFC 3986 unreserved); every
/// other byte, the UTF-8 of a Chinese file name and a space included, is percent-encoded.
const URI_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A path as a URI reference: each segment percent-encoded, joined by `/`.
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|segment| percent_encoding::utf8_percent_encode(segment, URI_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The artifact location of a file as the user named it: relative to the directory of the run
/// (`%SRCROOT%`), percent-encoded; a file named by an absolute path outside that directory is a
/// `file:` URI of its own.
fn artifact_location(file: &str, root: Option<&Path>) -> ArtifactLocation {
    let relative = relative_path(file, root);
    if relative.starts_with('/') {
        return ArtifactLocation::builder()
            .uri(format!("file://{}", encode_path(&relative)))
            .build();
    }
    ArtifactLocation::builder()
        .uri(encode_path(&relative))
        .uri_base_id(SRCROOT)
        .build()
}

/// The file's path relative to the directory of the run, in `/`-separated form without `./`:
/// the same file gives the same text however it was named.
fn relative_path(file: &str, root: Option<&Path>) -> String {
    let path = Path::new(file);
    let relative = match (path.is_absolute(), root) {
        (true, Some(root)) => path.strip_prefix(root).unwrap_or(path),
        _ => path,
    };
    let mut parts: Vec<String> = Vec::new();
    for component in relative.components() {
        match component {
            Component::CurDir => {}
            Component::RootDir => parts.push(String::new()),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    if parts.len() == 1 && parts[0].is_empty() {
        return "/".to_string();
    }
    parts.join("/")
}

/// The base of every relative artifact URI: the directory guifan was run in.
pub const SRCROOT: &str = "%SRCROOT%";
/// The name of the fingerprint in `partialFingerprints` (versioned: a change of what it hashes
/// is a new name, so that dashboards do not match old and new hashes).
pub const FINGERPRINT: &str = "guifanFinding/v1";

/// What identifies a finding across runs, whatever lines were added above it: the rule (and
/// the rule that failed, for a rule-error), the file's relative path, the document in the file
/// and the JSON Pointer, hashed (SHA-256, hex). Not the line, nor the message (its language and
/// its wording may change).
pub fn fingerprint(finding: &Finding, root: Option<&Path>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in [
        finding.rule.as_str(),
        finding.failed_rule.as_deref().unwrap_or(""),
        &relative_path(&finding.file, root),
        &finding.document.to_string(),
        &finding.path,
    ] {
        hasher.update(part.as_bytes());
        // a separator no part holds, so that ("ab", "c") and ("a", "bc") differ
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The log; `not_shown` findings past a cap are counted in the run's `notShown` property.
///
/// `root` is the directory of the run: absolute file names under it are made relative.
pub fn render(
    findings: &[Finding],
    pack: &Pack,
    lang: Lang,
    not_shown: usize,
    root: Option<&Path>,
) -> String {
    let mut driver = ToolComponent::builder()
        .name("guifan")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(descriptors(pack, lang))
        .properties(properties(&[
            ("pack", serde_json::json!(pack.manifest.id)),
            ("packVersion", serde_json::json!(pack.manifest.version)),
        ]))
        .build();
    // the project's public page once Cargo.toml names one (SARIF2005 asks for it); no address
    // is made up meanwhile
    let homepage = env!("CARGO_PKG_HOMEPAGE");
    if !homepage.is_empty() {
        driver.information_uri = Some(homepage.to_string());
    }
    let results: Vec<SarifResult> = findings
        .iter()
        .map(|finding| {
            let region = Region::builder()
                .start_line(finding.start.line as i64)
                .start_column(finding.start.column as i64)
                .end_line(finding.end.line as i64)
                .end_column(finding.end.column as i64)
                .build();
            let location = Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(artifact_location(&finding.file, root))
                        .region(region)
                        .build(),
                )
                .build();
            let mut bag = vec![
                ("path", serde_json::json!(finding.path)),
                ("document", serde_json::json!(finding.document)),
            ];
            if let Some(clause) = &finding.clause {
                bag.push(("clause", serde_json::json!(clause)));
            }
            if let Some(reference) = &finding.reference {
                bag.push((
                    "reference",
                    serde_json::json!({"standard": reference.standard, "clause": reference.clause}),
                ));
            }
            if let Some(waived) = &finding.waived {
                bag.push((
                    "waived",
                    serde_json::json!({"reason": waived.reason, "document": waived.document}),
                ));
            }
            if let Some(failed) = &finding.failed_rule {
                bag.push(("failedRule", serde_json::json!(failed)));
            }
            // a spreadsheet's cell: the region's line and column are its row and column
            if let Some(cell) = &finding.cell {
                bag.push(("sheet", serde_json::json!(cell.sheet)));
                bag.push(("row", serde_json::json!(cell.row)));
                bag.push(("cell", serde_json::json!(cell.name())));
            }
            let mut result = SarifResult::builder()
                .rule_id(finding.rule.clone())
                .level(level(finding.severity))
                .message(Message::builder().text(finding.message.clone()).build())
                .locations(vec![location])
                .partial_fingerprints(BTreeMap::from([(
                    FINGERPRINT.to_string(),
                    fingerprint(finding, root),
                )]))
                .properties(properties(&bag))
                .build();
            // a waiver written in the dossier is an external suppression, with its reason
            result.suppressions = finding.waived.as_ref().map(|waived| {
                vec![serde_sarif::sarif::Suppression::builder()
                    .kind(serde_json::json!("external"))
                    .justification(match &waived.document {
                        Some(document) => format!("{} ({document})", waived.reason),
                        None => waived.reason.clone(),
                    })
                    .build()]
            });
            result
        })
        .collect();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .original_uri_base_ids(BTreeMap::from([(
            SRCROOT.to_string(),
            ArtifactLocation::builder()
                .description(
                    Message::builder()
                        .text(lang.pick("运行 guifan 的目录", "the directory guifan was run in"))
                        .build(),
                )
                .build(),
        )]))
        .build();
    if not_shown > 0 {
        run.properties = Some(properties(&[("notShown", serde_json::json!(not_shown))]));
    }
    let sarif = Sarif::builder()
        .version(serde_json::json!("2.1.0"))
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&sarif)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}
