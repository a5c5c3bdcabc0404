//! MapLibre's glyph format (`glyphs.proto`) on the project's one protobuf writer,
//! [`layers::pbf`].
//!
//! ```text
//! message glyph { uint32 id = 1; bytes bitmap = 2; uint32 width = 3; uint32 height = 4;
//!                 sint32 left = 5; sint32 top = 6; uint32 advance = 7; }
//! message fontstack { string name = 1; string range = 2; repeated glyph glyphs = 3; }
//! message glyphs { repeated fontstack stacks = 1; }
//! ```

use layers::pbf::{Wire, bytes_field, tag, varint_field, zigzag};

/// One glyph: metrics in pixels at 24 px, `bitmap` the SDF with its 3 px border
/// (empty for blank glyphs such as the space).
pub struct Glyph {
    pub id: u32,
    pub bitmap: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub left: i32,
    pub top: i32,
    pub advance: u32,
}

fn uint(out: &mut Vec<u8>, field: u8, v: u32) {
    varint_field(out, tag(field, Wire::Varint), u64::from(v));
}

fn sint(out: &mut Vec<u8>, field: u8, v: i32) {
    varint_field(out, tag(field, Wire::Varint), zigzag(i64::from(v)));
}

fn bytes(out: &mut Vec<u8>, field: u8, b: &[u8]) {
    bytes_field(out, tag(field, Wire::Len), b);
}

/// The PBF of one 256-codepoint range; `glyphs` may be empty (a valid empty range).
pub fn encode_range(name: &str, start: u32, glyphs: &[Glyph]) -> Vec<u8> {
    let mut stack = Vec::new();
    bytes(&mut stack, 1, name.as_bytes());
    bytes(
        &mut stack,
        2,
        format!("{}-{}", start, start + 255).as_bytes(),
    );
    for g in glyphs {
        let mut m = Vec::with_capacity(g.bitmap.len() + 24);
        uint(&mut m, 1, g.id);
        if !g.bitmap.is_empty() {
            bytes(&mut m, 2, &g.bitmap);
        }
        uint(&mut m, 3, g.width);
        uint(&mut m, 4, g.height);
        sint(&mut m, 5, g.left);
        sint(&mut m, 6, g.top);
        uint(&mut m, 7, g.advance);
        bytes(&mut stack, 3, &m);
    }
    let mut out = Vec::with_capacity(stack.len() + 8);
    bytes(&mut out, 1, &stack);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_known_bytes() {
        let g = Glyph {
            id: 65,
            bitmap: vec![],
            width: 0,
            height: 0,
            left: -1,
            top: -2,
            advance: 300,
        };
        let out = encode_range("F", 0, &[g]);
        // stacks(1, len) { name "F", range "0-255", glyph { 65, 0, 0, -1 -> 1, -2 -> 3, 300 } }
        let glyph = [8, 65, 24, 0, 32, 0, 40, 1, 48, 3, 56, 0xac, 0x02];
        let mut stack = vec![10, 1, b'F', 18, 5];
        stack.extend_from_slice(b"0-255");
        stack.extend_from_slice(&[26, glyph.len() as u8]);
        stack.extend_from_slice(&glyph);
        let mut want = vec![10, stack.len() as u8];
        want.extend_from_slice(&stack);
        assert_eq!(out, want);
    }
}
