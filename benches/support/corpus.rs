//! A deterministic generator of realistic entry dossiers (进驻申报材料) for the national pack, with
//! a chosen fraction of planted violations. Shared, unchanged, by `examples/corpus.rs` (which
//! writes the corpus to disk) and the benchmarks in `benches/` (which generate their inputs in
//! memory): both include this file with `#[path]`.
//!
//! Everything comes from one seeded SplitMix64 generator per dossier, so the same arguments give
//! byte-identical output on every machine, and dossier `n` is the same whatever `--dossiers` is.
//! Organisations, people, local documents and codes are fictitious (USCC check characters are
//! valid per GB 32100); the laws and regulations cited are real national ones, with illustrative
//! article numbers.
//!
//! With `violations: 0.0` every dossier checks clean against the national pack. With a fraction
//! `f`, each item and each person independently carries one planted violation with probability
//! `f` (the kind drawn uniformly among those that apply to it); [`Planted`] counts them by kind.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, Duration, NaiveDate};

// ------------------------------------------------------------------------------------------
// options and workloads

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    /// How many dossiers (one file each).
    pub dossiers: usize,
    /// Items per dossier.
    pub items: usize,
    /// Staff per dossier (at least 1; one window per five staff, each with a lead).
    pub staff: usize,
    /// The probability that an item or a person carries a planted violation, 0.0 ..= 1.0.
    pub violations: f64,
    pub seed: u64,
    pub format: Format,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dossiers: 1,
            items: 300,
            staff: 30,
            violations: 0.0,
            seed: 1,
            format: Format::Yaml,
        }
    }
}

/// The three standard workloads (docs/PERFORMANCE.md): `w1` one department (300 items, 30
/// staff); `w2` a province (200 such dossiers); `w3` one file with 100,000 items.
pub fn workload(name: &str) -> Option<Options> {
    let base = Options::default();
    match name.to_ascii_lowercase().as_str() {
        "w1" => Some(base),
        "w2" => Some(Options {
            dossiers: 200,
            ..base
        }),
        "w3" => Some(Options {
            items: 100_000,
            staff: 200,
            ..base
        }),
        _ => None,
    }
}

/// The file name of dossier `index` (from 0).
pub fn file_name(options: &Options, index: usize) -> String {
    format!("dossier-{:04}.{}", index + 1, options.format.extension())
}

// ------------------------------------------------------------------------------------------
// planted violations

/// The kinds of planted violation, with the rule of the national pack that reports each (a
/// rule the pack does not have yet is still planted: its count tells the rule author what a
/// new rule should find).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Violation {
    LegalBasisMissing,
    LicensingBasisNormativeOnly,
    ProposalMissing,
    RecognitionMissing,
    RecognitionNotJoint,
    RecognitionBeforeProposal,
    PublicationBeforeRecognition,
    HandlingUnitNotSingle,
    PromisedLimitExceedsStatutory,
    PromisedLimitNotCompressed,
    ItemWindowUndeclared,
    PersonVettingMissing,
    PersonTrainingAfterStationing,
    PersonNotRegistered,
    PersonNotActive,
    LeadPostLevelTooLow,
    PersonWindowUndeclared,
    CertificateExpired,
}

impl Violation {
    /// The rule id that reports the violation.
    pub fn rule(self) -> &'static str {
        match self {
            Violation::LegalBasisMissing => "item-legal-basis-missing",
            Violation::LicensingBasisNormativeOnly => "item-licensing-basis-normative-only",
            Violation::ProposalMissing => "item-proposal-missing",
            Violation::RecognitionMissing => "item-recognition-missing",
            Violation::RecognitionNotJoint => "item-recognition-not-joint",
            Violation::RecognitionBeforeProposal => "item-recognition-before-proposal",
            Violation::PublicationBeforeRecognition => "item-publication-before-recognition",
            Violation::HandlingUnitNotSingle => "item-handling-unit-not-single",
            Violation::PromisedLimitExceedsStatutory => "item-promised-limit-exceeds-statutory",
            Violation::PromisedLimitNotCompressed => "item-promised-limit-not-compressed",
            Violation::ItemWindowUndeclared => "item-window-unknown",
            Violation::PersonVettingMissing => "person-not-vetted",
            Violation::PersonTrainingAfterStationing => "person-stationed-before-training",
            Violation::PersonNotRegistered => "person-not-registered",
            Violation::PersonNotActive => "person-not-active-employee",
            Violation::LeadPostLevelTooLow => "lead-post-level-too-low",
            Violation::PersonWindowUndeclared => "person-window-unknown",
            Violation::CertificateExpired => "person-certificate-expired",
        }
    }
}

const ITEM_VIOLATIONS: &[Violation] = &[
    Violation::LegalBasisMissing,
    Violation::LicensingBasisNormativeOnly,
    Violation::ProposalMissing,
    Violation::RecognitionMissing,
    Violation::RecognitionNotJoint,
    Violation::RecognitionBeforeProposal,
    Violation::PublicationBeforeRecognition,
    Violation::HandlingUnitNotSingle,
    Violation::PromisedLimitExceedsStatutory,
    Violation::PromisedLimitNotCompressed,
    Violation::ItemWindowUndeclared,
];

const PERSON_VIOLATIONS: &[Violation] = &[
    Violation::PersonVettingMissing,
    Violation::PersonTrainingAfterStationing,
    Violation::PersonNotRegistered,
    Violation::PersonNotActive,
    Violation::LeadPostLevelTooLow,
    Violation::PersonWindowUndeclared,
    Violation::CertificateExpired,
];

/// How many violations of each kind were planted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Planted {
    pub counts: BTreeMap<Violation, usize>,
}

impl Planted {
    fn add(&mut self, violation: Violation) {
        *self.counts.entry(violation).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Planted) {
        for (violation, count) in &other.counts {
            *self.counts.entry(*violation).or_default() += count;
        }
    }

    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }
}

// ------------------------------------------------------------------------------------------
// the generator

/// SplitMix64: tiny, fast, and the same everywhere.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (bound > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        ((self.next_u64() >> 11) % bound as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        probability > 0.0 && self.unit() < probability
    }

    pub fn pick<'a, T>(&mut self, choices: &'a [T]) -> &'a T {
        &choices[self.below(choices.len())]
    }
}

