//! How help texts name a dossier's fields for a dossier written with Chinese keys: a field
//! written in a pack's text as `key`, `` `key` ``, `key（标题）` or a dotted path
//! (`department.authorization.covers`) becomes its schema title 「授权范围」, so that a clerk who
//! wrote 设定依据 is not asked to find `legal_basis`. Built once per pack from the schema.

use std::collections::{BTreeMap, BTreeSet};

/// The schema's titles by the path of canonical keys that reaches them (array elements add no
/// segment): `department.authorization.covers` → 授权范围.
#[derive(Debug, Default, Clone)]
pub struct FieldNames {
    titles: BTreeMap<String, String>,
    /// Canonical key → the keys aliased to it (`name` → 事项名称, 部门名称, …).
    aliases: BTreeMap<String, BTreeSet<String>>,
    /// Every `enum` and `const` string of the schema: a bare word that is also a value
    /// (`department` in `scope: [department, items]`) is not taken for a field.
    values: BTreeSet<String>,
}

/// Bounds of the walk over a pack's schema ($refs may recurse): no dossier path is this deep,
/// and no pack has this many titled fields.
const MAX_DEPTH: usize = 24;
const MAX_TITLES: usize = 20_000;

/// Separates the titles of a dotted path: 「进驻部门／窗口授权／授权范围」.
pub const PATH_SEPARATOR: char = '／';

impl FieldNames {
    pub fn new(schema: &serde_json::Value, aliases: &BTreeMap<String, String>) -> Self {
        let mut names = FieldNames::default();
        for (alias, canonical) in aliases {
            names
                .aliases
                .entry(canonical.clone())
                .or_default()
                .insert(alias.clone());
        }
        names.walk(schema, schema, "", 0);
        names
    }

