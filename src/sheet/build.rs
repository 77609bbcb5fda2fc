//! A sheet's tables into the dossier tree: the item sheet's rows become `items` (one item per
//! non-empty row after the header, columns read through `columns.rs`); the dossier sheet's
//! key/value rows, or the `--dossier` file, give the rest. Every node's span is its cell's, and
//! each field's pointer is recorded with its cell (empty cells too) for `locate.rs`.
//!
//! The dossier sheet (a sheet named 申报信息 or `dossier`): column A a key, column B its value,
//! one row each. A key is a path of keys separated by `.` (`进驻部门.部门名称`,
//! `department.category`, `申报信息.行政服务中心.中心层级`), each key canonical or a pack alias; the
//! common ones may be written alone (`部门名称`, `申报编号`: `FLAT_KEYS`). A first row whose key
//! is 字段 or `key` is a header. Values are text (codes keep their zeros); 是/否 and true/false
//! are yes/no; the Chinese names of the kind, stage and department category are read as the
//! schema's values (`VALUE_NAMES`). Lists (windows, personnel) are not written there: give them
//! with `--dossier`.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::columns::{self, Field, Limit};
use super::{cell_error, BaseDossier, CellMap, CellRef, SheetDossier, SheetOptions};
use crate::document::{escape_pointer_token, push_pointer_token, Entry, Node, NodeKind};
use crate::error::{GuifanError, LocatedError};
use crate::source::{SourceFile, Span};

/// The names of the dossier sheet of a workbook (compared ignoring ASCII case).
pub const DOSSIER_SHEET_NAMES: &[&str] = &["申报信息", "dossier"];

/// Keys of the dossier sheet that may be written without their section.
const FLAT_KEYS: &[(&str, &str)] = &[
    ("申报编号", "dossier.id"),
    ("申报类型", "dossier.kind"),
    ("办理阶段", "dossier.stage"),
    ("申报日期", "dossier.submitted_on"),
    ("适用标准", "dossier.standard"),
    ("中心名称", "dossier.center.name"),
    ("中心层级", "dossier.center.level"),
    ("行政区划代码", "dossier.center.region"),
    ("部门名称", "department.name"),
    ("统一社会信用代码", "department.uscc"),
    ("部门类别", "department.category"),
];

/// Chinese names of the schema's values, by the pointer of the field.
const VALUE_NAMES: &[(&str, &[(&str, &str)])] = &[
    (
        "/dossier/kind",
        &[("进驻", "entry"), ("调整", "adjustment"), ("退出", "exit")],
    ),
    (
        "/dossier/stage",
        &[
            ("拟定申报", "proposal"),
            ("拟定", "proposal"),
            ("已认定", "recognized"),
            ("已进驻", "stationed"),
            ("调整", "adjustment"),
            ("退出", "exit"),
        ],
    ),
    (
        "/department/category",
        &[
            ("政府部门", "government"),
            ("双重管理部门", "dual_managed"),
            ("垂直管理部门", "vertical"),
            ("专业服务组织", "professional_service"),
            ("公用事业组织", "public_utility"),
            ("其他自愿进驻组织", "voluntary"),
            ("公共资源交易平台", "public_resource_trading"),
        ],
    ),
];

/// One cell of a table: its 1-based column, its text, and its span in the text.
#[derive(Clone, Debug)]
pub struct Cell {
    pub column: u32,
    pub text: String,
    pub span: Span,
}

/// A row: its 1-based number in the sheet (or the CSV's record number), its span, its cells.
#[derive(Clone, Debug)]
pub struct Row {
    pub number: u32,
    pub span: Span,
    pub cells: Vec<Cell>,
}

/// The rows of a sheet (a CSV file is one sheet without a name). Empty rows are left out.
#[derive(Clone, Debug)]
pub struct Table {
    pub sheet: Option<String>,
    pub rows: Vec<Row>,
}

impl Table {
    fn cell(&self, row: u32, column: u32) -> CellRef {
        CellRef {
            sheet: self.sheet.clone(),
            row,
            column,
        }
    }
}

