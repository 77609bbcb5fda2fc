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
use std::hash::{BuildHasher, BuildHasherDefault};
use std::sync::{Arc, OnceLock};

use cel::common::traits::{self, Adder, Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{
    self as cel_types, CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
    CelTimestamp, CelUInt, Kind, Type,
};
use cel::common::value::{Builtin, BuiltinRef, CowVal, Val};
use cel::{ExecutionError, Value};

use super::budget::{Elements, MeteredIterator, MeteredList};
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

/// The CEL value of the document root, whose entries (the dossier's sections) are made once and
/// lent to every expression that reads them: `doc.items` does not build the list again.
pub fn root_value(node: &Node) -> NodeMap<'_> {
    let children: Vec<BoxedVal<'_>> = match &node.kind {
        NodeKind::Map(entries) => entries.iter().map(|entry| to_value(&entry.value)).collect(),
        _ => Vec::new(),
    };
    NodeMap {
        node,
        children: Some(Arc::from(children)),
        keys: OnceLock::new(),
        built: OnceLock::new(),
    }
}

/// The type a [`NodeMap`] gives: CEL's `map`, at an address of its own, so that a
/// [`NodeMap`] is told from the built-in map without asking for the built-in map it can make
/// (see [`NodeMap::built`]).
static NODE_MAP_TYPE: Type = cel_types::MAP_TYPE;

/// A mapping of the tree as a CEL map.
pub struct NodeMap<'v> {
    node: &'v Node,
    /// The values of the entries, when they were made up front (the root); shared by copies.
    children: Option<Arc<[BoxedVal<'v>]>>,
    /// The keys as CEL strings, made on the first iteration.
    keys: OnceLock<Vec<CelString<'v>>>,
    /// The built-in map with the same entries (one level: the values that are mappings stay
    /// views), made only when the interpreter asks for the built-in map. The built-in map's
    /// equality recognises only another built-in map, so without it `{'a': 1} == item` was
    /// false where `item == {'a': 1}` was true; CEL's equality is symmetric.
    built: OnceLock<CelMap<'v>>,
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

    /// The built-in map holding the same entries, made once; its making is metered as an
    /// iteration over the entries.
    fn built(&self) -> &CelMap<'v> {
        self.built.get_or_init(|| self.make_built())
    }

    fn make_built(&self) -> CelMap<'v> {
        {
            let _ = super::budget::take(self.entries().len() as u64);
            let entries: std::collections::HashMap<CelMapKey<'v>, BoxedVal<'v>> = self
                .entries()
                .iter()
                .enumerate()
                .map(|(position, entry)| {
                    let value = match &self.children {
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

    /// The value of the entry at `position`: lent when made up front, else made now.
    fn value_at<'b>(&'b self, position: usize) -> CowVal<'b, 'v> {
        match &self.children {
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

    /// The entries with their values, for a map whose values were made up front (the root):
    /// the dossier's sections.
    pub fn sections(&self) -> impl Iterator<Item = (&'v str, &(dyn Val + 'v))> + '_ {
        let children = self.children.as_deref().unwrap_or_default();
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
        self.built.into_inner().map(Builtin::Map)
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
        return Ok(IndexedList::boxed(CelList::from(items)));
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

/// A pack variable's list of strings with a hash index, so that `x in list` (a reference check
/// such as `entry.task_code in item_task_codes`, run once per element) costs a look-up rather
/// than a scan of the list. To everything else it is the built-in list it holds: the
/// interpreter's downcasts see that list, and every other operation is the list's own.
pub struct IndexedList<'v> {
    list: CelList<'v>,
    /// (hash of the text, position in the list), sorted: a look-up compares the texts of the
    /// positions whose hash matches.
    index: Arc<[(u64, u32)]>,
}

fn text_hash(text: &str) -> u64 {
    BuildHasherDefault::<crate::document::WordHasher>::default().hash_one(text)
}

impl<'v> IndexedList<'v> {
    /// Below this length a scan is as fast as a look-up.
    const MIN_LENGTH: usize = 16;

    /// The list, indexed when it is a long list of strings.
    fn boxed(list: CelList<'v>) -> BoxedVal<'v> {
        if list.inner().len() < Self::MIN_LENGTH {
            return Box::new(MeteredList::new(list));
        }
        let index: Option<Vec<(u64, u32)>> = list
            .inner()
            .iter()
            .enumerate()
            .map(|(position, item)| {
                item.downcast_ref::<CelString>()
                    .map(|text| (text_hash(text.inner()), position as u32))
            })
            .collect();
        match index {
            Some(mut index) => {
                index.sort_unstable();
                Box::new(IndexedList {
                    list,
                    index: Arc::from(index),
                })
            }
            None => Box::new(MeteredList::new(list)),
        }
    }
}

impl fmt::Debug for IndexedList<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.list, formatter)
    }
}

impl<'v> Val for IndexedList<'v> {
    fn get_type(&self) -> &Type {
        self.list.get_type()
    }

    fn cel_type() -> &'static Type {
        <CelList<'v> as Val>::cel_type()
    }

    fn as_adder<'b, 'w>(&'b self) -> Option<&'b (dyn Adder + 'w)>
    where
        Self: 'w,
    {
        self.list.as_adder()
    }

    /// A string is in the list when the index has it; an element of a list of strings equals
    /// only a string with the same text, so the answer is the scan's.
    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        self.list.as_indexer()
    }

    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Box::new(self.list).into_indexer()
    }

    /// Metered, as the dossier's lists (see `budget`).
    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        self.list.as_sizer()
    }

    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        self.list.as_zeroer()
    }

    fn equals(&self, other: &dyn Val) -> bool {
        self.list.equals(other)
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(IndexedList {
            list: self.list.clone(),
            index: Arc::clone(&self.index),
        })
    }

    fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        self.list.as_builtin()
    }

    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        Box::new(self.list).into_builtin()
    }
}

impl Iterable for IndexedList<'_> {
    fn iter<'b, 'w>(&'b self) -> Box<dyn traits::Iterator<'b, 'w> + 'b>
    where
        Self: 'w,
    {
        Box::new(MeteredIterator(Elements(self.list.inner().iter())))
    }
}

impl Container for IndexedList<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        let Some(text) = value.downcast_ref::<CelString>() else {
            return Ok(false);
        };
        let text = text.inner();
        let hash = text_hash(text);
        let first = self
            .index
            .partition_point(|(candidate, _)| *candidate < hash);
        Ok(self.index[first..]
            .iter()
            .take_while(|(candidate, _)| *candidate == hash)
            .any(|(_, position)| {
                self.list.inner()[*position as usize]
                    .downcast_ref::<CelString>()
                    .is_some_and(|element| element.inner() == text)
            }))
    }
}