    fn walk(
        &mut self,
        root: &serde_json::Value,
        node: &serde_json::Value,
        path: &str,
        depth: usize,
    ) {
        if depth > MAX_DEPTH || self.titles.len() >= MAX_TITLES {
            return;
        }
        match node {
            serde_json::Value::Object(object) => {
                for key in ["enum", "const"] {
                    match object.get(key) {
                        Some(serde_json::Value::Array(values)) => self
                            .values
                            .extend(values.iter().filter_map(|v| v.as_str()).map(str::to_string)),
                        Some(serde_json::Value::String(value)) => {
                            self.values.insert(value.clone());
                        }
                        _ => {}
                    }
                }
                if let Some(target) = object
                    .get("$ref")
                    .and_then(|reference| reference.as_str())
                    .and_then(|reference| reference.strip_prefix('#'))
                    .and_then(|pointer| root.pointer(pointer))
                {
                    self.walk(root, target, path, depth + 1);
                }
                if let Some(serde_json::Value::Object(properties)) = object.get("properties") {
                    for (key, property) in properties {
                        let child = if path.is_empty() {
                            key.clone()
                        } else {
                            format!("{path}.{key}")
                        };
                        if let Some(title) = property.get("title").and_then(|t| t.as_str()) {
                            self.titles
                                .entry(child.clone())
                                .or_insert_with(|| title.to_string());
                        }
                        self.walk(root, property, &child, depth + 1);
                    }
                }
                // subschemas at the same place in the dossier (array elements add no key)
                for key in [
                    "items",
                    "allOf",
                    "anyOf",
                    "oneOf",
                    "if",
                    "then",
                    "else",
                    "not",
                    "prefixItems",
                ] {
                    if let Some(sub) = object.get(key) {
                        self.walk(root, sub, path, depth + 1);
                    }
                }
            }
            serde_json::Value::Array(subschemas) => {
                for sub in subschemas {
                    self.walk(root, sub, path, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// The schema path of `field` (a key or a dotted path) and the titles of its segments,
    /// read where the finding points (`pointer`, a JSON Pointer): first directly under a field
    /// the text named before (`containers`, latest first: 在 exemption 中写明 reason), then
    /// relative to the pointer's fields and each of their ancestors, then anywhere below the
    /// pointer, then anywhere in the schema, as long as every match gives the same titles.
    /// `None` when a segment has no title or the field is ambiguous.
    fn resolve(
        &self,
        field: &str,
        pointer: &str,
        containers: &[String],
    ) -> Option<(String, Vec<&str>)> {
        for container in containers.iter().rev() {
            if let Some(found) = self.titles_at(container, field) {
                return Some(found);
            }
        }
        let context: Vec<String> = crate::document::pointer_tokens(pointer)
            .filter(|token| token.parse::<usize>().is_err())
            .collect();
        for length in (0..=context.len()).rev() {
            if let Some(found) = self.titles_at(&context[..length].join("."), field) {
                return Some(found);
            }
        }
        let suffix = format!(".{field}");
        let matching = |under: &str| -> Option<(String, Vec<&str>)> {
            let mut found: Option<(String, Vec<&str>)> = None;
            for path in self.titles.keys() {
                let Some(start) = path.strip_suffix(&suffix) else {
                    continue;
                };
                if !(under.is_empty() || start == under || start.starts_with(&format!("{under}.")))
                {
                    continue;
                }
                let (path, titles) = self.titles_at(start, field)?;
                match &found {
                    Some((_, earlier)) if *earlier != titles => return None,
                    Some(_) => {}
                    None => found = Some((path, titles)),
                }
            }
            found
        };
        let below = context.join(".");
        if !below.is_empty() {
            if let Some(found) = matching(&below) {
                return Some(found);
            }
        }
        matching("")
    }

    /// The path and titles of `field`'s segments under the schema path `prefix`, each segment
    /// titled.
    fn titles_at(&self, prefix: &str, field: &str) -> Option<(String, Vec<&str>)> {
        let mut path = prefix.to_string();
        let mut titles = Vec::new();
        for segment in field.split('.') {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(segment);
            titles.push(self.titles.get(&path)?.as_str());
        }
        Some((path, titles))
    }

    /// Rewrites the fields a help text names into their titles (see docs/rule-pack-format.md,
    /// "Help texts"): `` `key` ``, a bare `key` or `a.b.c` whose every segment is a titled
    /// property → 「标题」 or 「甲／乙／丙」; `key: value` → `标题: value` (what the clerk types);
    /// `key（标题）` drops the now repeated parenthesis; `标题 key` keeps one 「标题」. A word
    /// that is not a titled field (a value such as `all`, a rule id, `GB/T`) is left as it is;
    /// so is a bare word that is also one of the schema's values, unless it is in backticks.
    pub fn rewrite(&self, text: &str, pointer: &str) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        let mut rest = text;
        // the fields named so far: a key is first read as a field of one of them
        let mut containers: Vec<String> = Vec::new();
        while let Some((start, end, quoted)) = next_word(rest) {
            let word = &rest[start..end];
            let field = if quoted {
                &word[1..word.len() - 1]
            } else {
                word
            };
            let found = is_field_path(field)
                .then(|| {
                    let bare_value = !quoted && !field.contains('.') && self.values.contains(field);
                    if bare_value {
                        // a value is a field only directly under a field just named:
                        // 在 waivers 中登记（rule、path…）
                        return containers
                            .iter()
                            .rev()
                            .find_map(|container| self.titles_at(container, field));
                    }
                    self.resolve(field, pointer, &containers)
                })
                .flatten();
            let Some((path, titles)) = found else {
                out.push_str(&rest[..end]);
                rest = &rest[end..];
                continue;
            };
            containers.push(path);
            let before = &rest[..start];
            let after = &rest[end..];
            let last = field.rsplit('.').next().unwrap_or(field);
            if let Some(value) = after.strip_prefix(": ") {
                // `key: value` is what the clerk writes: the title as a key, no brackets
                out.push_str(before);
                out.push_str(&titles.join(&PATH_SEPARATOR.to_string()));
                out.push_str(": ");
                rest = value;
                continue;
            }
            let mut before = before.strip_suffix(' ').unwrap_or(before);
            if !before.is_empty() && before.ends_with(|c: char| c.is_ascii_alphanumeric()) {
                before = &rest[..start];
            }
            out.push_str(before);
            // 认定日期 determined_on → 「认定日期」, not 认定日期「认定日期」; the same for
            // 不进驻说明（exemption）
            let mut closing = false;
            if titles.len() == 1 {
                let title = titles[0];
                if out.ends_with(title) {
                    out.truncate(out.len() - title.len());
                } else if out.ends_with(&format!("{title}（")) && after.starts_with('）') {
                    out.truncate(out.len() - title.len() - '（'.len_utf8());
                    closing = true;
                }
            }
            out.push('「');
            out.push_str(&titles.join(&PATH_SEPARATOR.to_string()));
            out.push('」');
            let names: Vec<&str> = self
                .aliases
                .get(last)
                .into_iter()
                .flatten()
                .map(String::as_str)
                .chain(titles.last().copied())
                .collect();
            rest = if closing {
                &after['）'.len_utf8()..]
            } else {
                drop_repeated_parenthesis(after, &names, &mut out)
            };
            if let Some(next) = rest.strip_prefix(' ') {
                if !next.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                    rest = next;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// `（设定依据）` after a field titled 设定依据 (or one of its aliases) says it twice: dropped.
/// `（原因，如涉密）` after 「原因」 keeps what it adds: `（如涉密）`. Returns the text left.
fn drop_repeated_parenthesis<'t>(after: &'t str, names: &[&str], out: &mut String) -> &'t str {
    let Some(inside) = after.strip_prefix('（') else {
        return after;
    };
    let Some(close) = inside.find('）') else {
        return after;
    };
    let content = &inside[..close];
    if names.contains(&content) {
        return &inside[close + '）'.len_utf8()..];
    }
    for name in names {
        if let Some(more) = content
            .strip_prefix(name)
            .and_then(|more| more.strip_prefix('，'))
        {
            out.push('（');
            return &inside[content.len() - more.len()..];
        }
    }
    after
}

/// Characters of a word that may be a field path (rule ids, codes and `GB/T` are words too, so
/// that a part of them is never taken for a field).
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')
}

/// The next word of `text`: its byte range and whether it is in backticks.
fn next_word(text: &str) -> Option<(usize, usize, bool)> {
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        if c == '`' {
            if let Some(close) = text[index + 1..].find('`') {
                return Some((index, index + 1 + close + 1, true));
            }
            continue;
        }
        if word_char(c) && c != '.' {
            let mut end = index + c.len_utf8();
            while let Some(&(next_index, next)) = chars.peek() {
                if !word_char(next) {
                    break;
                }
                end = next_index + next.len_utf8();
                chars.next();
            }
            // a full stop after an English word ends the sentence, not the path
            let word = text[index..end].trim_end_matches('.');
            return Some((index, index + word.len(), false));
        }
    }
    None
}

/// `key` or `a.b.c`, each segment an identifier.
fn is_field_path(word: &str) -> bool {
    !word.is_empty()
        && word.split('.').all(|segment| {
            let mut chars = segment.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> FieldNames {
        let schema = serde_json::json!({
            "properties": {
                "department": {"title": "进驻部门", "$ref": "#/$defs/department"},
                "items": {"title": "进驻事项", "type": "array", "items": {"$ref": "#/$defs/item"}},
                "center": {"title": "行政服务中心", "properties": {"name": {"title": "中心名称"}}},
            },
            "$defs": {
                "department": {"properties": {
                    "name": {"title": "部门名称"},
                    "authorization": {"title": "窗口授权", "properties": {
                        "covers": {"title": "授权范围"},
                        "reviewed_on": {"title": "审查日期"},
                    }},
                    "evaluation_scheme": {"title": "评价规范", "properties": {
                        "scope": {"title": "评价范围", "items": {"enum": ["department", "items"]}},
                    }},
                    "unified_management": {"title": "统一管理"},
                    "exemption": {"title": "不进驻说明", "properties": {
                        "reason": {"title": "豁免理由"},
                    }},
                }},
                "item": {"properties": {
                    "name": {"title": "事项名称"},
                    "legal_basis": {"title": "设定依据"},
                    "reason": {"title": "调整原因"},
                }},
            },
        });
        let aliases = [("原因", "reason"), ("设定依据", "legal_basis")]
            .into_iter()
            .map(|(a, c)| (a.to_string(), c.to_string()))
            .collect();
        FieldNames::new(&schema, &aliases)
    }

    #[test]
    fn a_key_with_its_title_in_parentheses_becomes_the_title() {
        assert_eq!(
            names().rewrite("在 legal_basis（设定依据）中列出依据。", "/items/0"),
            "在「设定依据」中列出依据。"
        );
    }

    #[test]
    fn backticks_bare_words_and_dotted_paths() {
        let names = names();
        assert_eq!(
            names.rewrite("把编码加入 department.authorization.covers。", "/items/2"),
            "把编码加入「进驻部门／窗口授权／授权范围」。"
        );
        assert_eq!(
            names.rewrite(
                "写明 `reviewed_on`、covers 和文件",
                "/department/authorization"
            ),
            "写明「审查日期」、「授权范围」和文件"
        );
    }

    #[test]
    fn the_place_of_the_finding_decides_between_titles() {
        let names = names();
        assert_eq!(names.rewrite("核对 name", "/items/3"), "核对「事项名称」");
        assert_eq!(
            names.rewrite("核对 name", "/department"),
            "核对「部门名称」"
        );
        // below the finding's place: the department's exemption
        assert_eq!(
            names.rewrite("写明 reason（原因，如涉密）", "/department"),
            "写明「豁免理由」（如涉密）"
        );
        // nowhere near and not the same everywhere: left as written
        assert_eq!(names.rewrite("写明 reason", "/center"), "写明 reason");
    }

    #[test]
    fn a_title_already_written_before_the_key_is_not_repeated() {
        assert_eq!(
            names().rewrite("写明审查日期 reviewed_on。", "/department/authorization"),
            "写明「审查日期」。"
        );
    }

    #[test]
    fn key_value_pairs_read_as_what_the_clerk_writes() {
        assert_eq!(
            names().rewrite(
                "写明 unified_management: true，或 covers: all。",
                "/department"
            ),
            "写明 统一管理: true，或 授权范围: all。"
        );
    }

    #[test]
    fn values_rule_ids_and_codes_are_left_alone() {
        let names = names();
        assert_eq!(
            names.rewrite(
                "在 evaluation_scheme.scope 中加入 department。",
                "/department"
            ),
            "在「评价规范／评价范围」中加入 department。"
        );
        let untouched = "见 item-legal-basis-missing、GB/T 39046 附录 A.1 和 2026-04-20。";
        assert_eq!(names.rewrite(untouched, "/items/0"), untouched);
        // a value named as a field is marked with backticks
        assert_eq!(names.rewrite("列入 `items`", ""), "列入「进驻事项」");
        assert_eq!(names.rewrite("列入 items", ""), "列入 items");
    }

    #[test]
    fn a_key_is_read_first_under_the_field_named_before_it() {
        let names = names();
        // at an item, `reason` alone would be the item's 调整原因
        assert_eq!(
            names.rewrite("在 department.exemption 中写明 reason。", "/items/0"),
            "在「进驻部门／不进驻说明」中写明「豁免理由」。"
        );
    }

    #[test]
    fn a_key_in_parentheses_after_its_title_becomes_the_title() {
        assert_eq!(
            names().rewrite("附经批准的不进驻说明（exemption）。", "/department"),
            "附经批准的「不进驻说明」。"
        );
    }

    #[test]
    fn text_without_fields_is_unchanged() {
        let text = "核对两个日期。";
        assert_eq!(names().rewrite(text, "/items/0"), text);
    }

    #[test]
    fn recursive_references_end() {
        let schema = serde_json::json!({
            "$defs": {"node": {"properties": {"child": {"title": "子节点", "$ref": "#/$defs/node"}}}},
            "$ref": "#/$defs/node",
        });
        let names = FieldNames::new(&schema, &BTreeMap::new());
        assert_eq!(
            names.rewrite("写明 child.child", ""),
            "写明「子节点／子节点」"
        );
    }
}