/// Generates dossier `index` (from 0) as text, and what was planted in it.
pub fn generate_dossier(options: &Options, index: usize) -> (String, Planted) {
    let mut rng = Rng::new(
        options
            .seed
            .wrapping_mul(0x2545_F491_4F6C_DD1D)
            .wrapping_add(index as u64),
    );
    let mut planted = Planted::default();
    let dossier = build_dossier(options, index, &mut rng, &mut planted);
    let mut text = String::with_capacity(options.items * 2200 + 16 * 1024);
    match options.format {
        Format::Yaml => {
            text.push_str(HEADER_YAML);
            write_yaml_map(&mut text, &dossier, 0, false);
        }
        Format::Json => {
            write_json(&mut text, &Value::Map(dossier), 0);
            text.push('\n');
        }
    }
    (text, planted)
}

/// Every dossier of the options, in order: (file name, text).
pub fn generate_all(options: &Options) -> (Vec<(String, String)>, Planted) {
    let mut planted = Planted::default();
    let files = (0..options.dossiers)
        .map(|index| {
            let (text, dossier_planted) = generate_dossier(options, index);
            planted.merge(&dossier_planted);
            (file_name(options, index), text)
        })
        .collect();
    (files, planted)
}

const HEADER_YAML: &str = "# Generated by examples/corpus.rs (guifan's benchmark corpus): a fictitious entry dossier\n\
# (进驻申报材料) for the national pack cn.gbt.xzfwzx-2. Organisations, people, local documents and\n\
# codes are invented (USCC check characters are valid per GB 32100); the laws cited are real\n\
# national ones, with illustrative article numbers.\n";

// ------------------------------------------------------------------------------------------
// a tiny document model, written as YAML or JSON

#[derive(Clone, Debug)]
enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<Value>),
    Map(Vec<(&'static str, Value)>),
}

fn s(text: impl Into<String>) -> Value {
    Value::Str(text.into())
}

fn strs(texts: &[&str]) -> Value {
    Value::List(texts.iter().map(|text| s(*text)).collect())
}

fn date(day: NaiveDate) -> Value {
    Value::Str(day.format("%Y-%m-%d").to_string())
}

type Map = Vec<(&'static str, Value)>;

fn remove(map: &mut Map, key: &str) {
    map.retain(|(candidate, _)| *candidate != key);
}

fn set(map: &mut Map, key: &'static str, value: Value) {
    match map.iter_mut().find(|(candidate, _)| *candidate == key) {
        Some(slot) => slot.1 = value,
        None => map.push((key, value)),
    }
}

fn child<'a>(map: &'a mut Map, key: &str) -> Option<&'a mut Map> {
    map.iter_mut()
        .find(|(candidate, _)| *candidate == key)
        .and_then(|(_, value)| match value {
            Value::Map(entries) => Some(entries),
            _ => None,
        })
}

/// A string YAML reads back as the same string when written plain (no quotes).
fn plain_safe(text: &str, in_flow: bool) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace() {
        return false;
    }
    if text.ends_with(char::is_whitespace) || text.ends_with(':') {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.contains(['\n', '\t', '\\']) {
        return false;
    }
    if in_flow && text.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    // anything the core schema could read as a number, a boolean or null is quoted
    if text
        .chars()
        .all(|c| c.is_ascii_digit() || "+-.eExXoO_:".contains(c))
    {
        return false;
    }
    !matches!(
        text.to_ascii_lowercase().as_str(),
        "true"
            | "false"
            | "null"
            | "~"
            | ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
            | "y"
            | "n"
            | "yes"
            | "no"
            | "on"
            | "off"
    )
}

fn write_yaml_scalar(out: &mut String, value: &Value, in_flow: bool) {
    match value {
        Value::Str(text) if plain_safe(text, in_flow) => out.push_str(text),
        Value::Str(text) => {
            out.push('\'');
            out.push_str(&text.replace('\'', "''"));
            out.push('\'');
        }
        Value::Int(number) => {
            let _ = write!(out, "{number}");
        }
        Value::Bool(boolean) => out.push_str(if *boolean { "true" } else { "false" }),
        Value::List(_) | Value::Map(_) => unreachable!("not a scalar"),
    }
}

fn indent(out: &mut String, width: usize) {
    for _ in 0..width {
        out.push(' ');
    }
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::List(_) | Value::Map(_))
}

/// Block mapping at `width`; the first key follows a `- ` already written when `inline_first`.
fn write_yaml_map(out: &mut String, entries: &Map, width: usize, inline_first: bool) {
    for (position, (key, value)) in entries.iter().enumerate() {
        if !(position == 0 && inline_first) {
            indent(out, width);
        }
        out.push_str(key);
        out.push(':');
        match value {
            Value::Map(inner) if inner.is_empty() => out.push_str(" {}\n"),
            Value::Map(inner) => {
                out.push('\n');
                write_yaml_map(out, inner, width + 2, false);
            }
            Value::List(items) if items.is_empty() => out.push_str(" []\n"),
            Value::List(items)
                if items.iter().all(|item| match item {
                    Value::Str(text) => !text.contains('\n') && text.chars().count() <= 16,
                    other => is_scalar(other),
                }) && items.len() <= 12 =>
            {
                out.push_str(" [");
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    write_yaml_scalar(out, item, true);
                }
                out.push_str("]\n");
            }
            Value::List(items) => {
                out.push('\n');
                for item in items {
                    indent(out, width + 2);
                    out.push_str("- ");
                    match item {
                        Value::Map(inner) => write_yaml_map(out, inner, width + 4, true),
                        Value::List(_) => unreachable!("no lists of lists in a dossier"),
                        scalar => {
                            write_yaml_scalar(out, scalar, false);
                            out.push('\n');
                        }
                    }
                }
            }
            scalar => {
                out.push(' ');
                write_yaml_scalar(out, scalar, false);
                out.push('\n');
            }
        }
    }
}

fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_json(out: &mut String, value: &Value, width: usize) {
    match value {
        Value::Str(text) => write_json_string(out, text),
        Value::Int(number) => {
            let _ = write!(out, "{number}");
        }
        Value::Bool(boolean) => out.push_str(if *boolean { "true" } else { "false" }),
        Value::List(items) if items.is_empty() => out.push_str("[]"),
        Value::List(items) if items.iter().all(is_scalar) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_json(out, item, width);
            }
            out.push(']');
        }
        Value::List(items) => {
            out.push_str("[\n");
            for (index, item) in items.iter().enumerate() {
                indent(out, width + 2);
                write_json(out, item, width + 2);
                out.push_str(if index + 1 < items.len() { ",\n" } else { "\n" });
            }
            indent(out, width);
            out.push(']');
        }
        Value::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Value::Map(entries) => {
            out.push_str("{\n");
            for (index, (key, item)) in entries.iter().enumerate() {
                indent(out, width + 2);
                write_json_string(out, key);
                out.push_str(": ");
                write_json(out, item, width + 2);
                out.push_str(if index + 1 < entries.len() {
                    ",\n"
                } else {
                    "\n"
                });
            }
            indent(out, width);
            out.push('}');
        }
    }
}

