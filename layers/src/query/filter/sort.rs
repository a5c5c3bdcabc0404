//! `sortby` (OGC API – Features Part 8 / records' sorting): `name`, `+name`, `-name`,
//! comma-separated, on fields the caller may read; missing values sort last, and
//! ties keep fid order so pages are stable.

use std::cmp::Ordering;

use super::eval::compare;
use crate::access::Access;
use crate::query::{QueryError, QueryResult};
use crate::schema::LayerSchema;
use crate::store::Layer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: usize,
    pub descending: bool,
}

/// Parse `sortby` for a layer, refusing fields the caller may not read as unknown.
pub fn parse_sortby(
    text: &str,
    schema: &LayerSchema,
    access: &Access,
) -> QueryResult<Vec<SortKey>> {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let (descending, name) = match part.strip_prefix('-') {
                Some(n) => (true, n),
                None => (false, part.strip_prefix('+').unwrap_or(part)),
            };
            if name.is_empty() {
                return Err(QueryError::bad("sortby", "empty sort key"));
            }
            let field = schema
                .field_index(name)
                .filter(|&i| access.may_read(schema.fields[i].sensitivity))
                .ok_or_else(|| {
                    QueryError::bad(
                        "sortby",
                        format!("unknown property '{name}' in collection {}", schema.id),
                    )
                })?;
            Ok(SortKey { field, descending })
        })
        .collect()
}

/// Sort fids of `layer` by `keys`.
pub fn sort_fids(layer: &Layer, fids: &mut [u32], keys: &[SortKey]) {
    if keys.is_empty() {
        return;
    }
    let get = |fid: u32, k: &SortKey| {
        layer
            .feature(fid)
            .and_then(|f| f.properties.get(k.field))
            .filter(|v| !v.is_null())
    };
    fids.sort_by(|&a, &b| {
        for k in keys {
            let ord = match (get(a, k), get(b, k)) {
                (Some(x), Some(y)) => {
                    let o = compare(x, y).unwrap_or(Ordering::Equal);
                    if k.descending { o.reverse() } else { o }
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.cmp(&b)
    });
}
