//! The common shapes of a rule's expression, evaluated on the dossier's tree without the
//! interpreter: presence (`has(item.legal_basis)`), sizes (`size(item.name) > 0`), a pattern
//! that is a literal or a name (`item.task_type.matches('^[0-9]{2}$')`,
//! `field.matches(date_key)`), comparisons of fields and literals
//! (`item.promised_limit.value <= item.statutory_limit.value`), dates (`is_date(item.day)`,
//! `date(value) <= submitted_day`, with guifan's own `parse_date`), types
//! (`type(value) == type('')`, `type(field) == string`), booleans (`entering`), membership in
//! a pack variable (`item.window in window_ids`), in a list of literals or in the keys of a map
//! literal (`group in {'recognition': '5.2.1.3', …}`), and `&&`, `||`, `!` of them, over the
//! bindings of the tree (a field of one, or the value or key bound itself) and the dossier's
//! sections. An operand of `&&`, `||` or `!` of another shape
//! (`uscc_valid(item.implementing_body.uscc)`) is left to the interpreter alone, so that
//! `has(item.implementing_body.uscc) && uscc_valid(item.implementing_body.uscc)` is decided on
//! the tree for every item without a code.
//!
//! Why by hand: the `cel` interpreter makes a context, resolves every name through it, and
//! boxes every value it reads, about 1.3 µs an evaluation; these shapes are most of what the
//! packs evaluate per item. And to select a field of a mapping (`has(item.recognition)`), the
//! interpreter first asks the mapping whether it is an optional, which makes the built-in map of
//! all its entries (`engine::values::NodeMap::as_builtin`). No crate evaluates CEL on a foreign
//! tree.
//!
//! It never decides differently from the interpreter, because it decides only where the answer
//! is plain, and the operators are the interpreter's own: equality is `Val::equals`, order
//! `Val::as_comparer`, membership `Val::as_container` (for a map literal's keys: the string
//! among them, as the built-in map finds a string key), a type is the name `type()` gives (the
//! value's `get_type().name()`, which `CelType` compares) and a type's name counts only where
//! no binding, variable or section has that name, on the same values the interpreter would
//! read (`engine::values::to_value` for a scalar of the tree); sizes count as the `cel` crate's
//! `Sizer`s do (characters of a string, elements of a list, entries of a map); `matches` is
//! guifan's own function; an operand left to the interpreter counts only where the interpreter
//! gives a boolean, and `false && x`, `true || x` are decided as the interpreter decides them,
//! whatever `x` is. Wherever the interpreter could give an error or a value other than a
//! boolean (a field that is not there, a list where a scalar is expected, a name that holds no
//! value, a dotted section name, an operand left to the interpreter that gives an
//! error), [`Native::evaluate`] answers `None` and the caller evaluates the whole expression
//! with the interpreter, which then gives its own answer (and its own error).
//! `tests/native_eval.rs` compares both on every rule of the national pack over the fixtures,
//! and on hand-made hostile values.

use cel::common::ast::operators;
use cel::common::ast::{Expr, IdedExpr, LiteralValue};
use cel::common::types::{self as cel_types, Kind, Type};
use cel::common::types::{CelBool, CelDouble, CelInt, CelNull, CelString, CelTimestamp, CelUInt};
use cel::common::value::Val;

use super::functions::{date_to_timestamp, parse_date};
use super::regex_cache::regex_is_match;
use crate::document::{Node, NodeKind};

/// What an evaluation can read: the tree's node bound to a name, or the value of a name.
pub trait NativeScope {
    /// The node a binding of the tree, or a section of the dossier, holds; `None` when the name
    /// is anything else (a key binding, a pack variable, `doc`, or unknown).
    fn node(&self, name: &str) -> Option<&Node>;
    /// The value of a name, as the interpreter would resolve it.
    fn value(&self, name: &str) -> Option<&dyn Val>;
    /// Some name has a dot in it, which the interpreter resolves whole before its parts.
    fn dotted(&self) -> bool;
    /// The interpreter's value of a part of the expression in this scope, when it is a
    /// boolean; `None` for an error or a value of another type.
    fn interpret(&self, expression: &IdedExpr) -> Option<bool>;
}