/// A mapping being built: keys in the order first set, a later value for a key kept never
/// replaces the first (a unit column wins over the unit written after the days).
#[derive(Default)]
struct Draft {
    entries: Vec<(Arc<str>, Span, Value)>,
    span: Option<Span>,
}

enum Value {
    Leaf(Node),
    Map(Draft),
}

impl Draft {
    fn has(&self, path: &[&str]) -> bool {
        let Some((first, rest)) = path.split_first() else {
            return true;
        };
        self.entries
            .iter()
            .find(|(key, ..)| &**key == *first)
            .is_some_and(|(_, _, value)| match value {
                Value::Leaf(_) => rest.is_empty(),
                Value::Map(draft) => draft.has(rest),
            })
    }

    /// Sets a value at a path of keys, unless one is there. False when a key on the way holds
    /// a value that is not a mapping.
    fn set(&mut self, path: &[&str], node: Node) -> bool {
        let span = node.span;
        self.span = Some(self.span.map_or(span, |known| known.to(span)));
        let Some((first, rest)) = path.split_first() else {
            return false;
        };
        let position = self.entries.iter().position(|(key, ..)| &**key == *first);
        if rest.is_empty() {
            if position.is_none() {
                self.entries
                    .push((Arc::from(*first), span, Value::Leaf(node)));
            }
            return true;
        }
        let index = match position {
            Some(index) => index,
            None => {
                self.entries
                    .push((Arc::from(*first), span, Value::Map(Draft::default())));
                self.entries.len() - 1
            }
        };
        match &mut self.entries[index].2 {
            Value::Map(draft) => draft.set(rest, node),
            Value::Leaf(_) => false,
        }
    }

    fn into_node(self, fallback: Span) -> Node {
        let span = self.span.unwrap_or(fallback);
        let entries: Vec<Entry> = self
            .entries
            .into_iter()
            .map(|(key, key_span, value)| Entry {
                key,
                key_span,
                value: match value {
                    Value::Leaf(node) => node,
                    Value::Map(draft) => draft.into_node(key_span),
                },
            })
            .collect();
        Node::new(NodeKind::Map(entries.into_boxed_slice()), span)
    }
}

/// A yes/no cell, or its text when it is neither (the schema then reports it).
fn flag_node(text: &str, span: Span) -> Node {
    match columns::flag(text) {
        Some(value) => Node::new(NodeKind::Bool(value), span),
        None => text_node(text, span),
    }
}

fn text_node(text: &str, span: Span) -> Node {
    Node::new(NodeKind::Str(text.into()), span)
}

