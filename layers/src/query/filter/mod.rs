//! Feature filters for OGC API – Features Part 3: CQL2 in its text and JSON
//! encodings (Basic CQL2, the advanced comparison operators LIKE, BETWEEN and IN, and
//! the basic spatial function S_INTERSECTS), simple `property=value` filters, and the
//! `sortby` order.
//!
//! A filter is parsed into an [`Expr`] (names only), then bound to a layer's schema
//! under the caller's [`Access`](crate::Access): a property the caller may not read is
//! refused exactly like one that does not exist, so neither a filter nor a sort can
//! tell a personal value apart (no side channel). Evaluation uses SQL's three-valued
//! logic: a comparison with a missing value is unknown, and only true matches.
//!
//! ```
//! use layers::{Access, catalogue};
//! use layers::query::filter::{Bound, cql2_text};
//! let schema = catalogue::core_layer("shelters").unwrap();
//! let expr = cql2_text::parse("capacity >= 500 AND status = 'open'").unwrap();
//! assert!(Bound::new(&expr, &schema, &Access::public()).is_ok());
//! // A field the caller may not read is as unknown as a misspelt one.
//! let personal = cql2_text::parse("manager_phone LIKE '138%'").unwrap();
//! let err = Bound::new(&personal, &schema, &Access::public()).unwrap_err();
//! assert!(err.message.contains("unknown property"));
//! ```

mod bind;
pub mod cql2_json;
pub mod cql2_text;
mod eval;
mod expr;
mod like;
mod sort;
#[cfg(test)]
mod tests;

pub use bind::{Bound, GEOMETRY_PROPERTY, queryable_fields};
pub use expr::{CmpOp, Expr, Literal};
pub use like::like;
pub use sort::{SortKey, parse_sortby, sort_fids};