// ------------------------------------------------------------------------------------------
// reference data

/// A law, regulation or other document a legal basis cites: (title, level, document number).
type Law = (&'static str, &'static str, Option<&'static str>);

const LAWS: &[Law] = &[
    /* 0 */
    (
        "中华人民共和国行政许可法",
        "law",
        Some("中华人民共和国主席令第七号"),
    ),
    /* 1 */
    (
        "中华人民共和国公司法",
        "law",
        Some("中华人民共和国主席令第十五号"),
    ),
    /* 2 */
    (
        "中华人民共和国市场主体登记管理条例",
        "administrative_regulation",
        Some("国务院令第746号"),
    ),
    /* 3 */
    (
        "中华人民共和国食品安全法",
        "law",
        Some("中华人民共和国主席令第二十一号"),
    ),
    /* 4 */
    (
        "中华人民共和国药品管理法",
        "law",
        Some("中华人民共和国主席令第三十一号"),
    ),
    /* 5 */ ("中华人民共和国建筑法", "law", None),
    /* 6 */
    (
        "建设工程质量管理条例",
        "administrative_regulation",
        Some("国务院令第279号"),
    ),
    /* 7 */ ("中华人民共和国城乡规划法", "law", None),
    /* 8 */ ("中华人民共和国土地管理法", "law", None),
    /* 9 */
    (
        "不动产登记暂行条例",
        "administrative_regulation",
        Some("国务院令第656号"),
    ),
    /* 10 */
    (
        "中华人民共和国道路运输条例",
        "administrative_regulation",
        Some("国务院令第406号"),
    ),
    /* 11 */ ("中华人民共和国公路法", "law", None),
    /* 12 */ ("中华人民共和国环境影响评价法", "law", None),
    /* 13 */
    (
        "排污许可管理条例",
        "administrative_regulation",
        Some("国务院令第736号"),
    ),
    /* 14 */ ("中华人民共和国民办教育促进法", "law", None),
    /* 15 */ ("中华人民共和国教师法", "law", None),
    /* 16 */ ("中华人民共和国社会保险法", "law", None),
    /* 17 */
    (
        "人力资源市场暂行条例",
        "administrative_regulation",
        Some("国务院令第700号"),
    ),
    /* 18 */ ("中华人民共和国医师法", "law", None),
    /* 19 */
    (
        "医疗机构管理条例",
        "administrative_regulation",
        Some("国务院令第149号"),
    ),
    /* 20 */ ("中华人民共和国消防法", "law", None),
    /* 21 */ ("中华人民共和国水法", "law", None),
    /* 22 */
    (
        "取水许可和水资源费征收管理条例",
        "administrative_regulation",
        Some("国务院令第460号"),
    ),
    /* 23 */ ("中华人民共和国种子法", "law", None),
    /* 24 */
    (
        "农药管理条例",
        "administrative_regulation",
        Some("国务院令第677号"),
    ),
    /* 25 */ ("中华人民共和国动物防疫法", "law", None),
    /* 26 */ ("中华人民共和国旅游法", "law", None),
    /* 27 */
    (
        "娱乐场所管理条例",
        "administrative_regulation",
        Some("国务院令第458号"),
    ),
    /* 28 */
    (
        "社会团体登记管理条例",
        "administrative_regulation",
        Some("国务院令第250号"),
    ),
    /* 29 */
    (
        "婚姻登记条例",
        "administrative_regulation",
        Some("国务院令第387号"),
    ),
    /* 30 */
    (
        "城市房地产开发经营管理条例",
        "administrative_regulation",
        None,
    ),
    /* 31 */ ("住房公积金管理条例", "administrative_regulation", None),
    /* 32 */
    (
        "建筑工程施工许可管理办法",
        "rule",
        Some("住房和城乡建设部令第18号"),
    ),
    /* 33 */ ("中华人民共和国广告法", "law", None),
    /* 34 */ ("中华人民共和国特种设备安全法", "law", None),
    /* 35 */ ("中华人民共和国计量法", "law", None),
    /* 36 */ ("中华人民共和国劳动合同法", "law", None),
    /* 37 */ ("中华人民共和国就业促进法", "law", None),
    /* 38 */ ("中华人民共和国水土保持法", "law", None),
    /* 39 */
    (
        "营业性演出管理条例",
        "administrative_regulation",
        Some("国务院令第528号"),
    ),
    /* 40 */
    (
        "民办非企业单位登记管理暂行条例",
        "administrative_regulation",
        Some("国务院令第251号"),
    ),
    /* 41 */ ("中华人民共和国固体废物污染环境防治法", "law", None),
    /* 42 */
    (
        "优化营商环境条例",
        "administrative_regulation",
        Some("国务院令第722号"),
    ),
];

/// A normative document: planted as the only basis of a licence.
const NORMATIVE: Law = (
    "某省政务服务事项办理指南编制规范",
    "normative_document",
    Some("某政务办发〔2024〕7号"),
);

/// A family of items of one department: (name, task type, laws, statutory limit, unit).
type Family = (
    &'static str,
    &'static str,
    &'static [usize],
    i64,
    &'static str,
);

struct Department {
    name: &'static str,
    abbreviation: &'static str,
    /// How the department's document numbers start (某市监发〔2026〕5号).
    short: &'static str,
    domain: &'static str,
    handling_unit: &'static str,
    families: &'static [Family],
    systems: &'static [(&'static str, &'static str)],
    certificate: &'static str,
}

const WD: &str = "working_days";
const ND: &str = "natural_days";

const DEPARTMENTS: &[Department] = &[
    Department {
        name: "市场监督管理局",
        abbreviation: "SJ",
        short: "市监",
        domain: "01",
        handling_unit: "行政审批服务科",
        families: &[
            ("企业设立登记", "01", &[1, 2], 3, WD),
            ("食品经营许可", "01", &[3, 0], 20, WD),
            ("药品零售企业经营许可", "01", &[4], 30, WD),
            ("特种设备使用登记", "01", &[34], 30, WD),
            ("计量标准器具核准", "01", &[35], 20, WD),
            ("股权出质登记", "07", &[2], 3, WD),
            ("广告发布登记", "01", &[33], 10, WD),
            ("消费者投诉受理", "20", &[42], 7, WD),
        ],
        systems: &[
            ("全国市场主体登记注册系统（业务专网终端）", "network"),
            ("营业执照打印设备", "equipment"),
        ],
        certificate: "行政执法证",
    },
    Department {
        name: "自然资源和规划局",
        abbreviation: "ZR",
        short: "自然资源",
        domain: "02",
        handling_unit: "政务服务科",
        families: &[
            ("建设用地规划许可证核发", "01", &[7], 20, WD),
            ("建设工程规划许可证核发", "01", &[7], 20, WD),
            ("不动产首次登记", "07", &[9], 30, WD),
            ("不动产转移登记", "07", &[9], 30, WD),
            ("临时用地审批", "01", &[8], 20, WD),
            ("不动产登记资料查询", "20", &[9], 5, WD),
        ],
        systems: &[("不动产登记信息管理平台（专网终端）", "network")],
        certificate: "不动产登记员证",
    },
    Department {
        name: "住房和城乡建设局",
        abbreviation: "ZJ",
        short: "住建",
        domain: "03",
        handling_unit: "行政审批科",
        families: &[
            ("建筑工程施工许可证核发", "01", &[5, 32], 7, WD),
            ("商品房预售许可", "01", &[30], 10, WD),
            ("建筑业企业资质核准", "01", &[5, 6], 20, WD),
            ("房地产开发企业资质核定", "01", &[30], 20, WD),
            ("建设工程竣工验收备案", "10", &[6], 15, WD),
            ("住房公积金提取", "20", &[31], 3, WD),
        ],
        systems: &[("建筑市场监管与诚信信息平台（专网终端）", "network")],
        certificate: "行政执法证",
    },
    Department {
        name: "交通运输局",
        abbreviation: "JT",
        short: "交",
        domain: "04",
        handling_unit: "行政审批科",
        families: &[
            ("道路旅客运输经营许可", "01", &[10], 20, WD),
            ("道路货物运输经营许可", "01", &[10], 20, WD),
            ("公路超限运输许可", "01", &[11], 5, WD),
            ("机动车维修经营备案", "10", &[10], 5, WD),
            ("道路运输从业人员从业资格证核发", "01", &[10], 10, WD),
        ],
        systems: &[("道路运政管理信息系统（专网终端）", "network")],
        certificate: "交通运输行政执法证",
    },
    Department {
        name: "生态环境局",
        abbreviation: "HB",
        short: "环",
        domain: "05",
        handling_unit: "行政审批科",
        families: &[
            ("建设项目环境影响报告书审批", "01", &[12], 60, ND),
            ("建设项目环境影响报告表审批", "01", &[12], 30, ND),
            ("排污许可证核发", "01", &[13], 20, WD),
            ("危险废物经营许可证核发", "01", &[41], 20, WD),
        ],
        systems: &[("全国排污许可证管理信息平台（专网终端）", "network")],
        certificate: "生态环境行政执法证",
    },
    Department {
        name: "教育局",
        abbreviation: "JY",
        short: "教",
        domain: "06",
        handling_unit: "政务服务科",
        families: &[
            ("民办学校办学许可", "01", &[14], 90, ND),
            ("教师资格认定", "01", &[15], 30, WD),
            ("民办学校变更审批", "01", &[14], 30, WD),
            ("学生资助申请受理", "20", &[14], 10, WD),
        ],
        systems: &[("教师资格管理信息系统（专网终端）", "network")],
        certificate: "行政执法证",
    },
    Department {
        name: "人力资源和社会保障局",
        abbreviation: "RS",
        short: "人社",
        domain: "07",
        handling_unit: "行政审批科",
        families: &[
            ("人力资源服务许可", "01", &[17], 20, WD),
            ("劳务派遣经营许可", "01", &[36], 20, WD),
            ("社会保险登记", "07", &[16], 5, WD),
            ("就业失业登记", "20", &[37], 5, WD),
        ],
        systems: &[("社会保险业务经办系统（专网终端）", "network")],
        certificate: "劳动保障监察证",
    },
    Department {
        name: "卫生健康委员会",
        abbreviation: "WJ",
        short: "卫健",
        domain: "08",
        handling_unit: "行政审批科",
        families: &[
            ("医疗机构执业登记", "01", &[19], 45, ND),
            ("医师执业注册", "01", &[18], 20, WD),
            ("公共场所卫生许可", "01", &[0], 20, WD),
            ("出生医学证明签发", "20", &[19], 5, WD),
        ],
        systems: &[("医疗卫生机构注册联网管理系统（专网终端）", "network")],
        certificate: "卫生监督员证",
    },
    Department {
        name: "水利局",
        abbreviation: "SL",
        short: "水",
        domain: "09",
        handling_unit: "行政审批科",
        families: &[
            ("取水许可", "01", &[22, 21], 45, WD),
            ("生产建设项目水土保持方案审批", "01", &[38], 20, WD),
            (
                "河道管理范围内建设项目工程建设方案审批",
                "01",
                &[21],
                20,
                WD,
            ),
        ],
        systems: &[("水利行政审批系统（专网终端）", "network")],
        certificate: "水政监察证",
    },
    Department {
        name: "农业农村局",
        abbreviation: "NY",
        short: "农",
        domain: "10",
        handling_unit: "行政审批科",
        families: &[
            ("农作物种子生产经营许可", "01", &[23], 20, WD),
            ("农药经营许可", "01", &[24], 20, WD),
            ("动物防疫条件合格证核发", "01", &[25], 20, WD),
        ],
        systems: &[("种子管理信息系统（专网终端）", "network")],
        certificate: "农业综合行政执法证",
    },
    Department {
        name: "文化广电和旅游局",
        abbreviation: "WL",
        short: "文旅",
        domain: "11",
        handling_unit: "行政审批科",
        families: &[
            ("旅行社业务经营许可", "01", &[26], 20, WD),
            ("娱乐场所经营许可", "01", &[27], 20, WD),
            ("营业性演出审批", "01", &[39], 20, WD),
        ],
        systems: &[("全国旅游监管服务平台（专网终端）", "network")],
        certificate: "文化市场综合执法证",
    },
    Department {
        name: "民政局",
        abbreviation: "MZ",
        short: "民",
        domain: "12",
        handling_unit: "政务服务科",
        families: &[
            ("社会团体成立登记", "01", &[28], 60, ND),
            ("民办非企业单位成立登记", "01", &[40], 60, ND),
            ("结婚登记", "07", &[29], 1, WD),
            ("离婚登记", "07", &[29], 30, ND),
        ],
        systems: &[("全国婚姻登记信息管理系统（专网终端）", "network")],
        certificate: "行政执法证",
    },
];

/// Variants of an item (the sub-items of an implementing list).
const VARIANTS: &[&str] = &[
    "",
    "（新办）",
    "（变更）",
    "（延续）",
    "（注销）",
    "（补证）",
    "（换证）",
    "（迁移）",
];

/// Further qualifiers when a department has more items than families × variants.
const QUALIFIERS: &[&str] = &[
    "一般程序",
    "简易程序",
    "告知承诺制",
    "容缺受理",
    "跨区域通办",
    "全程网办",
    "联办",
    "即办",
];

/// (city, region code): cities and counties of a fictitious province with Guangxi's codes.
const PLACES: &[(&str, &str, &str)] = &[
    ("某市", "450100", "3"),
    ("东川市", "450200", "3"),
    ("南岭市", "450300", "3"),
    ("西江市", "450400", "3"),
    ("北流市", "450500", "3"),
    ("青山市", "450600", "3"),
    ("白沙市", "450700", "3"),
    ("金田市", "450800", "3"),
    ("玉河市", "450900", "3"),
    ("长宁市", "451000", "3"),
    ("安平市", "451100", "3"),
    ("平乐市", "451200", "3"),
    ("清溪县", "450123", "4"),
    ("桃源县", "450225", "4"),
    ("云岭县", "450324", "4"),
    ("石门县", "450421", "4"),
    ("龙泉县", "450521", "4"),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "韦", "覃", "蒙", "莫", "陆", "欧阳",
    "司马",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "志", "红", "海", "峰", "晓", "燕",
    "婷", "东", "文", "玲", "鹏", "宇", "欣", "慧",
];

const STEPS: &[&[&str]] = &[
    &["受理", "审查", "决定", "送达"],
    &["受理", "审查", "决定", "制证", "送达"],
    &["受理", "审查", "现场核查", "决定", "制证", "送达"],
    &["受理", "审核", "办结"],
];

const DISCLOSURE: &[&str] = &[
    "办理主体",
    "办理依据",
    "办理条件",
    "办理程序",
    "办理时限",
    "办理结果",
    "收费依据",
    "收费标准",
    "监督渠道",
];

const ARTICLES: &[&str] = &[
    "第三条",
    "第十二条",
    "第十九条",
    "第二十二条",
    "第二十九条",
    "第三十五条",
    "第四十二条",
    "第五十条",
];

const CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A USCC with a valid GB 32100 check character: `prefix` (registration authority, kind and
/// region, 8 characters) + 9 random characters + the check character.
pub fn uscc(prefix: &str, rng: &mut Rng) -> String {
    let mut code: Vec<u8> = prefix.as_bytes().to_vec();
    while code.len() < 17 {
        code.push(CHARSET[rng.below(10)]);
    }
    let mut sum = 0u32;
    let mut weight = 1u32;
    for byte in &code {
        let value = CHARSET
            .iter()
            .position(|allowed| allowed == byte)
            .unwrap_or(0) as u32;
        sum += value * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    code.push(CHARSET[check as usize]);
    String::from_utf8(code).unwrap_or_default()
}

fn person_name(rng: &mut Rng) -> String {
    let mut name = rng.pick(SURNAMES).to_string();
    name.push_str(rng.pick::<&str>(GIVEN));
    if rng.chance(0.6) {
        name.push_str(rng.pick::<&str>(GIVEN));
    }
    name
}

fn chinese_number(number: usize) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    number
        .to_string()
        .bytes()
        .map(|digit| DIGITS[(digit - b'0') as usize])
        .collect()
}

// ------------------------------------------------------------------------------------------
// building a dossier

struct Context<'a> {
    options: &'a Options,
    department: &'a Department,
    city: &'static str,
    level: &'static str,
    department_name: String,
    uscc: String,
    submitted: NaiveDate,
    windows: Vec<String>,
    doc_prefix: String,
}

impl Context<'_> {
    fn before(&self, days: i64) -> NaiveDate {
        self.submitted - Duration::days(days)
    }
}