/// An expression of the shapes this module evaluates.
#[derive(Debug)]
pub enum Native {
    And(Box<Native>, Box<Native>),
    Or(Box<Native>, Box<Native>),
    Not(Box<Native>),
    /// `has(root.a.b)`: whether `b` is a key of the mapping at `root.a`.
    Has(Path),
    Compare(Operator, Operand, Operand),
    /// `text.matches('pattern')` or `matches(text, pattern)`: the text a field or a name, the
    /// pattern a literal or a name.
    Matches(Path, Pattern),
    /// `is_date(text)`, the text a field or a name.
    IsDate(Path),
    /// `value in ['a', 'b']`: membership in a list of literals.
    InLiterals(Operand, Vec<Literal>),
    /// `group in {'recognition': '5.2.1.3', …}`: a string among the keys of a map literal whose
    /// keys are distinct strings and whose values are literals.
    InKeys(Operand, Vec<String>),
    /// `type(value) == type('')`, `type(field) != string`: the name of an operand's type against
    /// the name of a type (`equal` false for `!=`).
    TypeIs {
        operand: Path,
        type_name: TypeName,
        equal: bool,
    },
    /// A name or a field that holds a boolean (`entering`, `department.evaluation.passed`).
    Truth(Operand),
    /// An operand of `&&`, `||` or `!` of no shape above, for the interpreter.
    Interpreted(Box<IdedExpr>),
}

/// The pattern of `matches`: a literal, or a name that holds a string (a pack variable).
#[derive(Debug)]
pub enum Pattern {
    Literal(String),
    Name(String),
}

/// The type an operand's type is compared with.
#[derive(Debug)]
pub enum TypeName {
    /// `type('')`, `type(1)`: the type of a literal, its name taken once.
    Of(String),
    /// `string`, `int` …: a name the interpreter resolves to the type of that name, unless a
    /// binding, a pack variable or a section has that name.
    Named(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEquals,
    Less,
    LessEquals,
    Greater,
    GreaterEquals,
    In,
}

#[derive(Debug)]
pub enum Operand {
    /// A scalar field read from a binding of the tree.
    Field(Path),
    /// `size(path)` or `path.size()`.
    Size(Path),
    /// `date(path)`: the timestamp of the date a field holds, as guifan's `date()` makes it.
    Date(Path),
    /// A name alone (a pack variable, a key binding …), resolved as the interpreter does.
    Name(String),
    Literal(Literal),
}

/// A literal as the interpreter makes it.
#[derive(Debug)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    String(String),
}

/// A name and the fields selected from it (`item.promised_limit.value`).
#[derive(Debug)]
pub struct Path {
    pub root: String,
    pub fields: Vec<String>,
}

impl Native {
    /// The native form of a parsed expression, when some of it is of the shapes above (the
    /// rest is left to the interpreter, operand by operand).
    pub fn compile(expression: &IdedExpr) -> Option<Native> {
        match Native::compile_part(expression) {
            Native::Interpreted(_) => None,
            native => Some(native),
        }
    }

    /// The native form of a part; [`Native::Interpreted`] where none of it has a shape above.
    /// (An operand left to the interpreter is copied again at each `&&`, `||` or `!` above it
    /// that is then left whole: at most the expression's depth, which the loader bounds, times
    /// its size, once at load.)
    fn compile_part(expression: &IdedExpr) -> Native {
        let interpreted = || Native::Interpreted(Box::new(expression.clone()));
        let Some(native) = Native::compile_shape(expression) else {
            return interpreted();
        };
        match &native {
            Native::And(left, right) | Native::Or(left, right)
                if matches!(**left, Native::Interpreted(_))
                    && matches!(**right, Native::Interpreted(_)) =>
            {
                interpreted()
            }
            Native::Not(operand) if matches!(**operand, Native::Interpreted(_)) => interpreted(),
            _ => native,
        }
    }

