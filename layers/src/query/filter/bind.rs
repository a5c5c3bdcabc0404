//! Binding a parsed filter to a layer: names to field indices, literals checked
//! against the field types, under the caller's clearance.

use geo::{BoundingRect, Geometry, Rect};

use super::expr::{CmpOp, Expr, Literal};
use crate::access::Access;
use crate::query::{QueryError, QueryResult};
use crate::schema::{FieldType, LayerSchema};
use crate::value::Value;

/// The name filters use for a feature's geometry (as queryables list it).
pub const GEOMETRY_PROPERTY: &str = "geometry";

/// The fields a caller may filter, sort and select on: those it may read.
pub fn queryable_fields<'a>(
    schema: &'a LayerSchema,
    access: &Access,
) -> impl Iterator<Item = usize> + 'a {
    schema.visible_fields(access.clearance())
}

#[derive(Debug, Clone)]
pub(super) enum Node {
    Bool(bool),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Compare {
        field: usize,
        op: CmpOp,
        value: Value,
    },
    Like {
        field: usize,
        pattern: String,
    },
    In {
        field: usize,
        values: Vec<Value>,
    },
    Between {
        field: usize,
        low: f64,
        high: f64,
    },
    IsNull {
        field: usize,
    },
    Intersects(Geometry<f64>),
}

/// A filter bound to one layer's schema for one caller; evaluate with
/// [`Bound::matches`].
#[derive(Debug, Clone)]
pub struct Bound {
    pub(super) root: Node,
}

impl Bound {
    /// Bind `expr` to `schema` for `access`. A property the caller may not read is
    /// reported as unknown, like one that does not exist.
    pub fn new(expr: &Expr, schema: &LayerSchema, access: &Access) -> QueryResult<Bound> {
        Ok(Bound {
            root: Binder { schema, access }.node(expr)?,
        })
    }

    /// Every condition at once (simple `name=value` filters and a CQL2 filter).
    pub fn all(parts: Vec<Bound>) -> Bound {
        Bound {
            root: Node::And(parts.into_iter().map(|b| b.root).collect()),
        }
    }

    /// A box every matching feature's geometry meets, when the filter requires one
    /// (an S_INTERSECTS at the top or under AND): the caller can ask the R-tree first.
    pub fn required_bbox(&self) -> Option<Rect<f64>> {
        fn walk(n: &Node) -> Option<Rect<f64>> {
            match n {
                Node::Intersects(g) => g.bounding_rect(),
                Node::And(terms) => terms.iter().filter_map(walk).reduce(|a, b| {
                    // Both must hold: the intersection of the boxes (possibly empty,
                    // kept as a degenerate box the R-tree finds nothing in).
                    let min_x = a.min().x.max(b.min().x);
                    let min_y = a.min().y.max(b.min().y);
                    let max_x = a.max().x.min(b.max().x).max(min_x);
                    let max_y = a.max().y.min(b.max().y).max(min_y);
                    Rect::new((min_x, min_y), (max_x, max_y))
                }),
                _ => None,
            }
        }
        walk(&self.root)
    }
}

struct Binder<'a> {
    schema: &'a LayerSchema,
    access: &'a Access,
}

