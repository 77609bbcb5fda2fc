//! The dossier as CEL values, read from the tree as an expression reaches them rather than
//! copied into CEL's own maps up front. A copy of a large dossier cost more memory than the
//! tree itself (a hash map per mapping, a box per value), and CEL's comprehensions cloned it deep
//! (`doc.items.filter(…)` copied every item); a view costs a pointer.
//!
//! Scalars and lists are the built-in CEL values, made when read: strings borrow the tree, and
//! integers stay `int` (the `cel` crate's serde path would make non-negative ones `uint`, and
//! `x + 1` then fails). A mapping is a [`NodeMap`], a map of CEL type `map` that answers every
//! operation as the built-in map holding the same entries would: field selection, `has()`, `[k]`,
//! `in`, `size()`, the comprehensions over its keys (in document order), equality with any map
//! on either side of `==`, and conversion to a [`Value`].

use std::fmt;
use std::sync::{Arc, OnceLock};

use cel::common::traits::{self, Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{
    self as cel_types, CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
    CelTimestamp, CelUInt, Kind, Type,
};
use cel::common::value::{Builtin, BuiltinRef, CowVal, Val};
use cel::{ExecutionError, Value};

use super::budget::{MeteredIterator, MeteredList};
use crate::document::{Node, NodeKind};

/// A CEL value that may borrow the tree.
pub type BoxedVal<'a> = Box<dyn Val + 'a>;

/// The CEL value of a node: a built-in scalar or list, or a [`NodeMap`].
pub fn to_value(node: &Node) -> BoxedVal<'_> {
    match &node.kind {
        NodeKind::Null => Box::new(CelNull),
        NodeKind::Bool(value) => Box::new(CelBool::from(*value)),
        NodeKind::Int(value) => Box::new(CelInt::from(*value)),
        NodeKind::Float(value) => Box::new(CelDouble::from(*value)),
        NodeKind::Str(text) => Box::new(CelString::from(&**text)),
        // metered: a comprehension over the dossier counts against the evaluation's budget
        NodeKind::Seq(items) => Box::new(MeteredList::new(CelList::from(
            items.iter().map(to_value).collect::<Vec<_>>(),
        ))),
        NodeKind::Map(_) => Box::new(NodeMap::new(node)),
    }
}

/// The CEL value of the document root. Its entries (the dossier's sections), and the entries of
/// every mapping reached from it through mappings only (`department`,
/// `department.authorization`), are made once and lent to every expression that reads them:
/// `doc.items` does not build the list again, and `department.authorization.covers`, asked
/// once per item, is one list whose membership index is made once (see [`MeteredList`]). The
/// mappings inside lists (each item) stay views made when read: keeping theirs would copy the
/// dossier.
pub fn root_value(node: &Node) -> NodeMap<'_> {
    NodeMap::kept(node)
}

/// The type a [`NodeMap`] gives: CEL's `map`, at an address of its own, so that a
/// [`NodeMap`] is told from the built-in map without asking for the built-in map it can make
/// (see [`NodeMap::built`]).
static NODE_MAP_TYPE: Type = cel_types::MAP_TYPE;

