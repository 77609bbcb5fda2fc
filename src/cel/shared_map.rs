//! A built-in map shared by its copies, for a function's answer that is kept and given again
//! (`code_parts`, see `functions::code_parts_function`).
//!
//! Why by hand: the `cel` crate's map is copied entry by entry whenever it is copied, and its
//! copies are what the interpreter hands around. This one is the crate's own map behind an
//! `Arc`: it answers every question by asking that map (its type, its entries, its size,
//! equality, and `as_builtin`, so that the interpreter and the built-in map's equality see the
//! built-in map itself), and a copy of it is a reference count. Only where the interpreter
//! takes a value out of it (`steal`) or takes the map itself (`into_builtin`) is something
//! copied: that one entry, or the map when another copy still holds it.

use std::sync::Arc;

use cel::common::traits::{Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{CelMap, Type};
use cel::common::value::{Builtin, BuiltinRef, CowVal, Val};
use cel::ExecutionError;

#[derive(Debug, Clone)]
pub(super) struct SharedMap(pub(super) Arc<CelMap<'static>>);

impl Val for SharedMap {
    fn get_type(&self) -> &Type {
        self.0.get_type()
    }

    fn cel_type() -> &'static Type {
        <CelMap<'static> as Val>::cel_type()
    }

    fn as_container(&self) -> Option<&dyn Container> {
        self.0.as_container()
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        self.0.as_iterable()
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        self.0.as_sizer()
    }

    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        self.0.as_zeroer()
    }

    fn equals(&self, other: &dyn Val) -> bool {
        self.0.equals(other)
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(self.clone())
    }

    fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        self.0.as_builtin()
    }

    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        let map = Arc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone());
        Some(Builtin::Map(map))
    }
}

impl Indexer for SharedMap {
    fn get<'b, 'w>(&'b self, index: &dyn Val) -> Result<CowVal<'b, 'w>, ExecutionError>
    where
        Self: 'w,
    {
        self.0.get(index)
    }

    /// The entry, copied: the map stays with its other copies.
    fn steal<'w>(self: Box<Self>, index: &dyn Val) -> Result<Box<dyn Val + 'w>, ExecutionError>
    where
        Self: 'w,
    {
        self.0.get(index).map(CowVal::into_owned)
    }
}
