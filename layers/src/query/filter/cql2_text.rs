//! CQL2 text (OGC 21-065, `filter-lang=cql2-text`): a tokenizer and a recursive
//! descent parser over the grammar's Basic CQL2, advanced comparison and basic
//! spatial parts. WKT geometry literals are read by the `wkt` crate; `BBOX(...)` here.
//!
//! ```
//! use layers::query::filter::{cql2_text, Expr};
//! let e = cql2_text::parse("level IN ('county', 'township') AND NOT name LIKE '%市'").unwrap();
//! assert!(matches!(e, Expr::And(_)));
//! let err = cql2_text::parse("level = ").unwrap_err();
//! assert_eq!(err.field, "filter");
//! ```

use std::str::FromStr;

use geo::{Geometry, Rect, coord};

use super::expr::{CmpOp, Expr, Literal};
use crate::query::{QueryError, QueryResult};

const FIELD: &str = "filter";

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str(String),
    Num(f64),
    Open,
    Close,
    Comma,
    Op(CmpOp),
}

struct Lexed {
    toks: Vec<(Tok, usize)>,
}

fn err(pos: usize, msg: impl std::fmt::Display) -> QueryError {
    QueryError::bad(FIELD, format!("at character {}: {msg}", pos + 1))
}

fn lex(s: &str) -> QueryResult<Lexed> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).map(|c| c.1);
    while i < chars.len() {
        let (pos, c) = chars[i];
        let char_pos = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => (toks.push((Tok::Open, char_pos)), i += 1).1,
            ')' => (toks.push((Tok::Close, char_pos)), i += 1).1,
            ',' => (toks.push((Tok::Comma, char_pos)), i += 1).1,
            '=' => (toks.push((Tok::Op(CmpOp::Eq), char_pos)), i += 1).1,
            '<' | '>' => {
                let (op, len) = match (c, at(i + 1)) {
                    ('<', Some('=')) => (CmpOp::Le, 2),
                    ('<', Some('>')) => (CmpOp::Ne, 2),
                    ('>', Some('=')) => (CmpOp::Ge, 2),
                    ('<', _) => (CmpOp::Lt, 1),
                    _ => (CmpOp::Gt, 1),
                };
                toks.push((Tok::Op(op), char_pos));
                i += len;
            }
            '\'' | '"' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match at(i) {
                        None => return Err(err(char_pos, format!("unterminated {c}-quoted text"))),
                        Some(q) if q == c && at(i + 1) == Some(c) => {
                            text.push(c);
                            i += 2;
                        }
                        Some(q) if q == c => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            text.push(other);
                            i += 1;
                        }
                    }
                }
                toks.push((
                    if c == '"' {
                        Tok::Quoted(text)
                    } else {
                        Tok::Str(text)
                    },
                    char_pos,
                ));
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+' || c == '.')
                    && at(i + 1).is_some_and(|n| n.is_ascii_digit() || n == '.')) =>
            {
                let start = i;
                i += 1;
                while let Some(n) = at(i) {
                    let exp_sign = (n == '-' || n == '+') && matches!(at(i - 1), Some('e' | 'E'));
                    if n.is_ascii_digit() || n == '.' || n == 'e' || n == 'E' || exp_sign {
                        i += 1;
                    } else {
                        break;
                    }
                }
                let end = chars.get(i).map_or(s.len(), |c| c.0);
                let text = &s[pos..end];
                let v: f64 = text
                    .parse()
                    .map_err(|_| err(start, format!("{text:?} is not a number")))?;
                toks.push((Tok::Num(v), char_pos));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while at(i).is_some_and(|n| n.is_alphanumeric() || n == '_' || n == ':' || n == '.')
                {
                    i += 1;
                }
                let end = chars.get(i).map_or(s.len(), |c| c.0);
                toks.push((Tok::Word(s[pos..end].to_string()), start));
            }
            other => return Err(err(char_pos, format!("unexpected character {other:?}"))),
        }
    }
    Ok(Lexed { toks })
}

/// Parse a CQL2 text filter; geometry literals are CRS84 lon/lat.
pub fn parse(text: &str) -> QueryResult<Expr> {
    parse_with(text, &|g| Ok(g))
}