/// A mapping of the tree as a CEL map.
pub struct NodeMap<'v> {
    node: &'v Node,
    /// The values of the entries of a mapping that is kept (the root, and the mappings reached
    /// from it through mappings), made on the first read and shared by copies; `None` for a
    /// view made when read.
    children: Option<Arc<OnceLock<Box<[BoxedVal<'v>]>>>>,
    /// The keys as CEL strings, made on the first iteration.
    keys: OnceLock<Box<[CelString<'v>]>>,
    /// The built-in map with the same entries (one level: the values that are mappings stay
    /// views), made only when the interpreter asks for the built-in map. The built-in map's
    /// equality recognises only another built-in map, so without it `{'a': 1} == item` was
    /// false where `item == {'a': 1}` was true; CEL's equality is symmetric.
    /// Boxed, as the keys are: a view is made for every item a comprehension reads and held
    /// in the lists it makes (100,000 of them for W3), and both are rarely made.
    built: OnceLock<Box<CelMap<'v>>>,
}

impl<'v> NodeMap<'v> {
    fn new(node: &'v Node) -> NodeMap<'v> {
        NodeMap {
            node,
            children: None,
            keys: OnceLock::new(),
            built: OnceLock::new(),
        }
    }

    /// A mapping whose entries' values are kept once made.
    fn kept(node: &'v Node) -> NodeMap<'v> {
        NodeMap {
            children: Some(Arc::default()),
            ..NodeMap::new(node)
        }
    }

    /// The values of the entries of a kept mapping, made once: its mappings kept too, its
    /// lists and scalars as [`to_value`] makes them.
    fn children(&self) -> Option<&[BoxedVal<'v>]> {
        let children = self.children.as_ref()?;
        Some(children.get_or_init(|| {
            self.entries()
                .iter()
                .map(|entry| match &entry.value.kind {
                    NodeKind::Map(_) => Box::new(NodeMap::kept(&entry.value)) as BoxedVal<'v>,
                    _ => to_value(&entry.value),
                })
                .collect()
        }))
    }

    /// The built-in map holding the same entries, made once; its making is metered as an
    /// iteration over the entries.
    fn built(&self) -> &CelMap<'v> {
        self.built.get_or_init(|| Box::new(self.make_built()))
    }

    fn make_built(&self) -> CelMap<'v> {
        {
            let _ = super::budget::take(self.entries().len() as u64);
            let entries: std::collections::HashMap<CelMapKey<'v>, BoxedVal<'v>> = self
                .entries()
                .iter()
                .enumerate()
                .map(|(position, entry)| {
                    let value = match self.children() {
                        Some(children) => children[position].clone_as_boxed(),
                        None => to_value(&entry.value),
                    };
                    (CelMapKey::from(&*entry.key), value)
                })
                .collect();
            CelMap::from(entries)
        }
    }

    fn entries(&self) -> &'v [crate::document::Entry] {
        self.node.as_entries().unwrap_or_default()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries().iter().position(|entry| &*entry.key == key)
    }

    /// The value of the entry at `position`: lent when the mapping is kept, else made now.
    fn value_at<'b>(&'b self, position: usize) -> CowVal<'b, 'v> {
        match self.children() {
            Some(children) => CowVal::Borrowed(children[position].as_ref()),
            None => CowVal::Owned(to_value(&self.entries()[position].value)),
        }
    }

    /// The entry a key names, as the built-in map finds it: only a string can name an entry
    /// (every key of the tree is a string; an `int`, `uint`, `bool` or `double` key finds
    /// nothing).
    fn find(&self, key: &dyn Val) -> Option<usize> {
        key.downcast_ref::<CelString>()
            .and_then(|text| self.position(text.inner()))
    }

    /// The values of the entries in document order, with their keys.
    fn each<'b>(&'b self) -> impl Iterator<Item = (&'v str, CowVal<'b, 'v>)> + 'b {
        self.entries()
            .iter()
            .enumerate()
            .map(move |(position, entry)| (&*entry.key, self.value_at(position)))
    }

    /// The entries with their values, for a kept map (the root): the dossier's sections.
    pub fn sections(&self) -> impl Iterator<Item = (&'v str, &(dyn Val + 'v))> + '_ {
        let children = self.children().unwrap_or_default();
        self.entries()
            .iter()
            .zip(children)
            .map(|(entry, child)| (&*entry.key, child.as_ref()))
    }
}

/// Whether a value is a [`NodeMap`] (by the address of its type: asking for the built-in map
/// would make one).
fn is_node_map(value: &dyn Val) -> bool {
    std::ptr::eq(value.get_type(), &NODE_MAP_TYPE)
}

/// What a failed look-up says, as the built-in map says it.
fn no_such_key(key: &dyn Val) -> ExecutionError {
    let text = if let Some(text) = key.downcast_ref::<CelString>() {
        text.inner().to_string()
    } else if let Some(number) = key.downcast_ref::<CelInt>() {
        number.inner().to_string()
    } else if let Some(number) = key.downcast_ref::<CelUInt>() {
        number.inner().to_string()
    } else if let Some(number) = key.downcast_ref::<CelDouble>() {
        number.inner().to_string()
    } else if let Some(boolean) = key.downcast_ref::<CelBool>() {
        boolean.inner().to_string()
    } else {
        String::new()
    };
    ExecutionError::NoSuchKey(Arc::new(text))
}

/// A key a map can be searched with: the map key types, or a `double`.
fn is_lookup_key(key: &dyn Val) -> bool {
    key.downcast_ref::<CelString>().is_some()
        || key.downcast_ref::<CelInt>().is_some()
        || key.downcast_ref::<CelUInt>().is_some()
        || key.downcast_ref::<CelBool>().is_some()
        || key.downcast_ref::<CelDouble>().is_some()
}

impl fmt::Debug for NodeMap<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = formatter.debug_map();
        for (key, value) in self.each() {
            map.entry(&key, &&*value);
        }
        map.finish()
    }
}

impl<'v> Val for NodeMap<'v> {
    fn get_type(&self) -> &Type {
        <Self as Val>::cel_type()
    }

