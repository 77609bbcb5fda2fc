//! CEL values converted to the `cel` crate's owned [`Value`], whatever map or list type holds
//! them: what a function reads a pack's data through (`code_parts`' layouts) and what the engine
//! gives for an expression's value (a message's `{…}`).

use std::sync::Arc;

use cel::common::types::{CelList, CelMap, CelString, Kind};
use cel::common::value::Val;
use cel::objects::{Key, Map};
use cel::{ExecutionError, Value};

/// A value as a [`Value`], as `Value::try_from` converts it, the dossier's map views
/// included (read through the traits every CEL map has), so that no function needs to know them.
pub fn to_cel_value(value: &dyn Val) -> Result<Value, ExecutionError> {
    // a view first: asked for the built-in map, it would make a copy to answer as one
    if is_map_view(value) {
        return MapView { value }.to_cel_value();
    }
    if let Some(list) = value.downcast_ref::<CelList>() {
        let items = list
            .inner()
            .iter()
            .map(|item| to_cel_value(item.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Value::List(Arc::new(items)));
    }
    if let Some(map) = value.downcast_ref::<CelMap>() {
        let mut entries = std::collections::HashMap::with_capacity(map.inner().len());
        for (key, item) in map.inner() {
            entries.insert(Key::from(key.clone()), to_cel_value(item.as_ref())?);
        }
        return Ok(Value::Map(Map {
            map: Arc::new(entries),
        }));
    }
    Value::try_from(value)
}

/// A map that is not the built-in one: a view (the engine's `NodeMap`) read through its traits.
fn is_map_view(value: &dyn Val) -> bool {
    // by the address of the type: a view has a map type of its own (engine/values.rs)
    value.get_type().kind() == Kind::Map
        && !std::ptr::eq(value.get_type(), &cel::common::types::MAP_TYPE)
}

/// Reads a map that is not the built-in one (the engine's view of a dossier mapping) behind a
/// `dyn Val` (a value that borrows cannot be downcast) through the traits every CEL map has.
struct MapView<'b> {
    value: &'b dyn Val,
}

impl MapView<'_> {
    fn to_cel_value(&self) -> Result<Value, ExecutionError> {
        let (Some(iterable), Some(indexer)) = (self.value.as_iterable(), self.value.as_indexer())
        else {
            return Value::try_from(self.value);
        };
        let mut entries = std::collections::HashMap::new();
        let mut keys = iterable.iter();
        while let Some(key) = keys.next() {
            let Some(text) = key.downcast_ref::<CelString>() else {
                return Value::try_from(self.value);
            };
            let item = indexer.get(key)?;
            entries.insert(Key::from(text.inner().to_string()), to_cel_value(&*item)?);
        }
        Ok(Value::Map(Map {
            map: Arc::new(entries),
        }))
    }
}
