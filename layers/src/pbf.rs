//! The protobuf wire format, writing side: the few pieces vector tiles and MapLibre's
//! glyph ranges need. Written by hand: two wire types and a handful of messages do not
//! justify a code generator, and the tile encoder's hot loop wants plain byte pushes.
//!
//! ```
//! use layers::pbf::{Wire, bytes_field, tag, varint};
//! let mut out = Vec::new();
//! varint(&mut out, 300);
//! assert_eq!(out, [0xAC, 0x02]);
//! out.clear();
//! bytes_field(&mut out, tag(1, Wire::Len), b"hi");
//! assert_eq!(out, [0x0A, 2, b'h', b'i']);
//! ```

/// Protobuf wire types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
}

/// The one-byte key of field `field` (1–15) with wire type `wire`.
pub const fn tag(field: u8, wire: Wire) -> u8 {
    assert!(
        field >= 1 && field <= 15,
        "one-byte keys hold fields 1 to 15"
    );
    (field << 3) | wire as u8
}

/// Append `v` as a base-128 varint.
pub fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// ZigZag-encode a signed value (`sint32`/`sint64`), so small negatives stay short.
///
/// ```
/// assert_eq!(layers::pbf::zigzag(-1), 1);
/// assert_eq!(layers::pbf::zigzag(1), 2);
/// ```
pub fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Append a varint field: key `tag`, then `v`.
pub fn varint_field(out: &mut Vec<u8>, tag: u8, v: u64) {
    out.push(tag);
    varint(out, v);
}

/// Append a length-delimited field (bytes, string, embedded message).
pub fn bytes_field(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}
