//! CQL2 LIKE: `%` matches any run of characters, `_` exactly one, `\` escapes the next.

/// Does `text` match the LIKE `pattern`?
///
/// ```
/// use layers::query::filter::like;
/// assert!(like("楚雄市", "楚雄%"));
/// assert!(like("532301", "5323__"));
/// assert!(!like("5323", "5323__"));
/// assert!(like("100%", "100\\%"));
/// assert!(!like("1000", "100\\%"));
/// ```
pub fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p = tokens(pattern);
    // Iterative wildcard matching with one backtrack point (the last `%`): linear in
    // practice, never exponential.
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(Token::Any) => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(Token::One) => {
                ti += 1;
                pi += 1;
            }
            Some(Token::Char(c)) if *c == t[ti] => {
                ti += 1;
                pi += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|t| *t == Token::Any)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Any,
    One,
    Char(char),
}

fn tokens(pattern: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '%' => Token::Any,
            '_' => Token::One,
            '\\' => Token::Char(chars.next().unwrap_or('\\')),
            c => Token::Char(c),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn wildcards_and_escapes() {
        assert!(like("", "%"));
        assert!(!like("", "_"));
        assert!(like("abc", "a%c"));
        assert!(like("abbbc", "a%b%c"));
        assert!(!like("abcd", "a%c"));
        assert!(like("a_c", "a\\_c"));
        assert!(!like("abc", "a\\_c"));
        assert!(like("双柏县", "%柏%"));
        assert!(like("aaaaaaaaaaaaaaaaaaaaaaaaab", "%a%a%a%a%a%b"));
    }
}
