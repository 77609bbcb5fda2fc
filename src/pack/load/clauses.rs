//! The clauses of the pack's standard and the reference standards a rule may cite instead, and
//! the rule each attestation clause gets (`attestation-missing`).

use std::collections::BTreeSet;
use std::sync::Arc;

use super::names::is_clause_number;

use super::rules::severity_cap;
use super::Loader;
use crate::pack::de::Spanned;
use crate::pack::spec::{ClauseSpec, Coverage, ReferenceSpec, Stage};
use crate::pack::{Clause, Localized, Origin, Reference, Rule, Target, Template, TemplatePart};
use crate::source::SourceFile;

impl Loader {
    pub(super) fn clause(&mut self, file: &Arc<SourceFile>, spec: ClauseSpec) {
        if !is_clause_number(&spec.number) {
            self.problems.add(
                file,
                spec.number.span,
                format!("`{}` is not a clause number", spec.number.value),
                "e.g. 5.2.1.1, or DB-4.1 for a local standard's",
            );
            return;
        }
        if let Some((first_file, first_span)) = self.clause_spans.get(&spec.number.value) {
            let first = first_file.line_column(first_span.start());
            self.problems.add(
                file,
                spec.number.span,
                format!(
                    "clause {} is listed twice (first in {} at line {})",
                    spec.number.value, first_file.name, first.line
                ),
                "listed again",
            );
            return;
        }
        if *spec.coverage == Coverage::Informative
            && spec.reason.as_deref().is_none_or(str::is_empty)
        {
            self.problems.add(
                file,
                spec.coverage.span,
                format!(
                    "clause {} is informative but gives no `reason`",
                    spec.number.value
                ),
                "say why it cannot be checked",
            );
        }
        self.clause_spans.insert(
            spec.number.value.clone(),
            (Arc::clone(file), spec.number.span),
        );
        self.clauses.push(Clause {
            number: spec.number.value,
            force: spec.force,
            coverage: spec.coverage.value,
            text: spec.text,
            reason: spec.reason,
            attested_from: spec.attested_from.map(|stage| stage.value),
            pack: self.current_pack.clone(),
        });
    }

    pub(super) fn reference(&mut self, file: &Arc<SourceFile>, spec: ReferenceSpec) {
        if self
            .references
            .iter()
            .any(|known| known.standard == spec.standard.value)
        {
            self.problems.add(
                file,
                spec.standard.span,
                format!("the reference {} is listed twice", spec.standard.value),
                "listed again",
            );
            return;
        }
        self.references.push(Reference {
            standard: spec.standard.value,
            title: spec.title,
        });
    }

    /// Clauses marked `attestation` get a rule: an attestation in the dossier must name them.
    pub(super) fn attestation_rules(&mut self) {
        self.scope = crate::pack::static_check::Scope::default();
        let attested: Vec<Clause> = self
            .clauses
            .iter()
            .filter(|clause| clause.coverage == Coverage::Attestation)
            .cloned()
            .collect();
        if attested.is_empty() {
            return;
        }
        let known = self.known_names(&[]);
        for clause in attested {
            let Some((file, span)) = self.clause_spans.get(&clause.number).cloned() else {
                continue;
            };
            let number = &clause.number;
            let text = Spanned {
                span,
                value: format!(
                    "has(doc.attestations) && doc.attestations.exists(a, has(a.clause) && a.clause == '{number}')"
                ),
            };
            let Some(assertion) = self.compile(&file, None, &text, &known) else {
                continue;
            };
            let literal = |text: String| Template {
                parts: vec![TemplatePart::Literal(text)],
            };
            let fields_read = assertion.fields.iter().cloned().collect();
            let chains = assertion
                .chains
                .iter()
                .filter(|chain| chain.root == "doc")
                .cloned()
                .collect();
            let sections_read = Some(BTreeSet::from(["attestations".to_string()]));
            self.rules.push(Rule {
                id: "attestation-missing".to_string(),
                clauses: vec![number.clone()],
                reference: None,
                cite: None,
                stage: clause.attested_from.unwrap_or(Stage::Proposal),
                severity: severity_cap(clause.force),
                for_each: Vec::new(),
                guard: None,
                assertion,
                target: Some(Target::Absolute("/attestations".to_string())),
                message: Localized {
                    zh: literal(format!("缺少对条款 {number} 的声明（attestation）")),
                    en: literal(format!("no attestation names clause {number}")),
                },
                help: Some(Localized {
                    zh: format!("在 attestations 中加入一条声明：clause: '{number}'，写明 statement（声明内容）、attested_by（声明人）和 attested_on（日期）。"),
                    en: format!("add an entry to attestations with clause: '{number}', a statement, attested_by (who attests) and attested_on (the date)."),
                }),
                effective_from: None,
                effective_until: None,
                origin: Origin { file, span },
                chains,
                guard_chains: Vec::new(),
                fields_read,
                reads_across_elements: true,
                sections_read,
                format: false,
                lineage: crate::pack::Lineage::defined(&clause.pack),
            });
        }
    }
}