fn build_dossier(options: &Options, index: usize, rng: &mut Rng, planted: &mut Planted) -> Map {
    let department = &DEPARTMENTS[index % DEPARTMENTS.len()];
    let (city, region, level) = PLACES[(index / DEPARTMENTS.len()) % PLACES.len()];
    let round = index / (DEPARTMENTS.len() * PLACES.len());
    let department_name = if round == 0 {
        format!("{city}{}", department.name)
    } else {
        format!(
            "{city}{}（第{}批）",
            department.name,
            chinese_number(round + 1)
        )
    };
    let uscc = uscc(&format!("11{region}MB"), rng);
    let submitted = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
        + Duration::days(rng.below(26) as i64);
    let staff = options.staff.max(1);
    let window_count = staff.div_ceil(5);
    let windows: Vec<String> = (1..=window_count)
        .map(|number| format!("{}{number:02}", department.abbreviation))
        .collect();
    let year = submitted.year();
    let context = Context {
        options,
        department,
        city,
        level,
        department_name,
        uscc,
        submitted,
        windows,
        doc_prefix: format!(
            "{}{}",
            city.chars().next().unwrap_or('某'),
            department.short
        ),
    };

    let mut items = Vec::with_capacity(options.items);
    let mut power_list = Vec::with_capacity(options.items + 2);
    for item_index in 0..options.items {
        let (item, entry) = build_item(&context, item_index, rng, planted);
        items.push(Value::Map(item));
        power_list.push(Value::Map(entry));
    }
    // two items the government let stay outside the center
    for (number, reason) in [
        (1, "涉密：涉及国家秘密和个人隐私信息，不宜在公开窗口办理"),
        (2, "场地限制：须在专业实验室或现场完成"),
    ] {
        let catalog = format!("00{}{}{:03}{:03}", "10", department.domain, 900 + number, 0);
        power_list.push(Value::Map(vec![
            ("name", s(format!("{}专项核查（不进驻{number}）", department.name))),
            ("catalog_code", s(&catalog)),
            (
                "task_code",
                s(format!("{}{}{catalog}", context.uscc, context.level)),
            ),
            ("task_type", s("10")),
            (
                "exemption",
                Value::Map(vec![
                    ("reason", s(reason)),
                    ("approved_by", s(format!("{city}人民政府"))),
                    (
                        "document",
                        s(format!(
                            "{city}人民政府办公室关于同意部分事项暂不进驻{city}行政服务中心的复函（{}政办函〔{}〕{}号）",
                            context.doc_prefix,
                            year - 1,
                            100 + index % 80
                        )),
                    ),
                    ("approved_on", date(context.before(90))),
                ]),
            ),
        ]));
    }

    let personnel = build_personnel(&context, rng, planted);
    let chief = personnel
        .iter()
        .find_map(|person| match person {
            Value::Map(entries) => entries
                .iter()
                .find(|(key, _)| *key == "staff_no")
                .map(|(_, value)| value.clone()),
            _ => None,
        })
        .unwrap_or_else(|| s("X001"));

    let windows: Vec<Value> = context
        .windows
        .iter()
        .enumerate()
        .map(|(position, id)| {
            Value::Map(vec![
                ("id", s(id)),
                (
                    "name",
                    s(format!("{}综合窗口{}", department.name, position + 1)),
                ),
                (
                    "zone",
                    s(format!("{}区", ["A", "B", "C", "D"][position % 4])),
                ),
                ("seats", Value::Int(5)),
                (
                    "facilities",
                    Value::Map(vec![
                        ("network", Value::Bool(true)),
                        ("terminals", Value::Int(5)),
                        ("printer", Value::Bool(true)),
                        ("queuing_system", Value::Bool(true)),
                        ("evaluation_device", Value::Bool(true)),
                    ]),
                ),
            ])
        })
        .collect();

    let center = format!("{city}行政服务中心");
    vec![
        (
            "dossier",
            Value::Map(vec![
                (
                    "id",
                    s(format!("XZFW-{year}-{}-{:04}", department.abbreviation, index + 1)),
                ),
                ("kind", s("entry")),
                ("stage", s("stationed")),
                ("submitted_on", date(submitted)),
                ("standard", s("cn.gbt.xzfwzx-2@1.0.0")),
                (
                    "center",
                    Value::Map(vec![
                        ("name", s(&center)),
                        ("level", s(level)),
                        ("region", s(region)),
                    ]),
                ),
            ]),
        ),
        (
            "department",
            Value::Map(vec![
                ("name", s(&context.department_name)),
                ("uscc", s(&context.uscc)),
                ("category", s("government")),
                ("power_list", Value::List(power_list)),
                (
                    "necessity",
                    Value::Map(vec![
                        ("determined_on", date(context.before(120))),
                        ("determined_by", s(format!("{center}管理办公室"))),
                        ("published_on", date(context.before(105))),
                        ("published_by", s(format!("{city}人民政府"))),
                        (
                            "publication_ref",
                            s(format!(
                                "{city}人民政府关于公布进驻{center}部门名单的通知（{}政发〔{}〕{}号）",
                                context.doc_prefix,
                                year - 1,
                                20 + index % 40
                            )),
                        ),
                    ]),
                ),
                (
                    "authorization",
                    Value::Map(vec![
                        (
                            "document",
                            s(format!(
                                "{}关于向{center}窗口授权的决定（{}发〔{year}〕{}号）",
                                context.department_name,
                                context.doc_prefix,
                                1 + index % 30
                            )),
                        ),
                        ("issued_on", date(context.before(65))),
                        ("reviewed_on", date(context.before(61))),
                        (
                            "powers",
                            strs(&["受理", "审查", "决定", "办结", "出件", "用章", "送达"]),
                        ),
                        ("covers", s("all")),
                        ("chief_representative", chief),
                    ]),
                ),
                ("windows", Value::List(windows)),
                (
                    "evaluation_scheme",
                    Value::Map(vec![
                        (
                            "document",
                            s(format!(
                                "{center}进驻部门和进驻事项评价办法（{}政务办发〔{}〕9号）",
                                context.doc_prefix,
                                year - 1
                            )),
                        ),
                        ("period", s("quarterly")),
                        ("scope", strs(&["department", "items", "personnel"])),
                    ]),
                ),
            ]),
        ),
        ("items", Value::List(items)),
        ("personnel", Value::List(personnel)),
        ("attestations", Value::List(attestations(&context))),
    ]
}

