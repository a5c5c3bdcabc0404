//! Evaluating a bound filter on one feature, with SQL's three-valued logic: a
//! comparison with a missing value is unknown (`None`); NOT of unknown is unknown;
//! only a definite true matches.

use std::cmp::Ordering;

use geo::Intersects;

use super::bind::{Bound, Node};
use super::expr::CmpOp;
use super::like::like;
use crate::feature::Feature;
use crate::value::Value;

impl Bound {
    /// Does `feature` match?
    pub fn matches(&self, feature: &Feature) -> bool {
        eval(&self.root, feature) == Some(true)
    }
}

fn value(f: &Feature, i: usize) -> Option<&Value> {
    f.properties.get(i).filter(|v| !v.is_null())
}

/// Compare two non-null values of one field (numbers across Int and Float).
pub(super) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn eval(n: &Node, f: &Feature) -> Option<bool> {
    match n {
        Node::Bool(b) => Some(*b),
        Node::And(terms) => {
            let mut unknown = false;
            for t in terms {
                match eval(t, f) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            (!unknown).then_some(true)
        }
        Node::Or(terms) => {
            let mut unknown = false;
            for t in terms {
                match eval(t, f) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            (!unknown).then_some(false)
        }
        Node::Not(t) => eval(t, f).map(|b| !b),
        Node::Compare {
            field,
            op,
            value: v,
        } => {
            let ord = compare(value(f, *field)?, v)?;
            Some(match op {
                CmpOp::Eq => ord == Ordering::Equal,
                CmpOp::Ne => ord != Ordering::Equal,
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::Le => ord != Ordering::Greater,
                CmpOp::Gt => ord == Ordering::Greater,
                CmpOp::Ge => ord != Ordering::Less,
            })
        }
        Node::Like { field, pattern } => Some(like(value(f, *field)?.as_str()?, pattern)),
        Node::In { field, values } => {
            let v = value(f, *field)?;
            Some(
                values
                    .iter()
                    .any(|x| compare(v, x) == Some(Ordering::Equal)),
            )
        }
        Node::Between { field, low, high } => {
            let v = value(f, *field)?.as_f64()?;
            Some(*low <= v && v <= *high)
        }
        Node::IsNull { field } => Some(value(f, *field).is_none()),
        Node::Intersects(g) => Some(f.geometry.intersects(g)),
    }
}
