//! The dossier as CEL values, built once per dossier and borrowed by every evaluation: strings
//! are not copied (they borrow the tree), and integers stay `int` (the `cel` crate's serde path
//! would make non-negative ones `uint`, and `x + 1` then fails).

use std::collections::HashMap;

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
};
use cel::common::value::Val;

use crate::document::{Node, NodeKind};

pub type Value<'a> = Box<dyn Val + 'a>;

pub fn to_value(node: &Node) -> Value<'_> {
    match &node.kind {
        NodeKind::Null => Box::new(CelNull),
        NodeKind::Bool(value) => Box::new(CelBool::from(*value)),
        NodeKind::Int(value) => Box::new(CelInt::from(*value)),
        NodeKind::Float(value) => Box::new(CelDouble::from(*value)),
        NodeKind::Str(text) => Box::new(CelString::from(&**text)),
        NodeKind::Seq(items) => Box::new(CelList::from(
            items.iter().map(to_value).collect::<Vec<_>>(),
        )),
        NodeKind::Map(entries) => {
            let mut map: HashMap<CelMapKey<'_>, Value<'_>> = HashMap::with_capacity(entries.len());
            for entry in entries {
                map.insert(CelMapKey::from(&*entry.key), to_value(&entry.value));
            }
            Box::new(CelMap::from(map))
        }
    }
}

/// The value of a key of a CEL map built by [`to_value`].
pub fn child<'b, 'v>(value: &'b (dyn Val + 'v), key: &str) -> Option<&'b (dyn Val + 'v)> {
    let map = value.downcast_ref::<CelMap>()?;
    map.inner()
        .iter()
        .find(|(candidate, _)| {
            candidate
                .inner()
                .downcast_ref::<CelString>()
                .is_some_and(|text| text.inner() == key)
        })
        .map(|(_, child)| child.as_ref())
}

/// The elements of a CEL list built by [`to_value`].
pub fn elements<'b, 'v>(value: &'b (dyn Val + 'v)) -> Option<&'b [Box<dyn Val + 'v>]> {
    value.downcast_ref::<CelList>().map(|list| &**list)
}
