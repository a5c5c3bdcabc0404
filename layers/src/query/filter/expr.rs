//! The expression tree both CQL2 encodings parse into.

use geo::Geometry;

/// A literal value in a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Bool(bool),
    Number(f64),
    Text(String),
}

impl Literal {
    pub fn kind(&self) -> &'static str {
        match self {
            Literal::Bool(_) => "a boolean",
            Literal::Number(_) => "a number",
            Literal::Text(_) => "a string",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator with its operands swapped: `5 < x` is `x > 5`.
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }
}

/// A CQL2 filter over one feature's properties and geometry.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Bool(bool),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare {
        property: String,
        op: CmpOp,
        value: Literal,
    },
    /// `%` any run of characters, `_` one character, `\` escapes.
    Like {
        property: String,
        pattern: String,
    },
    In {
        property: String,
        values: Vec<Literal>,
    },
    Between {
        property: String,
        low: f64,
        high: f64,
    },
    IsNull {
        property: String,
    },
    /// In CRS84 lon/lat once parsed (the parser applies `filter-crs`).
    Intersects {
        property: String,
        geometry: Geometry<f64>,
    },
}

impl Expr {
    #[allow(clippy::should_implement_trait)] // a constructor, named as CQL2 names it
    pub fn not(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }
}