fn build_item(
    context: &Context<'_>,
    item_index: usize,
    rng: &mut Rng,
    planted: &mut Planted,
) -> (Map, Map) {
    let department = context.department;
    let families = department.families;
    let family_index = item_index % families.len();
    let (family_name, task_type, laws, statutory, unit) = families[family_index];
    let round = item_index / families.len();
    let variant = VARIANTS[round % VARIANTS.len()];
    let qualifier_round = round / VARIANTS.len();
    let mut name = format!("{family_name}{variant}");
    if qualifier_round > 0 {
        let qualifier = QUALIFIERS[(qualifier_round - 1) % QUALIFIERS.len()];
        let batch = (qualifier_round - 1) / QUALIFIERS.len();
        if batch == 0 {
            let _ = write!(name, "（{qualifier}）");
        } else {
            let _ = write!(name, "（{qualifier}·{}）", batch + 1);
        }
    }
    let main = 1 + family_index + families.len() * (round / 1000);
    let sub = round % 1000;
    let catalog = format!("00{task_type}{}{main:03}{sub:03}", department.domain);
    let task_code = format!("{}{}{catalog}", context.uscc, context.level);
    let public_service = task_type == "20";
    let licensing = task_type == "01";

    let legal_basis: Vec<Value> = laws
        .iter()
        .map(|&law| legal_basis(LAWS[law], rng))
        .collect();
    let promised = if statutory <= 1 {
        0
    } else {
        (statutory * (30 + rng.below(45) as i64) / 100).clamp(1, statutory - 1)
    };
    let steps = *rng.pick(STEPS);
    let proposal_on = context.before(98 + rng.below(5) as i64);
    let recognized_on = context.before(86);
    let window = &context.windows[family_index % context.windows.len()];

    let mut item: Map = vec![
        ("name", s(&name)),
        ("catalog_code", s(&catalog)),
        ("task_code", s(&task_code)),
        ("task_type", s(task_type)),
        ("legal_basis", Value::List(legal_basis)),
        ("use_level", s(context.level)),
        (
            "implementing_body",
            Value::Map(vec![
                ("name", s(&context.department_name)),
                ("uscc", s(&context.uscc)),
                ("nature", s("1")),
            ]),
        ),
        ("handling_unit", s(department.handling_unit)),
        (
            "statutory_limit",
            Value::Map(vec![("value", Value::Int(statutory)), ("unit", s(unit))]),
        ),
        (
            "promised_limit",
            Value::Map(vec![("value", Value::Int(promised)), ("unit", s(unit))]),
        ),
        (
            "procedure",
            Value::Map(vec![
                ("steps", strs(steps)),
                ("published_on", date(context.before(70))),
                ("published_at", s(format!("{}政务服务网", context.city))),
            ]),
        ),
        ("disclosure", strs(DISCLOSURE)),
        ("is_fee", Value::Bool(false)),
        (
            "acceptance_conditions",
            s(format!(
                "申请人符合{}规定的条件，申请材料齐全、符合法定形式。",
                LAWS[laws[0]].0
            )),
        ),
        (
            "materials",
            Value::List(vec![
                Value::Map(vec![
                    ("name", s(format!("{family_name}申请书"))),
                    ("copies", Value::Int(1)),
                    ("mandatory", Value::Bool(true)),
                ]),
                Value::Map(vec![
                    ("name", s("申请人身份证明或者营业执照")),
                    ("copies", Value::Int(1)),
                    ("mandatory", Value::Bool(true)),
                ]),
                Value::Map(vec![
                    ("name", s("相关证明材料")),
                    ("copies", Value::Int(1)),
                    ("mandatory", Value::Bool(rng.chance(0.5))),
                ]),
            ]),
        ),
        ("case_type", s(if promised == 0 { "1" } else { "2" })),
        ("channels", strs(&["1", "2"])),
        (
            "proposal",
            Value::Map(vec![
                ("submitted_on", date(proposal_on)),
                (
                    "document",
                    s(format!(
                        "{}关于报送进驻{}行政服务中心事项方案的函（{}函〔{}〕{}号）",
                        context.department_name,
                        context.city,
                        context.doc_prefix,
                        proposal_on.year(),
                        60 + item_index % 40
                    )),
                ),
            ]),
        ),
        (
            "recognition",
            Value::Map(vec![
                ("recognized_on", date(recognized_on)),
                ("result", s("recognized")),
                ("joint_with", strs(&["supervision", "legal_affairs"])),
            ]),
        ),
        ("feedback_on", date(context.before(82))),
        ("published_on", date(context.before(78))),
        ("window", s(window)),
    ];
    if public_service {
        item.push(("initiated_by", s("center_need")));
        item.push((
            "evaluation",
            Value::Map(vec![
                ("evaluated_on", date(context.before(88))),
                ("passed", Value::Bool(true)),
                ("evaluated_by", s(format!("{}行政服务中心", context.city))),
            ]),
        ));
    }
    if rng.chance(0.4) {
        let (system, kind) = *rng.pick(department.systems);
        item.push((
            "dedicated_systems",
            Value::List(vec![Value::Map(vec![
                ("name", s(system)),
                ("kind", s(kind)),
                ("relocated", Value::Bool(true)),
            ])]),
        ));
    }

    if rng.chance(context.options.violations) {
        let applicable: Vec<Violation> = ITEM_VIOLATIONS
            .iter()
            .copied()
            .filter(|violation| match violation {
                Violation::LegalBasisMissing
                | Violation::ProposalMissing
                | Violation::RecognitionMissing => !public_service,
                Violation::LicensingBasisNormativeOnly => licensing,
                Violation::HandlingUnitNotSingle => item_index > 0,
                Violation::PromisedLimitNotCompressed => statutory > 0,
                _ => true,
            })
            .collect();
        let violation = *rng.pick(&applicable);
        plant_item(&mut item, violation, context, statutory, recognized_on);
        planted.add(violation);
    }

    let entry = vec![
        ("name", s(&name)),
        ("catalog_code", s(&catalog)),
        ("task_code", s(&task_code)),
        ("task_type", s(task_type)),
    ];
    (item, entry)
}