/// Builds the dossier of a sheet; see the module's documentation.
pub fn build(
    name: &str,
    text: SourceFile,
    items: Table,
    dossier: Option<Table>,
    workbook: bool,
    options: SheetOptions<'_>,
) -> Result<SheetDossier, GuifanError> {
    let mut cells = CellMap::new();
    let header_index = items
        .rows
        .iter()
        .take_while(|row| row.number <= 20)
        .position(|row| {
            row.cells
                .iter()
                .any(|cell| columns::column_for(&cell.text).is_some())
        });
    let Some(header_index) = header_index else {
        return Err(GuifanError::Read {
            path: name.to_string(),
            message: "no header row naming the items' columns (事项名称, 基本编码, … or task_name, …) in its first 20 rows".to_string(),
        });
    };
    let header = &items.rows[header_index];
    let mut fields: Vec<(u32, Field)> = Vec::new();
    let mut unknown_columns = Vec::new();
    let pack_fields = columns::pack_item_fields(options.aliases, options.schema);
    for cell in &header.cells {
        let field = columns::column_for(&cell.text).or_else(|| {
            pack_fields
                .iter()
                .find(|(names, _)| names.iter().any(|name| name == cell.text.trim()))
                .map(|(_, field)| field.clone())
        });
        match field {
            Some(field) => {
                if let Some((column, _)) = fields
                    .iter()
                    .find(|(_, known)| known.pointer() == field.pointer())
                {
                    return Err(cell_error(
                        &text,
                        workbook,
                        &items.cell(header.number, cell.column),
                        cell.span,
                        format!(
                            "the columns {} and {} both give the item's {}",
                            super::column_letters(*column),
                            super::column_letters(cell.column),
                            field.pointer().trim_start_matches('/')
                        ),
                    ));
                }
                fields.push((cell.column, field));
            }
            None if !cell.text.trim().is_empty() => unknown_columns.push((
                cell.text.trim().to_string(),
                items.cell(header.number, cell.column),
                cell.span,
            )),
            None => {}
        }
    }
    let first_cell = |row: &Row| items.cell(row.number, 1);
    // what the whole dossier lacks is shown at the header's first cell, not the whole row
    let header_first = header.cells.first().map_or(header.span, |cell| cell.span);
    cells.insert(String::new(), (first_cell(header), header_first));
    cells.insert("/items".to_string(), (first_cell(header), header_first));
    let mut item_nodes = Vec::new();
    for row in &items.rows[header_index + 1..] {
        if row.cells.iter().all(|cell| cell.text.trim().is_empty()) {
            continue;
        }
        let pointer = format!("/items/{}", item_nodes.len());
        cells.insert(pointer.clone(), (first_cell(row), row.span));
        item_nodes.push(item(row, &fields, &items, &pointer, &mut cells));
    }
    let items_span = item_nodes
        .iter()
        .map(|node| node.span)
        .reduce(Span::to)
        .unwrap_or(header.span);
    let items_node = Node::new(NodeKind::Seq(item_nodes.into_boxed_slice()), items_span);
    let mut entries = Vec::new();
    let mut full_text = text.text.to_string();
    let mut base_part = None;
    match (options.base, dossier) {
        (Some(_), Some(sheet)) => {
            return Err(GuifanError::Usage(format!(
                "{name} has a dossier sheet ({}) and --dossier names a dossier file: give the dossier once",
                sheet.sheet.as_deref().unwrap_or_default()
            )))
        }
        (Some(base), None) => {
            let offset = full_text.len() + 1;
            full_text.push('\n');
            full_text.push_str(&base.source.text);
            entries.extend(base_entries(base, options.aliases, offset)?);
            base_part = Some((offset, Arc::clone(&base.source)));
        }
        (None, Some(sheet)) => {
            entries.extend(dossier_entries(&text, &sheet, options.aliases, &mut cells)?);
        }
        (None, None) => {}
    }
    entries.push(Entry {
        key: "items".into(),
        key_span: header.span,
        value: items_node,
    });
    let root = Node::new(
        NodeKind::Map(entries.into_boxed_slice()),
        Span::new(0, text.text.len()),
    );
    Ok(SheetDossier {
        source: Arc::new(SourceFile::new(name, full_text)),
        root,
        cells,
        base: base_part,
        unknown_columns,
        workbook,
    })
}