    /// The shape of a part: `&&`, `||` and `!` always (their operands compiled as parts), the
    /// leaves when they are of the shapes above.
    fn compile_shape(expression: &IdedExpr) -> Option<Native> {
        let expression = &expression.expr;
        match expression {
            Expr::Call(call) if call.target.is_none() => {
                match (call.func_name.as_str(), &call.args[..]) {
                    (operators::LOGICAL_AND, [left, right]) => Some(Native::And(
                        Box::new(Native::compile_part(left)),
                        Box::new(Native::compile_part(right)),
                    )),
                    (operators::LOGICAL_OR, [left, right]) => Some(Native::Or(
                        Box::new(Native::compile_part(left)),
                        Box::new(Native::compile_part(right)),
                    )),
                    (operators::LOGICAL_NOT, [operand]) => {
                        Some(Native::Not(Box::new(Native::compile_part(operand))))
                    }
                    ("matches", [text, pattern]) => matches(&text.expr, &pattern.expr),
                    ("is_date", [text]) => Some(Native::IsDate(Path::compile(&text.expr)?)),
                    (operators::EQUALS | operators::NOT_EQUALS, [left, right])
                        if type_argument(&left.expr).is_some() =>
                    {
                        Some(Native::TypeIs {
                            operand: Path::compile(type_argument(&left.expr)?)?,
                            type_name: TypeName::compile(&right.expr)?,
                            equal: call.func_name == operators::EQUALS,
                        })
                    }
                    (name, [left, right]) => {
                        let operator = match name {
                            operators::EQUALS => Operator::Equals,
                            operators::NOT_EQUALS => Operator::NotEquals,
                            operators::LESS => Operator::Less,
                            operators::LESS_EQUALS => Operator::LessEquals,
                            operators::GREATER => Operator::Greater,
                            operators::GREATER_EQUALS => Operator::GreaterEquals,
                            operators::IN => Operator::In,
                            _ => return None,
                        };
                        let left = Operand::compile(&left.expr)?;
                        let right = match (operator, &right.expr) {
                            // membership in a name (a pack variable's list or map) or in a
                            // list of literals
                            (Operator::In, Expr::Ident(name)) => Operand::Name(name.clone()),
                            (Operator::In, Expr::List(list))
                                if list.optional_indices.is_empty() =>
                            {
                                let literals = list
                                    .elements
                                    .iter()
                                    .map(|element| match Operand::compile(&element.expr)? {
                                        Operand::Literal(literal) => Some(literal),
                                        _ => None,
                                    })
                                    .collect::<Option<Vec<_>>>()?;
                                return Some(Native::InLiterals(left, literals));
                            }
                            (Operator::In, Expr::Map(map)) => {
                                return Some(Native::InKeys(left, map_literal_keys(map)?));
                            }
                            (Operator::In, _) => return None,
                            (_, right) => Operand::compile(right)?,
                        };
                        Some(Native::Compare(operator, left, right))
                    }
                    _ => None,
                }
            }
            Expr::Call(call) => match (
                call.func_name.as_str(),
                call.target.as_deref(),
                &call.args[..],
            ) {
                ("matches", Some(text), [pattern]) => matches(&text.expr, &pattern.expr),
                _ => None,
            },
            Expr::Select(select) if select.test => {
                let mut path = Path::compile(&select.operand.expr)?;
                path.fields.push(select.field.clone());
                Some(Native::Has(path))
            }
            Expr::Select(_) | Expr::Ident(_) => Some(Native::Truth(Operand::compile(expression)?)),
            _ => None,
        }
    }

    /// The expression's value, or `None` where the interpreter must decide.
    pub fn evaluate(&self, scope: &dyn NativeScope) -> Option<bool> {
        match self {
            // `false && x` is false and `true || x` true whatever `x` is, an error included,
            // as in the interpreter
            Native::And(left, right) => match left.evaluate(scope)? {
                false => Some(false),
                true => right.evaluate(scope),
            },
            Native::Or(left, right) => match left.evaluate(scope)? {
                true => Some(true),
                false => right.evaluate(scope),
            },
            Native::Not(operand) => operand.evaluate(scope).map(|value| !value),
            Native::Has(path) => {
                let (last, parents) = path.fields.split_last()?;
                let parent = path.walk(scope, parents)?;
                match &parent.kind {
                    NodeKind::Map(_) => Some(parent.get(last).is_some()),
                    _ => None,
                }
            }
            Native::Matches(text, pattern) => {
                let pattern = match pattern {
                    Pattern::Literal(pattern) => pattern.as_str(),
                    Pattern::Name(name) => held(scope, name).and_then(string_of)?,
                };
                regex_is_match(pattern, text.text(scope)?).ok()
            }
            // as guifan's `is_date`: a string only (anything else is the interpreter's error)
            Native::IsDate(text) => Some(parse_date(text.text(scope)?).is_some()),
            Native::InLiterals(operand, literals) => {
                // as the built-in list's `contains`: an element equal to the value
                let value = read(operand, scope)?;
                let value = value.as_val();
                Some(
                    literals
                        .iter()
                        .any(|literal| Scalar::of_literal(literal).as_val().equals(value)),
                )
            }
            Native::InKeys(operand, keys) => {
                // as the built-in map's `contains`, for a string: a key equal to it (any
                // other type is left to the interpreter)
                let value = read(operand, scope)?;
                let value = value.as_val();
                if value.get_type().kind() != Kind::String {
                    return None;
                }
                let text = value.downcast_ref::<CelString>()?;
                Some(keys.iter().any(|key| key == text.inner()))
            }
            Native::TypeIs {
                operand,
                type_name,
                equal,
            } => {
                let other = match type_name {
                    TypeName::Of(other) => other.as_str(),
                    TypeName::Named(other) => named_type(scope, other)?,
                };
                operand.with_type_name(scope, |name| (name == other) == *equal)
            }
            Native::Compare(operator, left, right) => compare(*operator, left, right, scope),
            Native::Truth(operand) => match read(operand, scope)? {
                Read::Scalar(Scalar::Bool(value)) => Some(*value.inner()),
                Read::Held(value) => value.downcast_ref::<CelBool>().map(|value| *value.inner()),
                Read::Scalar(_) => None,
            },
            Native::Interpreted(expression) => scope.interpret(expression),
        }
    }
}