fn plant_item(
    item: &mut Map,
    violation: Violation,
    context: &Context<'_>,
    statutory: i64,
    recognized_on: NaiveDate,
) {
    match violation {
        Violation::LegalBasisMissing => remove(item, "legal_basis"),
        Violation::LicensingBasisNormativeOnly => {
            set(
                item,
                "legal_basis",
                Value::List(vec![Value::Map(vec![
                    ("title", s(NORMATIVE.0)),
                    ("level", s(NORMATIVE.1)),
                    ("document_no", s(NORMATIVE.2.unwrap_or_default())),
                ])]),
            );
        }
        Violation::ProposalMissing => remove(item, "proposal"),
        Violation::RecognitionMissing => {
            // without recognition there is no window either (else 5.2.1.5 fires too)
            remove(item, "recognition");
            remove(item, "feedback_on");
            remove(item, "published_on");
            remove(item, "window");
        }
        Violation::RecognitionNotJoint => {
            if let Some(recognition) = child(item, "recognition") {
                set(recognition, "joint_with", strs(&["legal_affairs"]));
            }
        }
        Violation::RecognitionBeforeProposal => {
            if let Some(proposal) = child(item, "proposal") {
                set(
                    proposal,
                    "submitted_on",
                    date(recognized_on + Duration::days(3)),
                );
            }
        }
        Violation::PublicationBeforeRecognition => {
            set(
                item,
                "published_on",
                date(recognized_on - Duration::days(2)),
            );
        }
        Violation::HandlingUnitNotSingle => set(item, "handling_unit", s("办公室")),
        Violation::PromisedLimitExceedsStatutory => {
            if let Some(limit) = child(item, "promised_limit") {
                set(limit, "value", Value::Int(statutory + 5));
            }
        }
        Violation::PromisedLimitNotCompressed => {
            if let Some(limit) = child(item, "promised_limit") {
                set(limit, "value", Value::Int(statutory));
            }
        }
        Violation::ItemWindowUndeclared => {
            set(
                item,
                "window",
                s(format!("{}99", context.department.abbreviation)),
            );
        }
        _ => {}
    }
}

