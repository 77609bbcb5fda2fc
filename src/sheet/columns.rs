//! Which column of an item list gives which field of an item, and how a cell's text becomes
//! the field's value: the one table of the spreadsheet input (README, "Spreadsheets and CSV").
//!
//! Column names are the element names of GB/T 39046 表4 (事项名称, 基本编码 …) with the
//! variants real lists use (事项类型 or 事项类型代码, 实施主体代码 or 实施主体编码), and the field
//! names of the national platform's exchange tables (TASK_NAME, PROMISE_DAY …, in any case).
//! A header is compared without spaces and without the `*` that marks a required column.
//! Names of GB/T 39046 code sets in a cell (行政许可, 县级, 承诺件 …) are read as their codes.

/// What a column gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// A text field of the item.
    Text(&'static str),
    /// A code of the item: the cell's text, or the code of a name of the code set.
    Code(&'static str, &'static [(&'static str, &'static str)]),
    /// A field of the item's implementing body (实施主体), with its code set.
    Body(&'static str, &'static [(&'static str, &'static str)]),
    /// 设定依据: one or more bases, each with its level read from a 【法律】… prefix.
    LegalBasis,
    /// A time limit (`statutory_limit`, `promised_limit`): `20`, `20个工作日`, `无`.
    Limit(&'static str),
    /// The unit of a time limit given in a column of its own.
    LimitUnit(&'static str),
    /// The explanation of a time limit.
    LimitNote(&'static str),
    /// A yes/no field (是/否).
    Flag(&'static str),
    /// A list of codes in one cell (`1,2,3` or 窗口办理、网上办理).
    Codes(&'static str, &'static [(&'static str, &'static str)]),
    /// A text field of the item the pack's schema declares, named by a pack alias.
    PackText(std::sync::Arc<str>),
    /// A yes/no field of the item the pack's schema declares, named by a pack alias.
    PackFlag(std::sync::Arc<str>),
}

impl Field {
    /// The JSON Pointer of the field within an item (`/implementing_body/uscc`).
    pub fn pointer(&self) -> String {
        match self {
            Field::Text(key) | Field::Code(key, _) | Field::Flag(key) | Field::Codes(key, _) => {
                format!("/{key}")
            }
            Field::PackText(key) | Field::PackFlag(key) => format!("/{key}"),
            Field::Body(key, _) => format!("/implementing_body/{key}"),
            Field::LegalBasis => "/legal_basis".to_string(),
            Field::Limit(key) => format!("/{key}"),
            Field::LimitUnit(key) => format!("/{key}/unit"),
            Field::LimitNote(key) => format!("/{key}/note"),
        }
    }
}

/// GB/T 39046 A.1, the names of the item types.
const TASK_TYPES: &[(&str, &str)] = &[
    ("行政权力事项", "00"),
    ("行政许可", "01"),
    ("行政处罚", "02"),
    ("行政强制", "03"),
    ("行政征收", "04"),
    ("行政给付", "05"),
    ("行政检查", "06"),
    ("行政确认", "07"),
    ("行政奖励", "08"),
    ("行政裁决", "09"),
    ("其他类别事项", "10"),
    ("其他行政权力", "10"),
    ("公共服务事项", "20"),
    ("公共服务", "20"),
];

/// GB/T 39046 A.2, the names of the levels.
const USE_LEVELS: &[(&str, &str)] = &[
    ("国家级", "1"),
    ("省级", "2"),
    ("市级", "3"),
    ("县级", "4"),
    ("镇级", "5"),
    ("乡级", "5"),
    ("街道级", "5"),
    ("镇（乡、街道）级", "5"),
    ("村级", "6"),
    ("社区级", "6"),
    ("村（社区）级", "6"),
    ("分级管理", "7"),
];

/// GB/T 39046 A.3, the natures of an implementing body.
const NATURES: &[(&str, &str)] = &[
    ("法定机关", "1"),
    ("授权组织", "2"),
    ("受委托组织", "3"),
    ("其他", "9"),
];

/// GB/T 39046 A.5, the channels.
const CHANNELS: &[(&str, &str)] = &[
    ("窗口办理", "1"),
    ("电脑端网上办理", "2"),
    ("网上办理", "2"),
    ("移动端网上申请", "3"),
    ("快递申请", "4"),
    ("其他", "9"),
];

/// GB/T 39046 A.6, the case types.
const CASE_TYPES: &[(&str, &str)] = &[("即办件", "1"), ("承诺件", "2"), ("其他", "9")];

/// No code set: the cell is the code.
const NONE: &[(&str, &str)] = &[];

/// Every column read, by the names it may have.
pub const COLUMNS: &[(&[&str], Field)] = &[
    (&["事项名称", "task_name"], Field::Text("name")),
    (&["主项名称"], Field::Text("main_item")),
    (
        &["基本编码", "catalog_code"],
        Field::Code("catalog_code", NONE),
    ),
    (&["实施编码", "task_code"], Field::Code("task_code", NONE)),
    (
        &["事项类型", "事项类型代码", "task_type"],
        Field::Code("task_type", TASK_TYPES),
    ),
    (&["设定依据", "by_law"], Field::LegalBasis),
    (
        &["行使层级", "行使层级代码", "use_level"],
        Field::Code("use_level", USE_LEVELS),
    ),
    (
        &["实施主体", "实施主体名称", "dept_name"],
        Field::Body("name", NONE),
    ),
    (
        &["实施主体代码", "实施主体编码", "dept_code"],
        Field::Body("uscc", NONE),
    ),
    (
        &["实施主体性质", "实施主体性质代码", "dept_type"],
        Field::Body("nature", NATURES),
    ),
    (
        &["法定办结时限", "anticipate_day"],
        Field::Limit("statutory_limit"),
    ),
    (
        &["法定办结时限单位", "anticipate_type"],
        Field::LimitUnit("statutory_limit"),
    ),
    (
        &["法定办结时限说明", "anticipate_explain"],
        Field::LimitNote("statutory_limit"),
    ),
    (
        &["承诺办结时限", "promise_day"],
        Field::Limit("promised_limit"),
    ),
    (
        &["承诺办结时限单位", "promise_type"],
        Field::LimitUnit("promised_limit"),
    ),
    (
        &["承诺办结时限说明", "promise_explain"],
        Field::LimitNote("promised_limit"),
    ),
    (&["承办机构"], Field::Text("handling_unit")),
    (
        &["受理条件", "accept_condition"],
        Field::Text("acceptance_conditions"),
    ),
    (&["是否收费", "is_charge"], Field::Flag("is_fee")),
    (&["收费依据"], Field::Text("fee_basis")),
    (&["收费标准"], Field::Text("fee_standard")),
    (
        &["办件类型", "project_type"],
        Field::Code("case_type", CASE_TYPES),
    ),
    (
        &["办理形式", "handle_type"],
        Field::Codes("channels", CHANNELS),
    ),
    (&["办理窗口"], Field::Text("window")),
];

/// A header as compared: without spaces and required-column stars, ASCII in lower case.
fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(|character| !character.is_whitespace() && !matches!(character, '*' | '＊'))
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The field a column header names, if any.
pub fn column_for(header: &str) -> Option<Field> {
    let header = normalize(header);
    if header.is_empty() {
        return None;
    }
    COLUMNS
        .iter()
        .find(|(names, _)| names.iter().any(|name| *name == header))
        .map(|(_, field)| field.clone())
}

/// The columns the pack names beyond the table: each alias (or canonical key) of a text or
/// yes/no property of an item in the pack's schema (`properties.items.items`), such as
/// 服务事项类别, 认定结果反馈日期, 拟定方式 or 所在窗口 in the national pack: the pack's aliases are
/// the column names, so a local pack's own item fields are read without a change here. The
/// table is looked up first; two columns for one field are still refused.
pub fn pack_item_fields(
    aliases: &std::collections::BTreeMap<String, String>,
    schema: &serde_json::Value,
) -> Vec<(Vec<String>, Field)> {
    let resolve = |node: &serde_json::Value| -> serde_json::Value {
        match node.get("$ref").and_then(serde_json::Value::as_str) {
            Some(reference) => reference
                .strip_prefix('#')
                .and_then(|pointer| schema.pointer(pointer))
                .cloned()
                .unwrap_or(serde_json::Value::Null),
            None => node.clone(),
        }
    };
    let item = schema
        .pointer("/properties/items/items")
        .map(resolve)
        .unwrap_or(serde_json::Value::Null);
    let Some(properties) = item
        .get("properties")
        .and_then(serde_json::Value::as_object)
    else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    for (key, property) in properties {
        let property = resolve(property);
        let flag = match property.get("type").and_then(serde_json::Value::as_str) {
            Some("string") => false,
            Some("boolean") => true,
            _ => continue,
        };
        let mut names: Vec<String> = aliases
            .iter()
            .filter(|(_, canonical)| *canonical == key)
            .map(|(alias, _)| alias.clone())
            .collect();
        names.push(key.clone());
        let key: std::sync::Arc<str> = key.as_str().into();
        fields.push((
            names,
            if flag {
                Field::PackFlag(key)
            } else {
                Field::PackText(key)
            },
        ));
    }
    fields
}

/// A code set's code for a name written in a cell, or the cell itself.
pub fn code(text: &str, names: &[(&str, &str)]) -> String {
    let text = text.trim();
    names
        .iter()
        .find(|(name, _)| *name == text)
        .map_or_else(|| text.to_string(), |(_, code)| code.to_string())
}

/// A yes/no cell; none when it is neither.
pub fn flag(text: &str) -> Option<bool> {
    match text.trim() {
        "是" | "收费" | "Y" | "y" | "1" | "TRUE" | "true" => Some(true),
        "否" | "不收费" | "N" | "n" | "0" | "FALSE" | "false" => Some(false),
        _ => None,
    }
}

/// The unit of a time limit as the schema names it, from a unit cell (`工作日`, `1`) or the
/// end of a limit (`20个工作日`); none when it is not one.
pub fn unit(text: &str) -> Option<&'static str> {
    match text.trim() {
        "工作日" | "个工作日" | "1" => Some("working_days"),
        "自然日" | "个自然日" | "天" | "日" | "个日" | "2" => Some("natural_days"),
        _ => None,
    }
}

/// What a time-limit cell says.
#[derive(Debug, PartialEq, Eq)]
pub enum Limit {
    /// A number of days; the unit when the cell names one.
    Days(i64, Option<&'static str>),
    /// No limit set by law (`无`, `法律法规未规定`).
    NoneByLaw,
}

/// Reads a time-limit cell; none when it is neither a number of days nor "no limit".
pub fn limit(text: &str) -> Option<Limit> {
    let text = text.trim();
    if matches!(
        text,
        "无" | "无规定"
            | "无法定时限"
            | "法律法规未规定"
            | "未规定"
            | "不限"
            | "/"
            | "-"
            | "—"
    ) {
        return Some(Limit::NoneByLaw);
    }
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let value = digits.parse::<i64>().ok()?;
    let rest = text[digits.len()..].trim();
    if rest.is_empty() {
        return Some(Limit::Days(value, None));
    }
    unit(rest).map(|unit| Limit::Days(value, Some(unit)))
}

/// The level of a basis named in its 【…】 prefix.
fn level(prefix: &str) -> Option<&'static str> {
    match prefix {
        "法律" => Some("law"),
        "行政法规" => Some("administrative_regulation"),
        "地方性法规" => Some("local_regulation"),
        "规章" | "部门规章" | "地方政府规章" | "政府规章" => Some("rule"),
        "规范性文件" | "其他规范性文件" => Some("normative_document"),
        _ => None,
    }
}

/// One legal basis read from a cell.
#[derive(Debug, PartialEq, Eq)]
pub struct Basis {
    pub title: String,
    pub level: Option<&'static str>,
    pub article: Option<String>,
}

/// The bases of a 设定依据 cell: one per line, per `;`/`；`, and per 【level】 prefix; each
/// prefix gives its basis's level (an unknown prefix stays in the title), and a 第…条 after the
/// 《title》 is its article.
pub fn legal_bases(text: &str) -> Vec<Basis> {
    let mut parts = Vec::new();
    for piece in text.split(['\n', '\r', ';', '；']) {
        // repeated prefixes on one line: 【法律】《甲》【规章】《乙》
        let mut starts: Vec<usize> = piece
            .match_indices('【')
            .map(|(index, _)| index)
            .filter(|&index| {
                piece[index + '【'.len_utf8()..]
                    .split_once('】')
                    .is_some_and(|(prefix, _)| level(prefix).is_some())
            })
            .collect();
        if starts.first() != Some(&0) {
            starts.insert(0, 0);
        }
        starts.push(piece.len());
        for window in starts.windows(2) {
            parts.push(&piece[window[0]..window[1]]);
        }
    }
    parts
        .into_iter()
        .map(|part| part.trim().trim_end_matches(['，', ',', '。']).trim())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (level, rest) = match part
                .strip_prefix('【')
                .and_then(|after| after.split_once('】'))
                .and_then(|(prefix, rest)| level(prefix).map(|level| (level, rest)))
            {
                Some((level, rest)) => (Some(level), rest.trim()),
                None => (None, part),
            };
            let (title, article) = match rest.find('》') {
                Some(close) if rest.starts_with('《') => {
                    let (title, after) = rest.split_at(close + '》'.len_utf8());
                    let after = after.trim();
                    if after.starts_with('第') {
                        (title.to_string(), Some(after.to_string()))
                    } else {
                        (rest.to_string(), None)
                    }
                }
                _ => (rest.to_string(), None),
            };
            Basis {
                title,
                level,
                article,
            }
        })
        .filter(|basis| !basis.title.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_by_any_of_their_names() {
        assert_eq!(column_for(" *事项名称 "), Some(Field::Text("name")));
        assert_eq!(column_for("TASK_NAME"), Some(Field::Text("name")));
        assert_eq!(column_for("实施主体编码"), Some(Field::Body("uscc", NONE)));
        assert_eq!(column_for("备注"), None);
    }

    #[test]
    fn several_bases_in_one_cell_are_split_with_their_levels() {
        let bases = legal_bases(
            "【法律】《中华人民共和国行政许可法》第十二条\n【规章】《甲办法》；《乙规定》【规范性文件】《丙通知》",
        );
        assert_eq!(
            bases,
            vec![
                Basis {
                    title: "《中华人民共和国行政许可法》".into(),
                    level: Some("law"),
                    article: Some("第十二条".into())
                },
                Basis {
                    title: "《甲办法》".into(),
                    level: Some("rule"),
                    article: None
                },
                Basis {
                    title: "《乙规定》".into(),
                    level: None,
                    article: None
                },
                Basis {
                    title: "《丙通知》".into(),
                    level: Some("normative_document"),
                    article: None
                },
            ]
        );
        assert_eq!(legal_bases("【其他】甲")[0].level, None);
    }

    #[test]
    fn limits_read_days_units_and_no_limit() {
        assert_eq!(limit("20"), Some(Limit::Days(20, None)));
        assert_eq!(
            limit("20个工作日"),
            Some(Limit::Days(20, Some("working_days")))
        );
        assert_eq!(limit("无"), Some(Limit::NoneByLaw));
        assert_eq!(limit("二十日"), None);
        assert_eq!(code("行政许可", TASK_TYPES), "01");
        assert_eq!(code("01", TASK_TYPES), "01");
    }
}