impl Binder<'_> {
    fn field(&self, name: &str) -> QueryResult<(usize, FieldType)> {
        self.schema
            .field_index(name)
            .filter(|&i| self.access.may_read(self.schema.fields[i].sensitivity))
            .map(|i| (i, self.schema.fields[i].ty))
            .ok_or_else(|| {
                let names: Vec<&str> = queryable_fields(self.schema, self.access)
                    .map(|i| self.schema.fields[i].name.as_str())
                    .collect();
                QueryError::bad(
                    "filter",
                    format!(
                        "unknown property '{name}' in collection {}; its queryables are {}, {GEOMETRY_PROPERTY}",
                        self.schema.id,
                        names.join(", ")
                    ),
                )
            })
    }

    #[allow(clippy::unused_self)] // a method like its siblings in the binder
    fn value(&self, name: &str, ty: FieldType, lit: &Literal) -> QueryResult<Value> {
        let v = match (ty, lit) {
            (FieldType::Int, Literal::Number(n)) if n.fract() == 0.0 => Value::Int(*n as i64),
            // An integer field compared with 2.5: compare as numbers.
            (FieldType::Int | FieldType::Float, Literal::Number(n)) => Value::Float(*n),
            (FieldType::Text, Literal::Text(s)) => Value::Text(s.clone()),
            (FieldType::Bool, Literal::Bool(b)) => Value::Bool(*b),
            _ => {
                return Err(QueryError::bad(
                    "filter",
                    format!(
                        "property '{name}' is of type {}, compared with {}",
                        ty.as_str(),
                        lit.kind()
                    ),
                ));
            }
        };
        Ok(v)
    }

    fn node(&self, e: &Expr) -> QueryResult<Node> {
        Ok(match e {
            Expr::Bool(b) => Node::Bool(*b),
            Expr::And(t) => Node::And(t.iter().map(|e| self.node(e)).collect::<Result<_, _>>()?),
            Expr::Or(t) => Node::Or(t.iter().map(|e| self.node(e)).collect::<Result<_, _>>()?),
            Expr::Not(e) => Node::Not(Box::new(self.node(e)?)),
            Expr::Compare {
                property,
                op,
                value,
            } => {
                let (field, ty) = self.field(property)?;
                if ty == FieldType::Bool && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Err(QueryError::bad(
                        "filter",
                        format!("property '{property}' is a boolean: only = and <> apply"),
                    ));
                }
                Node::Compare {
                    field,
                    op: *op,
                    value: self.value(property, ty, value)?,
                }
            }
            Expr::Like { property, pattern } => {
                let (field, ty) = self.field(property)?;
                if ty != FieldType::Text {
                    return Err(QueryError::bad(
                        "filter",
                        format!(
                            "LIKE applies to text; property '{property}' is of type {}",
                            ty.as_str()
                        ),
                    ));
                }
                Node::Like {
                    field,
                    pattern: pattern.clone(),
                }
            }
            Expr::In { property, values } => {
                let (field, ty) = self.field(property)?;
                Node::In {
                    field,
                    values: values
                        .iter()
                        .map(|v| self.value(property, ty, v))
                        .collect::<Result<_, _>>()?,
                }
            }
            Expr::Between {
                property,
                low,
                high,
            } => {
                let (field, ty) = self.field(property)?;
                if !matches!(ty, FieldType::Int | FieldType::Float) {
                    return Err(QueryError::bad(
                        "filter",
                        format!(
                            "BETWEEN applies to numbers; property '{property}' is of type {}",
                            ty.as_str()
                        ),
                    ));
                }
                Node::Between {
                    field,
                    low: *low,
                    high: *high,
                }
            }
            Expr::IsNull { property } => Node::IsNull {
                field: self.field(property)?.0,
            },
            Expr::Intersects { property, geometry } => {
                if property != GEOMETRY_PROPERTY {
                    return Err(QueryError::bad(
                        "filter",
                        format!(
                            "S_INTERSECTS applies to the property '{GEOMETRY_PROPERTY}', not '{property}'"
                        ),
                    ));
                }
                Node::Intersects(geometry.clone())
            }
        })
    }
}

impl Bound {
    /// A simple `name=value` filter (OGC API – Features Part 1, /req/core/fc-filters)
    /// on a field the caller may read, the value read as the field's type; `None` when
    /// `name` is not such a field (the caller then refuses the parameter as unknown).
    pub fn simple(
        schema: &LayerSchema,
        access: &Access,
        name: &str,
        text: &str,
    ) -> QueryResult<Option<Bound>> {
        let Some(i) = schema
            .field_index(name)
            .filter(|&i| access.may_read(schema.fields[i].sensitivity))
        else {
            return Ok(None);
        };
        let ty = schema.fields[i].ty;
        let lit = match ty {
            FieldType::Int | FieldType::Float => {
                Literal::Number(text.trim().parse().map_err(|_| {
                    QueryError::bad(
                        name,
                        format!(
                            "{text:?} is not a number ({name} is of type {})",
                            ty.as_str()
                        ),
                    )
                })?)
            }
            FieldType::Bool => Literal::Bool(match text {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(QueryError::bad(
                        name,
                        format!("{text:?} is not true or false"),
                    ));
                }
            }),
            FieldType::Text => Literal::Text(text.to_string()),
        };
        let value = Binder { schema, access }
            .value(name, ty, &lit)
            .map_err(|e| QueryError::bad(name, e.message))?;
        Ok(Some(Bound {
            root: Node::Compare {
                field: i,
                op: CmpOp::Eq,
                value,
            },
        }))
    }
}