fn build_personnel(context: &Context<'_>, rng: &mut Rng, planted: &mut Planted) -> Vec<Value> {
    let staff = context.options.staff.max(1);
    let windows = context.windows.len();
    let mut personnel = Vec::with_capacity(staff);
    for position in 0..staff {
        let window_index = position * windows / staff;
        let lead = position == 0 || (position - 1) * windows / staff != window_index;
        let special = rng.chance(0.3);
        let mut person: Map = vec![
            ("name", s(person_name(rng))),
            (
                "staff_no",
                s(format!(
                    "{}{:03}",
                    context.department.abbreviation,
                    position + 1
                )),
            ),
            ("role", s(if lead { "window_lead" } else { "staff" })),
            ("window", s(&context.windows[window_index])),
            (
                "employment",
                Value::Map(vec![
                    ("active", Value::Bool(true)),
                    ("employer", s(&context.department_name)),
                ]),
            ),
            (
                "post_level",
                s(if lead {
                    "business_unit_head"
                } else {
                    "section_staff"
                }),
            ),
            ("authorized", Value::Bool(true)),
            ("special_post", Value::Bool(special)),
        ];
        if special {
            person.push((
                "certificates",
                Value::List(vec![Value::Map(vec![
                    ("name", s(context.department.certificate)),
                    (
                        "number",
                        s(format!(
                            "{}{:08}",
                            &context.uscc[2..8],
                            rng.below(100_000_000)
                        )),
                    ),
                    ("issued_by", s("某省人民政府")),
                    ("valid_until", date(context.submitted + Duration::days(700))),
                ])]),
            ));
        }
        person.extend([
            (
                "vetting",
                Value::Map(vec![
                    ("vetted_on", date(context.before(57))),
                    ("passed", Value::Bool(true)),
                ]),
            ),
            (
                "training",
                Value::Map(vec![
                    ("completed_on", date(context.before(40))),
                    ("passed", Value::Bool(true)),
                    ("hours", Value::Int(40)),
                ]),
            ),
            ("registered_on", date(context.before(36))),
            ("stationed_on", date(context.before(16))),
            (
                "rotation",
                Value::Map(vec![
                    ("cycle_months", Value::Int(24)),
                    ("next_due", date(context.submitted + Duration::days(730))),
                ]),
            ),
        ]);
        if rng.chance(context.options.violations) {
            let applicable: Vec<Violation> = PERSON_VIOLATIONS
                .iter()
                .copied()
                .filter(|violation| match violation {
                    Violation::LeadPostLevelTooLow => lead,
                    Violation::CertificateExpired => special,
                    // a lead moved away would leave its window without one
                    Violation::PersonWindowUndeclared => !lead,
                    _ => true,
                })
                .collect();
            let violation = *rng.pick(&applicable);
            plant_person(&mut person, violation, context);
            planted.add(violation);
        }
        personnel.push(Value::Map(person));
    }
    personnel
}