/// One item from a data row.
fn item(
    row: &Row,
    fields: &[(u32, Field)],
    table: &Table,
    pointer: &str,
    cells: &mut CellMap,
) -> Node {
    let mut draft = Draft::default();
    let cell_of = |column: u32| row.cells.iter().find(|cell| cell.column == column);
    // limits last: a unit or note column then wins over what the limit's cell implies
    let order = fields
        .iter()
        .filter(|(_, field)| !matches!(field, Field::Limit(_)))
        .chain(
            fields
                .iter()
                .filter(|(_, field)| matches!(field, Field::Limit(_))),
        );
    for (column, field) in order {
        let column = *column;
        let place = table.cell(row.number, column);
        let (text, span) = match cell_of(column) {
            Some(cell) => (cell.text.trim(), cell.span),
            // a row shorter than the header: its missing cells are at its end
            None => ("", Span::new(row.span.end(), row.span.end())),
        };
        let field_pointer = field.pointer();
        // the object a nested field is in is found at its first column
        if let Some((parent, _)) = field_pointer.rsplit_once('/') {
            if !parent.is_empty() {
                cells
                    .entry(format!("{pointer}{parent}"))
                    .or_insert_with(|| (place.clone(), span));
            }
        }
        cells.insert(format!("{pointer}{field_pointer}"), (place, span));
        if text.is_empty() {
            continue;
        }
        let at = |text: &str| text_node(text, span);
        match field {
            Field::Text(key) => {
                draft.set(&[key], at(text));
            }
            Field::Code(key, names) => {
                draft.set(&[key], at(&columns::code(text, names)));
            }
            Field::Body(key, names) => {
                draft.set(&["implementing_body", key], at(&columns::code(text, names)));
            }
            Field::LegalBasis => {
                let bases: Vec<Node> = columns::legal_bases(text)
                    .into_iter()
                    .map(|basis| {
                        let mut entries = vec![Entry {
                            key: "title".into(),
                            key_span: span,
                            value: at(&basis.title),
                        }];
                        if let Some(level) = basis.level {
                            entries.push(Entry {
                                key: "level".into(),
                                key_span: span,
                                value: at(level),
                            });
                        }
                        if let Some(article) = &basis.article {
                            entries.push(Entry {
                                key: "article".into(),
                                key_span: span,
                                value: at(article),
                            });
                        }
                        Node::new(NodeKind::Map(entries.into_boxed_slice()), span)
                    })
                    .collect();
                if !bases.is_empty() {
                    draft.set(
                        &["legal_basis"],
                        Node::new(NodeKind::Seq(bases.into_boxed_slice()), span),
                    );
                }
            }
            Field::Limit(key) => match columns::limit(text) {
                Some(Limit::Days(days, unit)) => {
                    draft.set(&[key, "value"], Node::new(NodeKind::Int(days), span));
                    if let Some(unit) = unit {
                        draft.set(&[key, "unit"], at(unit));
                    }
                    // a number of days with no unit: working days, as 行政许可法 第八十二条
                    // counts the limits it sets
                    if !draft.has(&[key, "unit"]) {
                        draft.set(&[key, "unit"], at("working_days"));
                    }
                }
                Some(Limit::NoneByLaw) => {
                    draft.set(&[key, "none_by_law"], Node::new(NodeKind::Bool(true), span));
                    draft.set(&[key, "note"], at(text));
                }
                // not a limit: the schema reports the cell as it is
                None => {
                    draft.set(&[key], at(text));
                }
            },
            Field::LimitUnit(key) => {
                draft.set(&[key, "unit"], at(columns::unit(text).unwrap_or(text)));
            }
            Field::LimitNote(key) => {
                draft.set(&[key, "note"], at(text));
            }
            Field::Flag(key) => {
                draft.set(&[key], flag_node(text, span));
            }
            Field::PackFlag(key) => {
                draft.set(&[&**key], flag_node(text, span));
            }
            Field::PackText(key) => {
                draft.set(&[&**key], at(text));
            }
            Field::Codes(key, names) => {
                let codes: Vec<Node> = text
                    .split([',', '，', '、', ';', '；', '/', ' '])
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                    .map(|part| at(&columns::code(part, names)))
                    .collect();
                draft.set(
                    &[key],
                    Node::new(NodeKind::Seq(codes.into_boxed_slice()), span),
                );
            }
        }
    }
    let mut node = draft.into_node(row.span);
    node.span = row.span;
    node
}