fn matches(text: &Expr, pattern: &Expr) -> Option<Native> {
    let pattern = match pattern {
        Expr::Literal(LiteralValue::String(pattern)) => Pattern::Literal(pattern.to_string()),
        Expr::Ident(name) => Pattern::Name(name.clone()),
        _ => return None,
    };
    Some(Native::Matches(Path::compile(text)?, pattern))
}

/// The argument of `type(x)`.
fn type_argument(expression: &Expr) -> Option<&Expr> {
    match expression {
        Expr::Call(call) if call.func_name == "type" && call.target.is_none() => {
            match &call.args[..] {
                [argument] => Some(&argument.expr),
                _ => None,
            }
        }
        _ => None,
    }
}

impl TypeName {
    fn compile(expression: &Expr) -> Option<TypeName> {
        match expression {
            Expr::Ident(name) if BUILT_IN_TYPES.iter().any(|(known, _)| known == name) => {
                Some(TypeName::Named(name.clone()))
            }
            // `type(literal)`
            _ => match Operand::compile(
                type_argument(expression)
                    .filter(|argument| matches!(argument, Expr::Literal(_)))?,
            )? {
                Operand::Literal(literal) => Some(TypeName::Of(
                    Scalar::of_literal(&literal)
                        .as_val()
                        .get_type()
                        .name()
                        .to_string(),
                )),
                _ => None,
            },
        }
    }
}

/// The names of the standard library's types that a type is compared with, and the name of
/// the type each resolves to (the `type` of its values).
static BUILT_IN_TYPES: [(&str, Type); 9] = [
    ("bool", cel_types::BOOL_TYPE),
    ("bytes", cel_types::BYTES_TYPE),
    ("double", cel_types::DOUBLE_TYPE),
    ("int", cel_types::INT_TYPE),
    ("list", cel_types::LIST_TYPE),
    ("map", cel_types::MAP_TYPE),
    ("null_type", cel_types::NULL_TYPE),
    ("string", cel_types::STRING_TYPE),
    ("uint", cel_types::UINT_TYPE),
];

/// The name of the type a type's name resolves to; `None` where a binding, a pack variable or
/// a section has that name (the interpreter then resolves the name to its value).
fn named_type(scope: &dyn NativeScope, name: &str) -> Option<&'static str> {
    if scope.dotted() || scope.value(name).is_some() || scope.node(name).is_some() {
        return None;
    }
    BUILT_IN_TYPES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, found)| found.name())
}

/// The value a name holds (a key binding, a pack variable, a binding of the tree), as the
/// interpreter resolves it; `None` where some name of the expression is dotted, which the
/// interpreter resolves whole first.
fn held<'s>(scope: &'s dyn NativeScope, name: &str) -> Option<&'s dyn Val> {
    if scope.dotted() {
        return None;
    }
    scope.value(name)
}

/// The text of a value that is a string; `None` for a value of any other type. Its type is
/// asked first: a view of a mapping answers a downcast by making a map.
fn string_of(value: &dyn Val) -> Option<&str> {
    if value.get_type().kind() != Kind::String {
        return None;
    }
    value.downcast_ref::<CelString>().map(CelString::inner)
}