fn plant_person(person: &mut Map, violation: Violation, context: &Context<'_>) {
    match violation {
        Violation::PersonVettingMissing => remove(person, "vetting"),
        Violation::PersonTrainingAfterStationing => {
            if let Some(training) = child(person, "training") {
                set(training, "completed_on", date(context.before(10)));
            }
        }
        Violation::PersonNotRegistered => remove(person, "registered_on"),
        Violation::PersonNotActive => {
            if let Some(employment) = child(person, "employment") {
                set(employment, "active", Value::Bool(false));
            }
        }
        Violation::LeadPostLevelTooLow => set(person, "post_level", s("section_staff")),
        Violation::PersonWindowUndeclared => {
            set(
                person,
                "window",
                s(format!("{}99", context.department.abbreviation)),
            );
        }
        Violation::CertificateExpired => {
            if let Some(Value::List(certificates)) = person
                .iter_mut()
                .find(|(key, _)| *key == "certificates")
                .map(|(_, value)| value)
            {
                if let Some(Value::Map(certificate)) = certificates.first_mut() {
                    set(certificate, "valid_until", date(context.before(30)));
                }
            }
        }
        _ => {}
    }
}

fn legal_basis(law: Law, rng: &mut Rng) -> Value {
    let (title, level, number) = law;
    let mut basis = vec![("title", s(title)), ("level", s(level))];
    if let Some(number) = number {
        basis.push(("document_no", s(number)));
    }
    basis.push(("article", s(*rng.pick(ARTICLES))));
    Value::Map(basis)
}

fn attestations(context: &Context<'_>) -> Vec<Value> {
    let center = format!("{}行政服务中心", context.city);
    let office = format!("{center}管理办公室");
    let on = context.before(2);
    [
        (
            "4.3.1",
            "行政服务中心已为本部门的服务窗口提供必要的办公环境，保障窗口正常开展服务。",
            office.as_str(),
            "窗口设置及办公环境验收记录",
        ),
        (
            "4.3.2",
            "行政服务中心已对本部门进驻进行组织协调、监督管理和指导服务，窗口设置、授权和人员均已进驻到位。",
            office.as_str(),
            "进驻工作协调会议纪要",
        ),
        (
            "5.3.4",
            "行政服务中心已对本部门事项进驻进行组织协调和监督管理，认定进驻的事项均已在窗口受理办理。",
            office.as_str(),
            "进驻事项办理情况核查表",
        ),
        (
            "6.1.2",
            "派驻窗口工作人员遵纪守法，掌握相关法律法规和进驻事项办理规程，具备窗口工作所需业务技能。",
            context.department_name.as_str(),
            "进驻人员推荐表及所在单位考核意见",
        ),
        (
            "6.1.3",
            "窗口负责人具备管理窗口所需的组织协调能力，能够协调解决窗口工作中的困难和问题。",
            context.department_name.as_str(),
            "窗口负责人任职文件",
        ),
        (
            "6.3.1",
            "行政服务中心与进驻部门对进驻人员实行双重管理，中心负责进驻人员的管理培训和日常考核。",
            office.as_str(),
            "进驻人员管理办法",
        ),
        (
            "6.3.3",
            "行政服务中心已建立不合格人员退回制度，本批进驻人员中无被退回人员。",
            office.as_str(),
            "窗口工作人员退回办法",
        ),
    ]
    .into_iter()
    .map(|(clause, statement, by, evidence)| {
        Value::Map(vec![
            ("clause", s(clause)),
            ("statement", s(statement)),
            ("attested_by", s(by)),
            ("attested_on", date(on)),
            ("evidence", s(format!("{center}{evidence}"))),
        ])
    })
    .collect()
}
