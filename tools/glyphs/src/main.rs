//! `riskmap-glyphs`: MapLibre SDF glyph ranges (`<start>-<end>.pbf`, 256 codepoints
//! each) for every range a font covers, CJK included, so the viewer needs no glyph
//! server on the internet. Run by `web-viewer/build.mjs`.

mod pbf;
mod sdf;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use fontdue::{Font, FontSettings};

/// MapLibre lays glyphs out at 24 px (its `ONE_EM`).
const SIZE: f32 = 24.0;

#[derive(Debug, Parser)]
#[command(about)]
struct Args {
    /// Font file (TTF/OTF, or a TTC with --index).
    #[arg(
        long,
        default_value = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    )]
    font: PathBuf,
    /// Face in a font collection; in NotoSansCJK-Regular.ttc, 2 is Simplified Chinese.
    #[arg(long, default_value_t = 2)]
    index: u32,
    /// Font name the styles use in `text-font`; also the output directory name.
    #[arg(long, default_value = "Noto Sans CJK SC Regular")]
    name: String,
    /// Directory that receives `<name>/<start>-<end>.pbf`.
    #[arg(long)]
    out: PathBuf,
}

fn glyph(font: &Font, ch: char, ascent: f32) -> pbf::Glyph {
    let (m, coverage) = font.rasterize(ch, SIZE);
    let bitmap = if m.width == 0 || m.height == 0 {
        Vec::new()
    } else {
        sdf::sdf(&coverage, m.width, m.height)
    };
    pbf::Glyph {
        id: ch as u32,
        bitmap,
        width: m.width as u32,
        height: m.height as u32,
        left: m.xmin,
        // MapLibre measures `top` from the ascender line (as node-fontnik writes it).
        top: m.ymin + m.height as i32 - ascent.round() as i32,
        advance: m.advance_width.round().max(0.0) as u32,
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let data = std::fs::read(&args.font)
        .with_context(|| format!("reading font {}", args.font.display()))?;
    let settings = FontSettings {
        collection_index: args.index,
        scale: SIZE,
        ..FontSettings::default()
    };
    let font = Font::from_bytes(data, settings)
        .map_err(|e| anyhow::anyhow!("font {} (index {}): {e}", args.font.display(), args.index))?;
    let ascent = font
        .horizontal_line_metrics(SIZE)
        .map_or(SIZE * 0.88, |m| m.ascent);
    let mut by_range: std::collections::BTreeMap<u32, Vec<char>> = Default::default();
    for &ch in font.chars().keys() {
        if (ch as u32) <= 0xFFFF {
            by_range.entry(ch as u32 / 256 * 256).or_default().push(ch);
        }
    }
    if by_range.is_empty() {
        bail!(
            "font {} has no characters in the Basic Multilingual Plane",
            args.font.display()
        );
    }
    let dir = args.out.join(&args.name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut total = 0usize;
    for (start, mut chars) in by_range {
        chars.sort_unstable();
        let glyphs: Vec<pbf::Glyph> = chars.iter().map(|&c| glyph(&font, c, ascent)).collect();
        total += glyphs.len();
        let path = dir.join(format!("{}-{}.pbf", start, start + 255));
        std::fs::write(&path, pbf::encode_range(&args.name, start, &glyphs))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "{total} glyphs of {:?} written under {}",
        args.name,
        dir.display()
    );
    Ok(())
}