    fn cel_type() -> &'static Type {
        &NODE_MAP_TYPE
    }

    /// The built-in map with the same entries: what the built-in map's equality compares
    /// with, so that equality holds whichever side the view is on. The interpreter reads a
    /// map through its traits otherwise (`in`, `[k]`, `.f`, `size()`, the comprehensions, all
    /// answered by the view itself), so the copy is made only for a comparison.
    fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        BuiltinRef::Map(self.built())
    }

    /// The interpreter takes an owned value that answers [`Val::as_builtin`] apart by value:
    /// the two must agree (the crate relies on it).
    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        let _ = self.built();
        self.built.into_inner().map(|built| Builtin::Map(*built))
    }

    /// A field selected on an owned view (`item.promised_limit.value`) is looked up in the view,
    /// not in a built-in copy.
    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }

    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        Some(self)
    }

    /// As the built-in map: a map with the same keys whose values are equal.
    fn equals(&self, other: &dyn Val) -> bool {
        if other.get_type().kind() != Kind::Map {
            return false;
        }
        let (Some(sizer), Some(indexer)) = (other.as_sizer(), other.as_indexer()) else {
            return false;
        };
        if *sizer.size().inner() != self.entries().len() as i64 {
            return false;
        }
        self.each().all(
            |(key, value)| match indexer.get(&CelString::from(key) as &dyn Val) {
                Ok(other_value) => value.equals(&*other_value),
                Err(_) => false,
            },
        )
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(NodeMap {
            node: self.node,
            children: self.children.clone(),
            keys: OnceLock::new(),
            built: OnceLock::new(),
        })
    }
}

impl Container for NodeMap<'_> {
    fn contains(&self, key: &dyn Val) -> Result<bool, ExecutionError> {
        if self.find(key).is_some() {
            Ok(true)
        } else if is_lookup_key(key) {
            Ok(false)
        } else {
            Err(ExecutionError::UnsupportedKeyType(
                Value::try_from(key).unwrap_or(Value::Null),
            ))
        }
    }
}

impl<'v> Indexer for NodeMap<'v> {
    fn get<'b, 'w>(&'b self, key: &dyn Val) -> Result<CowVal<'b, 'w>, ExecutionError>
    where
        Self: 'w,
    {
        match self.find(key) {
            Some(position) => Ok(self.value_at(position)),
            None if is_lookup_key(key) => Err(no_such_key(key)),
            None => Err(ExecutionError::UnexpectedType {
                got: key.get_type().name().to_owned(),
                want: "map key".to_owned(),
            }),
        }
    }

    fn steal<'w>(self: Box<Self>, key: &dyn Val) -> Result<Box<dyn Val + 'w>, ExecutionError>
    where
        Self: 'w,
    {
        self.get(key).map(CowVal::into_owned)
    }
}

impl<'v> Iterable for NodeMap<'v> {
    fn iter<'b, 'w>(&'b self) -> Box<dyn traits::Iterator<'b, 'w> + 'b>
    where
        Self: 'w,
    {
        let keys = self.keys.get_or_init(|| {
            self.entries()
                .iter()
                .map(|entry| CelString::from(&*entry.key))
                .collect()
        });
        Box::new(MeteredIterator(Keys(keys.iter())))
    }
}

struct Keys<'b, 'v>(std::slice::Iter<'b, CelString<'v>>);

impl<'b, 'v: 'w, 'w> traits::Iterator<'b, 'w> for Keys<'b, 'v> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'w)> {
        self.0.next().map(|key| key as &dyn Val)
    }
}

impl Sizer for NodeMap<'_> {
    fn size(&self) -> CelInt {
        (self.entries().len() as i64).into()
    }
}

impl Zeroer for NodeMap<'_> {
    fn is_zero_value(&self) -> bool {
        self.entries().is_empty()
    }
}

/// A value kept past the evaluation that made it (a pack variable), as it would be after a
/// round trip through [`Value`]: lists and maps rebuilt, every other value converted, except
/// that the dossier's maps stay views of the tree.
pub fn settle<'v>(value: &(dyn Val + 'v)) -> Result<BoxedVal<'v>, ExecutionError> {
    // a view stays a view (asking for the built-in map first would copy it)
    if is_node_map(value) {
        return Ok(value.clone_as_boxed());
    }
    if let Some(list) = value.downcast_ref::<CelList>() {
        let items = list
            .inner()
            .iter()
            .map(|item| settle(item.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Box::new(MeteredList::new(CelList::from(items))));
    }
    if let Some(map) = value.downcast_ref::<CelMap>() {
        let mut entries = std::collections::HashMap::with_capacity(map.inner().len());
        for (key, item) in map.inner() {
            let key: CelMapKey<'v> = key.clone();
            entries.insert(key, settle(item.as_ref())?);
        }
        return Ok(Box::new(CelMap::from(entries)));
    }
    if is_plain_scalar(value) {
        return Ok(value.clone_as_boxed());
    }
    Box::<dyn Val>::try_from(Value::try_from(value)?)
}

/// A scalar whose round trip through [`Value`] gives back the same value of the same type (a
/// string keeps borrowing the tree instead of becoming a copy).
fn is_plain_scalar(value: &dyn Val) -> bool {
    value.downcast_ref::<CelString>().is_some()
        || value.downcast_ref::<CelInt>().is_some()
        || value.downcast_ref::<CelUInt>().is_some()
        || value.downcast_ref::<CelDouble>().is_some()
        || value.downcast_ref::<CelBool>().is_some()
        || value.downcast_ref::<CelNull>().is_some()
        || value.downcast_ref::<CelTimestamp>().is_some()
}