/// The keys of a map literal whose keys are distinct string literals and whose values are
/// literals (so that making it cannot fail).
fn map_literal_keys(map: &cel::common::ast::MapExpr) -> Option<Vec<String>> {
    let mut keys: Vec<String> = Vec::with_capacity(map.entries.len());
    for entry in &map.entries {
        let cel::common::ast::EntryExpr::MapEntry(entry) = &entry.expr else {
            return None;
        };
        let (Expr::Literal(LiteralValue::String(key)), Expr::Literal(_)) =
            (&entry.key.expr, &entry.value.expr)
        else {
            return None;
        };
        if entry.optional || keys.iter().any(|known| **known == **key) {
            return None;
        }
        keys.push(key.to_string());
    }
    Some(keys)
}

impl Operand {
    fn compile(expression: &Expr) -> Option<Operand> {
        match expression {
            Expr::Select(_) => Some(Operand::Field(Path::field(expression)?)),
            Expr::Ident(name) => Some(Operand::Name(name.clone())),
            Expr::Literal(literal) => Some(Operand::Literal(match literal {
                LiteralValue::Null => Literal::Null,
                LiteralValue::Boolean(value) => Literal::Bool(**value),
                LiteralValue::Int(value) => Literal::Int(**value),
                LiteralValue::UInt(value) => Literal::UInt(**value),
                LiteralValue::Double(value) => Literal::Double(**value),
                LiteralValue::String(value) => Literal::String(value.to_string()),
                _ => return None,
            })),
            Expr::Call(call) if call.func_name == "date" && call.target.is_none() => {
                match &call.args[..] {
                    [argument] => Some(Operand::Date(Path::field(&argument.expr)?)),
                    _ => None,
                }
            }
            Expr::Call(call) if call.func_name == "size" => {
                let argument = match (call.target.as_deref(), &call.args[..]) {
                    (None, [argument]) => argument,
                    (Some(target), []) => target,
                    _ => return None,
                };
                Some(Operand::Size(Path::field(&argument.expr)?))
            }
            _ => None,
        }
    }
}

impl Path {
    /// `root.a.b` (at least one field): a field read from a name.
    fn field(expression: &Expr) -> Option<Path> {
        Path::compile(expression).filter(|path| !path.fields.is_empty())
    }

    /// `root.a.b`: a chain of selections (perhaps none) from a name.
    fn compile(expression: &Expr) -> Option<Path> {
        let mut fields = Vec::new();
        let mut at = expression;
        loop {
            match at {
                Expr::Select(select) if !select.test => {
                    fields.push(select.field.clone());
                    at = &select.operand.expr;
                }
                Expr::Ident(root) => {
                    fields.reverse();
                    return Some(Path {
                        root: root.clone(),
                        fields,
                    });
                }
                _ => return None,
            }
        }
    }

    /// The node at `root` and then `fields`, each a key of a mapping; `None` where the
    /// interpreter would fail (a key that is not there, a selection from a non-mapping) or where
    /// the root is not a binding of the tree.
    fn walk<'s>(&self, scope: &'s dyn NativeScope, fields: &[String]) -> Option<&'s Node> {
        if scope.dotted() {
            return None;
        }
        let mut node = scope.node(&self.root)?;
        for field in fields {
            // nothing from a node that is not a mapping
            node = node.get(field)?;
        }
        Some(node)
    }

    /// What the path reaches: a node of the tree, or, for a name alone that holds no node (a
    /// key binding, a pack variable), the value it holds.
    fn reach<'s>(&self, scope: &'s dyn NativeScope) -> Option<Reached<'s>> {
        match self.walk(scope, &self.fields) {
            Some(node) => Some(Reached::Node(node)),
            None if self.fields.is_empty() && scope.node(&self.root).is_none() => {
                held(scope, &self.root).map(Reached::Held)
            }
            None => None,
        }
    }

    /// The string at the path, or that a name alone holds; `None` where it is anything else
    /// (the interpreter's error for a function that wants a string).
    fn text<'s>(&self, scope: &'s dyn NativeScope) -> Option<&'s str> {
        match self.reach(scope)? {
            Reached::Node(node) => match &node.kind {
                NodeKind::Str(text) => Some(text),
                _ => None,
            },
            Reached::Held(value) => string_of(value),
        }
    }

    /// The name of the type of the value at the path, as `type()` gives it: a scalar of the
    /// tree, or any value a name alone holds; `None` for a mapping or a list of the tree (left
    /// to the interpreter) and where the path cannot be read.
    fn with_type_name<R>(
        &self,
        scope: &dyn NativeScope,
        answer: impl FnOnce(&str) -> R,
    ) -> Option<R> {
        match self.reach(scope)? {
            Reached::Node(node) => Some(answer(Scalar::of_node(node)?.as_val().get_type().name())),
            Reached::Held(value) => Some(answer(value.get_type().name())),
        }
    }
}