/// The key/value rows of a workbook's dossier sheet.
fn dossier_entries(
    text: &SourceFile,
    sheet: &Table,
    aliases: &BTreeMap<String, String>,
    cells: &mut CellMap,
) -> Result<Vec<Entry>, GuifanError> {
    let mut draft = Draft::default();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for (index, row) in sheet.rows.iter().enumerate() {
        let key = row
            .cells
            .iter()
            .find(|cell| cell.column == 1)
            .map(|cell| cell.text.trim())
            .unwrap_or("");
        if key.is_empty() || (index == 0 && matches!(key, "字段" | "键" | "key" | "Key" | "KEY"))
        {
            continue;
        }
        let (value, span) = match row.cells.iter().find(|cell| cell.column == 2) {
            Some(cell) => (cell.text.trim(), cell.span),
            None => ("", Span::new(row.span.end(), row.span.end())),
        };
        let path_text = FLAT_KEYS
            .iter()
            .find(|(flat, _)| *flat == key)
            .map_or(key, |(_, path)| *path);
        let path: Vec<&str> = path_text
            .split(['.', '．'])
            .map(str::trim)
            .map(|segment| aliases.get(segment).map_or(segment, String::as_str))
            .collect();
        let place = sheet.cell(row.number, 2);
        if path.iter().any(|segment| segment.is_empty()) || path[0] == "items" {
            return Err(cell_error(
                text,
                true,
                &sheet.cell(row.number, 1),
                row.span,
                format!(
                    "`{key}` is not a key of the dossier sheet (items come from the item sheet)"
                ),
            ));
        }
        let pointer: String = path
            .iter()
            .map(|segment| format!("/{}", escape_pointer_token(segment)))
            .collect();
        if let Some(first) = seen.insert(pointer.clone(), row.number) {
            return Err(cell_error(
                text,
                true,
                &sheet.cell(row.number, 1),
                row.span,
                format!("`{key}` is given twice (rows {first} and {})", row.number),
            ));
        }
        let mut parent = String::new();
        for segment in &path[..path.len() - 1] {
            parent.push('/');
            push_pointer_token(&mut parent, segment);
            cells
                .entry(parent.clone())
                .or_insert_with(|| (place.clone(), span));
        }
        cells.insert(pointer.clone(), (place, span));
        if value.is_empty() {
            continue;
        }
        let named = VALUE_NAMES
            .iter()
            .find(|(field, _)| *field == pointer)
            .map(|(_, names)| columns::code(value, names));
        let node = match (named, value) {
            (Some(named), _) => text_node(&named, span),
            (None, "是" | "true" | "TRUE") => Node::new(NodeKind::Bool(true), span),
            (None, "否" | "false" | "FALSE") => Node::new(NodeKind::Bool(false), span),
            (None, _) => text_node(value, span),
        };
        if !draft.set(&path, node) {
            return Err(cell_error(
                text,
                true,
                &sheet.cell(row.number, 1),
                row.span,
                format!("`{key}` is inside a key that holds a value"),
            ));
        }
    }
    Ok(match draft.into_node(Span::default()).kind {
        NodeKind::Map(entries) => entries.into_vec(),
        _ => Vec::new(),
    })
}

/// The entries of the `--dossier` file, their spans moved to where its text follows the sheet's.
fn base_entries(
    base: &BaseDossier,
    aliases: &BTreeMap<String, String>,
    offset: usize,
) -> Result<Vec<Entry>, GuifanError> {
    let Some(entries) = base.root.as_entries() else {
        return Err(LocatedError::new(
            &base.source,
            base.root.span,
            "the dossier given with --dossier is not a mapping",
            "a mapping of dossier, department, … was expected",
            None,
        )
        .into());
    };
    let mut moved = Vec::with_capacity(entries.len());
    for entry in entries {
        let canonical = aliases.get(&*entry.key).map_or(&*entry.key, String::as_str);
        if canonical == "items" {
            return Err(LocatedError::new(
                &base.source,
                entry.key_span,
                "the dossier given with --dossier has items: they come from the sheet",
                "remove the items here",
                None,
            )
            .into());
        }
        let mut entry = entry.clone();
        shift(&mut entry.value, offset);
        entry.key_span = moved_span(entry.key_span, offset);
        moved.push(entry);
    }
    Ok(moved)
}

fn moved_span(span: Span, offset: usize) -> Span {
    Span::new(span.start() + offset, span.end() + offset)
}

fn shift(node: &mut Node, offset: usize) {
    node.span = moved_span(node.span, offset);
    match &mut node.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|item| shift(item, offset)),
        NodeKind::Map(entries) => {
            for entry in entries.iter_mut() {
                entry.key_span = moved_span(entry.key_span, offset);
                shift(&mut entry.value, offset);
            }
        }
        _ => {}
    }
}