/// Parse a CQL2 text filter, mapping each geometry literal to CRS84 with `to_crs84`
/// (for `filter-crs`).
pub fn parse_with(
    text: &str,
    to_crs84: &dyn Fn(Geometry<f64>) -> QueryResult<Geometry<f64>>,
) -> QueryResult<Expr> {
    let lexed = lex(text)?;
    let mut p = Parser {
        text,
        toks: &lexed.toks,
        i: 0,
        to_crs84,
    };
    if p.toks.is_empty() {
        return Err(QueryError::bad(FIELD, "the filter is empty"));
    }
    let e = p.or()?;
    if let Some((t, pos)) = p.toks.get(p.i) {
        return Err(err(
            *pos,
            format!("unexpected {} after a complete filter", show(t)),
        ));
    }
    Ok(e)
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("'{w}'"),
        Tok::Quoted(w) => format!("\"{w}\""),
        Tok::Str(s) => format!("string '{s}'"),
        Tok::Num(n) => format!("number {n}"),
        Tok::Open => "'('".into(),
        Tok::Close => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::Op(_) => "an operator".into(),
    }
}

struct Parser<'a> {
    text: &'a str,
    toks: &'a [(Tok, usize)],
    i: usize,
    to_crs84: &'a dyn Fn(Geometry<f64>) -> QueryResult<Geometry<f64>>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.0)
    }

    fn pos(&self) -> usize {
        self.toks
            .get(self.i)
            .map_or(self.text.chars().count(), |t| t.1)
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
    }

    fn eat_keyword(&mut self, k: &str) -> bool {
        let yes = self.keyword(k);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn expect(&mut self, t: &Tok, what: &str) -> QueryResult<()> {
        if self.peek() == Some(t) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn unexpected(&self, wanted: &str) -> QueryError {
        match self.peek() {
            Some(t) => err(self.pos(), format!("expected {wanted}, found {}", show(t))),
            None => err(
                self.pos(),
                format!("expected {wanted}, found the end of the filter"),
            ),
        }
    }

    fn or(&mut self) -> QueryResult<Expr> {
        let mut terms = vec![self.and()?];
        while self.eat_keyword("OR") {
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self) -> QueryResult<Expr> {
        let mut terms = vec![self.not()?];
        while self.eat_keyword("AND") {
            terms.push(self.not()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn not(&mut self) -> QueryResult<Expr> {
        if self.eat_keyword("NOT") {
            return Ok(Expr::not(self.not()?));
        }
        self.primary()
    }

    fn primary(&mut self) -> QueryResult<Expr> {
        if self.peek() == Some(&Tok::Open) {
            self.i += 1;
            let e = self.or()?;
            self.expect(&Tok::Close, "')'")?;
            return Ok(e);
        }
        if self.eat_keyword("TRUE") {
            return Ok(Expr::Bool(true));
        }
        if self.eat_keyword("FALSE") {
            return Ok(Expr::Bool(false));
        }
        if let Some(Tok::Word(w)) = self.peek()
            && w.to_ascii_uppercase().starts_with("S_")
        {
            return self.spatial();
        }
        // A literal on the left of a comparison: `5 < capacity`.
        if let Some(lit) = self.try_literal() {
            let Some(Tok::Op(op)) = self.peek().cloned() else {
                return Err(self.unexpected("a comparison operator"));
            };
            self.i += 1;
            let property = self.property()?;
            return Ok(Expr::Compare {
                property,
                op: op.flipped(),
                value: lit,
            });
        }
        let property = self.property()?;
        self.predicate(property)
    }

    fn predicate(&mut self, property: String) -> QueryResult<Expr> {
        if let Some(Tok::Op(op)) = self.peek().cloned() {
            self.i += 1;
            let value = self
                .try_literal()
                .ok_or_else(|| self.unexpected("a string, number or boolean"))?;
            return Ok(Expr::Compare {
                property,
                op,
                value,
            });
        }
        if self.eat_keyword("IS") {
            let negate = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                return Err(self.unexpected("NULL"));
            }
            let e = Expr::IsNull { property };
            return Ok(if negate { Expr::not(e) } else { e });
        }
        let negate = self.eat_keyword("NOT");
        let e = if self.eat_keyword("LIKE") {
            match self.peek().cloned() {
                Some(Tok::Str(pattern)) => {
                    self.i += 1;
                    Expr::Like { property, pattern }
                }
                _ => return Err(self.unexpected("a quoted LIKE pattern")),
            }
        } else if self.eat_keyword("BETWEEN") {
            let low = self.number()?;
            if !self.eat_keyword("AND") {
                return Err(self.unexpected("AND"));
            }
            let high = self.number()?;
            Expr::Between {
                property,
                low,
                high,
            }
        } else if self.eat_keyword("IN") {
            self.expect(&Tok::Open, "'(' opening the IN list")?;
            let mut values = Vec::new();
            loop {
                values.push(
                    self.try_literal()
                        .ok_or_else(|| self.unexpected("a string, number or boolean"))?,
                );
                if self.peek() == Some(&Tok::Comma) {
                    self.i += 1;
                } else {
                    break;
                }
            }
            self.expect(&Tok::Close, "')' closing the IN list")?;
            Expr::In { property, values }
        } else {
            return Err(self.unexpected(
                "a comparison operator, LIKE, BETWEEN, IN or IS NULL after the property",
            ));
        };
        Ok(if negate { Expr::not(e) } else { e })
    }

    fn property(&mut self) -> QueryResult<String> {
        match self.peek().cloned() {
            Some(Tok::Word(w)) if !is_reserved(&w) => {
                self.i += 1;
                Ok(w)
            }
            Some(Tok::Quoted(w)) => {
                self.i += 1;
                Ok(w)
            }
            _ => Err(self.unexpected("a property name")),
        }
    }

    fn number(&mut self) -> QueryResult<f64> {
        match self.peek() {
            Some(Tok::Num(n)) => {
                let n = *n;
                self.i += 1;
                Ok(n)
            }
            _ => Err(self.unexpected("a number")),
        }
    }

    fn try_literal(&mut self) -> Option<Literal> {
        let lit = match self.peek()? {
            Tok::Str(s) => Literal::Text(s.clone()),
            Tok::Num(n) => Literal::Number(*n),
            Tok::Word(w) if w.eq_ignore_ascii_case("TRUE") => Literal::Bool(true),
            Tok::Word(w) if w.eq_ignore_ascii_case("FALSE") => Literal::Bool(false),
            _ => return None,
        };
        self.i += 1;
        Some(lit)
    }

    fn spatial(&mut self) -> QueryResult<Expr> {
        let Some(Tok::Word(name)) = self.peek().cloned() else {
            return Err(self.unexpected("a spatial function"));
        };
        if !name.eq_ignore_ascii_case("S_INTERSECTS") {
            return Err(err(
                self.pos(),
                format!("{name} is not supported; the spatial function offered is S_INTERSECTS"),
            ));
        }
        self.i += 1;
        self.expect(&Tok::Open, "'(' after S_INTERSECTS")?;
        // Either order: S_INTERSECTS(geometry, POINT(...)) or S_INTERSECTS(POINT(...), geometry).
        let (property, geometry) = if self.is_geometry_literal() {
            let g = self.geometry()?;
            self.expect(&Tok::Comma, "','")?;
            (self.property()?, g)
        } else {
            let p = self.property()?;
            self.expect(&Tok::Comma, "','")?;
            (p, self.geometry()?)
        };
        self.expect(&Tok::Close, "')' closing S_INTERSECTS")?;
        Ok(Expr::Intersects { property, geometry })
    }

    fn is_geometry_literal(&self) -> bool {
        const KINDS: [&str; 8] = [
            "POINT",
            "LINESTRING",
            "POLYGON",
            "MULTIPOINT",
            "MULTILINESTRING",
            "MULTIPOLYGON",
            "GEOMETRYCOLLECTION",
            "BBOX",
        ];
        matches!(self.peek(), Some(Tok::Word(w)) if KINDS.iter().any(|k| w.eq_ignore_ascii_case(k)))
            && self.toks.get(self.i + 1).map(|t| &t.0) == Some(&Tok::Open)
    }

    /// A WKT literal or `BBOX(minx, miny, maxx, maxy)`, mapped to CRS84.
    fn geometry(&mut self) -> QueryResult<Geometry<f64>> {
        if !self.is_geometry_literal() {
            return Err(self.unexpected("a WKT geometry or BBOX(...)"));
        }
        let start = self.pos();
        let kind = match self.peek() {
            Some(Tok::Word(w)) => w.to_ascii_uppercase(),
            _ => unreachable!("checked by is_geometry_literal"),
        };
        // The literal runs to the parenthesis that closes its first one.
        let mut depth = 0usize;
        let mut end = self.i + 1;
        while let Some((t, _)) = self.toks.get(end) {
            match t {
                Tok::Open => depth += 1,
                Tok::Close => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            end += 1;
        }
        if end >= self.toks.len() {
            return Err(err(start, format!("{kind}: unbalanced parentheses")));
        }
        let g = if kind == "BBOX" {
            let nums: Vec<f64> = self.toks[self.i + 2..end]
                .iter()
                .filter_map(|(t, _)| match t {
                    Tok::Num(n) => Some(*n),
                    _ => None,
                })
                .collect();
            let commas = self.toks[self.i + 2..end]
                .iter()
                .filter(|(t, _)| *t == Tok::Comma)
                .count();
            if nums.len() != 4 || commas != 3 || end - self.i - 2 != 7 {
                return Err(err(
                    start,
                    "BBOX takes four numbers: minx, miny, maxx, maxy",
                ));
            }
            if nums[0] > nums[2] || nums[1] > nums[3] {
                return Err(err(start, "BBOX: min must not exceed max"));
            }
            Geometry::Rect(Rect::new(
                coord! {x: nums[0], y: nums[1]},
                coord! {x: nums[2], y: nums[3]},
            ))
        } else {
            let char_start = self.toks[self.i].1;
            let char_end = self.toks[end].1 + 1;
            let wkt_text: String = self
                .text
                .chars()
                .skip(char_start)
                .take(char_end - char_start)
                .collect();
            let w = wkt::Wkt::<f64>::from_str(&wkt_text)
                .map_err(|e| err(start, format!("{kind}: not valid WKT ({e})")))?;
            Geometry::try_from(w).map_err(|e| err(start, format!("{kind}: {e}")))?
        };
        self.i = end + 1;
        (self.to_crs84)(g).map_err(|e| err(start, e.message))
    }
}

fn is_reserved(w: &str) -> bool {
    ["AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL"]
        .iter()
        .any(|k| w.eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(p: &str, op: CmpOp, v: Literal) -> Expr {
        Expr::Compare {
            property: p.into(),
            op,
            value: v,
        }
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(
            parse("level = 'county'").unwrap(),
            cmp("level", CmpOp::Eq, Literal::Text("county".into()))
        );
        assert_eq!(
            parse("500 <= capacity").unwrap(),
            cmp("capacity", CmpOp::Ge, Literal::Number(500.0))
        );
        let e = parse("a = 1 OR b <> 'x' AND NOT (c > -2.5e1)").unwrap();
        assert_eq!(
            e,
            Expr::Or(vec![
                cmp("a", CmpOp::Eq, Literal::Number(1.0)),
                Expr::And(vec![
                    cmp("b", CmpOp::Ne, Literal::Text("x".into())),
                    Expr::not(cmp("c", CmpOp::Gt, Literal::Number(-25.0))),
                ]),
            ])
        );
        assert_eq!(
            parse("\"name\" = 'it''s'").unwrap(),
            cmp("name", CmpOp::Eq, Literal::Text("it's".into()))
        );
        assert_eq!(
            parse("open = true").unwrap(),
            cmp("open", CmpOp::Eq, Literal::Bool(true))
        );
    }

    #[test]
    fn advanced_comparisons() {
        assert_eq!(
            parse("name NOT LIKE '楚雄%'").unwrap(),
            Expr::not(Expr::Like {
                property: "name".into(),
                pattern: "楚雄%".into()
            })
        );
        assert_eq!(
            parse("persons BETWEEN 10 AND 20").unwrap(),
            Expr::Between {
                property: "persons".into(),
                low: 10.0,
                high: 20.0
            }
        );
        assert_eq!(
            parse("level in ('county','township')").unwrap(),
            Expr::In {
                property: "level".into(),
                values: vec![
                    Literal::Text("county".into()),
                    Literal::Text("township".into())
                ]
            }
        );
        assert_eq!(
            parse("shelter_id IS NOT NULL").unwrap(),
            Expr::not(Expr::IsNull {
                property: "shelter_id".into()
            })
        );
    }

    #[test]
    fn spatial_literals() {
        let Expr::Intersects { property, geometry } =
            parse("S_INTERSECTS(geometry, POLYGON((101 25, 102 25, 102 26, 101 25)))").unwrap()
        else {
            panic!("not an intersects")
        };
        assert_eq!(property, "geometry");
        assert!(matches!(geometry, Geometry::Polygon(_)));
        let Expr::Intersects { geometry, .. } =
            parse("s_intersects(BBOX(101, 25, 101.5, 25.5), geometry)").unwrap()
        else {
            panic!("not an intersects")
        };
        assert!(matches!(geometry, Geometry::Rect(_)));
        assert!(parse("S_INTERSECTS(geometry, POINT(101.5 25.1)) AND level = 'county'").is_ok());
    }

    #[test]
    fn errors_name_the_place() {
        for (bad, needle) in [
            ("", "empty"),
            ("level = ", "found the end"),
            ("level == 'x'", "string, number or boolean"),
            ("level = 'x", "unterminated"),
            ("(level = 'x'", "')'"),
            ("level = 'x' level", "after a complete filter"),
            ("level BETWEEN 'a' AND 2", "a number"),
            ("S_WITHIN(geometry, POINT(1 2))", "S_INTERSECTS"),
            ("S_INTERSECTS(geometry, BBOX(1, 2, 3))", "four numbers"),
            ("S_INTERSECTS(geometry, POLYGON((1 2, 3))", "WKT"),
            ("S_INTERSECTS(geometry, POLYGON((1 2, 3)", "unbalanced"),
            ("S_INTERSECTS(geometry, POINT(1))", "WKT"),
            ("level # 2", "unexpected character"),
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.field, "filter");
            assert!(e.message.contains(needle), "{bad}: {}", e.message);
        }
    }
}