/// A scalar of the tree as the interpreter reads it (`engine::values::to_value`).
enum Scalar<'a> {
    Null(CelNull),
    Bool(CelBool),
    Int(CelInt),
    Double(CelDouble),
    UInt(CelUInt),
    String(CelString<'a>),
    Timestamp(CelTimestamp),
}

impl<'a> Scalar<'a> {
    fn of_node(node: &'a Node) -> Option<Scalar<'a>> {
        Some(match &node.kind {
            NodeKind::Null => Scalar::Null(CelNull),
            NodeKind::Bool(value) => Scalar::Bool(CelBool::from(*value)),
            NodeKind::Int(value) => Scalar::Int(CelInt::from(*value)),
            NodeKind::Float(value) => Scalar::Double(CelDouble::from(*value)),
            NodeKind::Str(text) => Scalar::String(CelString::from(&**text)),
            NodeKind::Seq(_) | NodeKind::Map(_) => return None,
        })
    }

    fn of_literal(literal: &'a Literal) -> Scalar<'a> {
        match literal {
            Literal::Null => Scalar::Null(CelNull),
            Literal::Bool(value) => Scalar::Bool(CelBool::from(*value)),
            Literal::Int(value) => Scalar::Int(CelInt::from(*value)),
            Literal::UInt(value) => Scalar::UInt(CelUInt::from(*value)),
            Literal::Double(value) => Scalar::Double(CelDouble::from(*value)),
            Literal::String(text) => Scalar::String(CelString::from(text.as_str())),
        }
    }

    fn as_val(&self) -> &dyn Val {
        match self {
            Scalar::Null(value) => value,
            Scalar::Bool(value) => value,
            Scalar::Int(value) => value,
            Scalar::Double(value) => value,
            Scalar::UInt(value) => value,
            Scalar::String(value) => value,
            Scalar::Timestamp(value) => value,
        }
    }
}

/// An operand's value: a scalar made here, or a value the scope holds.
/// What a path reaches (`Path::reach`).
enum Reached<'s> {
    Node(&'s Node),
    Held(&'s dyn Val),
}

enum Read<'a> {
    Scalar(Scalar<'a>),
    Held(&'a dyn Val),
}

impl Read<'_> {
    fn as_val(&self) -> &dyn Val {
        match self {
            Read::Scalar(scalar) => scalar.as_val(),
            Read::Held(value) => *value,
        }
    }
}

fn read<'a>(operand: &'a Operand, scope: &'a dyn NativeScope) -> Option<Read<'a>> {
    match operand {
        Operand::Field(path) => Scalar::of_node(path.walk(scope, &path.fields)?).map(Read::Scalar),
        Operand::Size(path) => {
            let node = path.walk(scope, &path.fields)?;
            let size = match &node.kind {
                NodeKind::Str(text) => text.chars().count(),
                NodeKind::Seq(items) => items.len(),
                NodeKind::Map(entries) => entries.len(),
                _ => return None,
            };
            Some(Read::Scalar(Scalar::Int(CelInt::from(
                i64::try_from(size).ok()?,
            ))))
        }
        // as guifan's `date()` on a string: a text that is not a date is the interpreter's error
        Operand::Date(path) => Some(Read::Scalar(Scalar::Timestamp(CelTimestamp::from(
            date_to_timestamp(parse_date(path.text(scope)?)?),
        )))),
        Operand::Name(name) => held(scope, name).map(Read::Held),
        Operand::Literal(literal) => Some(Read::Scalar(Scalar::of_literal(literal))),
    }
}

fn compare(
    operator: Operator,
    left: &Operand,
    right: &Operand,
    scope: &dyn NativeScope,
) -> Option<bool> {
    let left = read(left, scope)?;
    let right = read(right, scope)?;
    let (left, right) = (left.as_val(), right.as_val());
    match operator {
        Operator::Equals => Some(left.equals(right)),
        Operator::NotEquals => Some(!left.equals(right)),
        Operator::In => right.as_container()?.contains(left).ok(),
        _ => {
            let ordering = left.as_comparer()?.compare(right).ok()?;
            Some(match operator {
                Operator::Less => ordering.is_lt(),
                Operator::LessEquals => ordering.is_le(),
                Operator::Greater => ordering.is_gt(),
                _ => ordering.is_ge(),
            })
        }
    }
}
