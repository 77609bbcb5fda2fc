//! SARIF 2.1.0, for code-scanning dashboards: one run, the pack's rules as the tool's rules
//! (with the clause text), one result per finding with its region in characters.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool,
    ToolComponent,
};

use crate::engine::Lang;
use crate::finding::{Finding, Severity, RULE_ERROR, STRUCTURE_RULE};
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

/// The tool's rule list: every rule of the pack once, plus the two built-in ids.
fn descriptors(pack: &Pack, lang: Lang) -> Vec<ReportingDescriptor> {
    let mut seen = std::collections::BTreeSet::new();
    let mut descriptors = Vec::new();
    for rule in &pack.rules {
        if !seen.insert(rule.id.clone()) {
            continue;
        }
        let message = match lang {
            Lang::Zh => &rule.message.zh,
            Lang::En => &rule.message.en,
        };
        let short: String = message
            .parts
            .iter()
            .map(|part| match part {
                TemplatePart::Literal(text) => text.clone(),
                TemplatePart::Expression(expression) => format!("{{{}}}", expression.source),
            })
            .collect();
        let mut clause_texts: Vec<String> = rule
            .clauses
            .iter()
            .filter_map(|number| {
                pack.clause(number)
                    .map(|clause| format!("{number} {}", clause.text))
            })
            .collect();
        if let Some(reference) = &rule.reference {
            let title = pack
                .reference(&reference.standard)
                .map(|known| known.title.as_str())
                .unwrap_or_default();
            clause_texts.push(format!(
                "{} {title} {}",
                reference.standard, reference.clause
            ));
        }
        let mut descriptor = ReportingDescriptor::builder()
            .id(rule.id.clone())
            .short_description(MultiformatMessageString::builder().text(short).build())
            .full_description(
                MultiformatMessageString::builder()
                    .text(clause_texts.join("\n"))
                    .build(),
            )
            .properties(properties(&[("clauses", serde_json::json!(rule.clauses))]))
            .build();
        descriptor.help = rule.help.as_ref().map(|help| {
            MultiformatMessageString::builder()
                .text(lang.pick(&help.zh, &help.en))
                .build()
        });
        descriptors.push(descriptor);
    }
    for (id, text) in [
        (
            STRUCTURE_RULE,
            "the dossier does not match the pack's JSON Schema",
        ),
        (RULE_ERROR, "a rule could not be evaluated on the dossier"),
        (
            crate::sheet::UNKNOWN_COLUMNS_RULE,
            "columns of an item list that no field is read from",
        ),
    ] {
        descriptors.push(
            ReportingDescriptor::builder()
                .id(id)
                .short_description(MultiformatMessageString::builder().text(text).build())
                .build(),
        );
    }
    descriptors
}

/// The log; `not_shown` findings past a cap are counted in the run's `notShown` property.
pub fn render(findings: &[Finding], pack: &Pack, lang: Lang, not_shown: usize) -> String {
    let driver = ToolComponent::builder()
        .name("guifan")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(descriptors(pack, lang))
        .properties(properties(&[
            ("pack", serde_json::json!(pack.manifest.id)),
            ("packVersion", serde_json::json!(pack.manifest.version)),
        ]))
        .build();
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
                        .artifact_location(
                            ArtifactLocation::builder()
                                .uri(finding.file.clone())
                                .build(),
                        )
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
