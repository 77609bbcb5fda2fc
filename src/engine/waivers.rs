//! Waivers written in a dossier (`waivers:`): a justified exception to a rule at a path, with
//! its reason and approving document. A waived finding stays in the report, marked, and does
//! not count toward `--fail-on`; a waiver that is not allowed or matches nothing is itself a
//! finding, so that no finding is ever dropped silently.

use super::{finding_at, FindingText, Lang};
use crate::document::Node;
use crate::dossier::Dossier;
use crate::finding::{Finding, Severity, Waived, RULE_ERROR, STRUCTURE_RULE, WAIVER_RULE};
use crate::pack::{Force, Pack};

/// One waiver as written.
struct Waiver<'a> {
    index: usize,
    rule: &'a str,
    /// JSON Pointer (canonical keys) the waiver covers, with everything below it; the whole
    /// dossier when absent.
    path: &'a str,
    reason: &'a str,
    document: Option<&'a str>,
}

fn read_waivers(root: &Node) -> Vec<Waiver<'_>> {
    let Some(items) = root.get("waivers").and_then(Node::as_items) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            let text = |key: &str| item.get(key).and_then(Node::as_str);
            Some(Waiver {
                index,
                rule: text("rule")?,
                path: text("path").unwrap_or(""),
                reason: text("reason").unwrap_or(""),
                document: text("document").filter(|document| !document.trim().is_empty()),
            })
        })
        .collect()
}

fn covers(waiver_path: &str, finding_path: &str) -> bool {
    waiver_path.is_empty()
        || finding_path == waiver_path
        || (finding_path.starts_with(waiver_path)
            && finding_path.as_bytes().get(waiver_path.len()) == Some(&b'/'))
}

pub fn apply(pack: &Pack, dossier: &Dossier, lang: Lang, findings: &mut Vec<Finding>) {
    let waivers = read_waivers(&dossier.root);
    if waivers.is_empty() {
        return;
    }
    let mut problems = Vec::new();
    for waiver in &waivers {
        let at = |field: &str| format!("/waivers/{}{field}", waiver.index);
        let problem = |message: String, severity: Severity, path: String| {
            finding_at(
                dossier,
                FindingText {
                    rule: WAIVER_RULE,
                    failed_rule: None,
                    clause: None,
                    reference: None,
                    severity,
                    message,
                    label: lang.pick("豁免", "waiver").to_string(),
                    help: Some(
                        lang.pick(
                            "豁免写明 rule（规则编号）、path（JSON 指针）、reason（理由）、document（批准文件）和 approved_on（批准日期）。",
                            "a waiver names the rule, the path (a JSON Pointer), the reason, the approving document and approved_on.",
                        )
                        .to_string(),
                    ),
                },
                path,
                lang,
                &pack.field_titles,
            )
        };
        if [STRUCTURE_RULE, RULE_ERROR, WAIVER_RULE].contains(&waiver.rule) {
            problems.push(problem(
                match lang {
                    Lang::Zh => format!(
                        "`{}` 不能豁免：它说的是申报材料本身或规则包的问题",
                        waiver.rule
                    ),
                    Lang::En => format!(
                        "`{}` cannot be waived: it is about the dossier or the pack itself",
                        waiver.rule
                    ),
                },
                Severity::Error,
                at("/rule"),
            ));
            continue;
        }
        let rules: Vec<_> = pack
            .rules
            .iter()
            .filter(|rule| rule.id == waiver.rule)
            .collect();
        if rules.is_empty() {
            problems.push(problem(
                match lang {
                    Lang::Zh => format!(
                        "豁免的规则 `{}` 不是规则包 {} 中的规则",
                        waiver.rule, pack.manifest.id
                    ),
                    Lang::En => format!(
                        "the waived rule `{}` is not a rule of the pack {}",
                        waiver.rule, pack.manifest.id
                    ),
                },
                Severity::Error,
                at("/rule"),
            ));
            continue;
        }
        let shall_clause = rules.iter().find_map(|rule| {
            rule.clauses.iter().find(|number| {
                pack.clause(number)
                    .is_some_and(|clause| clause.force == Force::Shall)
            })
        });
        if let (true, Some(number), None) = (
            pack.manifest.waivers_need_document,
            shall_clause,
            waiver.document,
        ) {
            problems.push(problem(
                match lang {
                    Lang::Zh => format!(
                        "规则 `{}` 执行的是“应”条款 {number}：规则包要求这类豁免写明批准文件（document），该豁免未生效",
                        waiver.rule
                    ),
                    Lang::En => format!(
                        "the rule `{}` enforces the shall clause {number}: the pack requires such a waiver to name its approving document; it is not applied",
                        waiver.rule
                    ),
                },
                Severity::Error,
                at(""),
            ));
            continue;
        }
        let mut matched = false;
        for finding in findings.iter_mut() {
            if finding.rule == waiver.rule
                && finding.waived.is_none()
                && covers(waiver.path, &finding.path)
            {
                finding.waived = Some(Waived {
                    reason: waiver.reason.to_string(),
                    document: waiver.document.map(str::to_string),
                });
                matched = true;
            }
        }
        if !matched {
            problems.push(problem(
                match lang {
                    Lang::Zh => format!(
                        "豁免（规则 `{}`，路径 `{}`）没有对应的发现：请删除或核对路径",
                        waiver.rule, waiver.path
                    ),
                    Lang::En => format!(
                        "the waiver of `{}` at `{}` matches no finding: remove it or check the path",
                        waiver.rule, waiver.path
                    ),
                },
                Severity::Warning,
                at(""),
            ));
        }
    }
    findings.extend(problems);
}
