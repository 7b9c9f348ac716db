//! `bandmate map`: the picture of a dataset's map (core's `Dataset::map`): each loop a dot
//! placed by the groove model's reading, coloured by its first label (grey: none), a ring for
//! an excluded one, the labels written beside the dots in a small pixel font, the legend in a
//! corner. A PNG, written atomically.

use std::path::Path;

use bandmate_core::sculpt::{MapPoint, Projector};
use bandmate_core::{Error, Result};

const W: usize = 800;
const H: usize = 600;
const MARGIN: f32 = 60.0;
/// Room on the right for the legend.
const LEGEND: f32 = 200.0;

/// Colours for labels, in order of first appearance (then again).
const PALETTE: [[u8; 3]; 8] = [
    [230, 25, 75],
    [60, 140, 75],
    [0, 110, 200],
    [245, 130, 48],
    [145, 30, 180],
    [70, 170, 170],
    [200, 170, 0],
    [120, 80, 40],
];
const GREY: [u8; 3] = [150, 150, 150];
const INK: [u8; 3] = [40, 40, 40];

/// A 3x5 pixel font: each glyph five rows of three bits (the top row first, the left pixel the
/// high bit).
fn glyph(c: char) -> [u8; 5] {
    match c.to_ascii_lowercase() {
        'a' => [2, 5, 7, 5, 5],
        'b' => [6, 5, 6, 5, 6],
        'c' => [3, 4, 4, 4, 3],
        'd' => [6, 5, 5, 5, 6],
        'e' => [7, 4, 6, 4, 7],
        'f' => [7, 4, 6, 4, 4],
        'g' => [3, 4, 5, 5, 3],
        'h' => [5, 5, 7, 5, 5],
        'i' => [7, 2, 2, 2, 7],
        'j' => [1, 1, 1, 5, 2],
        'k' => [5, 5, 6, 5, 5],
        'l' => [4, 4, 4, 4, 7],
        'm' => [5, 7, 7, 5, 5],
        'n' => [6, 5, 5, 5, 5],
        'o' => [2, 5, 5, 5, 2],
        'p' => [6, 5, 6, 4, 4],
        'q' => [2, 5, 5, 6, 3],
        'r' => [6, 5, 6, 5, 5],
        's' => [3, 4, 2, 1, 6],
        't' => [7, 2, 2, 2, 2],
        'u' => [5, 5, 5, 5, 7],
        'v' => [5, 5, 5, 5, 2],
        'w' => [5, 5, 7, 7, 5],
        'x' => [5, 5, 2, 5, 5],
        'y' => [5, 5, 2, 2, 2],
        'z' => [7, 1, 2, 4, 7],
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [6, 1, 2, 4, 7],
        '3' => [6, 1, 2, 1, 6],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 6, 1, 6],
        '6' => [3, 4, 7, 5, 7],
        '7' => [7, 1, 2, 2, 2],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 6],
        '-' => [0, 0, 7, 0, 0],
        '_' => [0, 0, 0, 0, 7],
        '.' => [0, 0, 0, 0, 2],
        '%' => [5, 1, 2, 4, 5],
        '(' => [1, 2, 2, 2, 1],
        ')' => [4, 2, 2, 2, 4],
        ',' => [0, 0, 0, 2, 4],
        ':' => [0, 2, 0, 2, 0],
        '/' => [1, 1, 2, 4, 4],
        _ => [0, 0, 0, 0, 0],
    }
}

struct Canvas {
    px: Vec<u8>,
}

impl Canvas {
    fn new() -> Canvas {
        Canvas {
            px: vec![255; W * H * 3],
        }
    }
    fn set(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if (0..W as i64).contains(&x) && (0..H as i64).contains(&y) {
            let i = (y as usize * W + x as usize) * 3;
            self.px[i..i + 3].copy_from_slice(&c);
        }
    }
    fn disc(&mut self, cx: f32, cy: f32, r: f32, c: [u8; 3], ring: bool) {
        let (x0, y0) = (cx.round() as i64, cy.round() as i64);
        let ri = r.ceil() as i64;
        for dy in -ri..=ri {
            for dx in -ri..=ri {
                let d = ((dx * dx + dy * dy) as f32).sqrt();
                if d <= r && (!ring || d >= r - 2.0) {
                    self.set(x0 + dx, y0 + dy, c);
                }
            }
        }
    }
    /// Text at (x, y), its top left, `scale` pixels a font pixel.
    fn text(&mut self, x: i64, y: i64, s: &str, c: [u8; 3], scale: i64) {
        for (k, ch) in s.chars().enumerate() {
            let g = glyph(ch);
            for (row, bits) in g.iter().enumerate() {
                for col in 0..3 {
                    if bits & (4 >> col) != 0 {
                        for sy in 0..scale {
                            for sx in 0..scale {
                                self.set(
                                    x + (k as i64 * 4 + col) * scale + sx,
                                    y + row as i64 * scale + sy,
                                    c,
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Draw the map and write it as a PNG at `out`.
pub fn draw(
    points: &[MapPoint],
    how: Projector,
    shares: [f32; 2],
    title: &str,
    out: &Path,
) -> Result<()> {
    let mut labels: Vec<String> = Vec::new();
    for p in points {
        for l in &p.labels {
            if !labels.contains(l) {
                labels.push(l.clone());
            }
        }
    }
    let colour = |p: &MapPoint| {
        p.labels
            .first()
            .and_then(|l| labels.iter().position(|x| x == l))
            .map_or(GREY, |k| PALETTE[k % PALETTE.len()])
    };
    let (mut x0, mut x1, mut y0, mut y1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for p in points {
        x0 = x0.min(p.x);
        x1 = x1.max(p.x);
        y0 = y0.min(p.y);
        y1 = y1.max(p.y);
    }
    let sx = (W as f32 - 2.0 * MARGIN - LEGEND) / (x1 - x0).max(1e-6);
    let sy = (H as f32 - 2.0 * MARGIN) / (y1 - y0).max(1e-6);
    let at = |p: &MapPoint| {
        (
            MARGIN + (p.x - x0) * sx,
            H as f32 - MARGIN - (p.y - y0) * sy,
        )
    };
    let mut c = Canvas::new();
    // the frame
    for x in 0..W as i64 {
        c.set(x, (H as f32 - MARGIN / 2.0) as i64, GREY);
    }
    for y in 0..H as i64 {
        c.set((MARGIN / 2.0) as i64, y, GREY);
    }
    for p in points {
        let (x, y) = at(p);
        c.disc(x, y, 6.0, colour(p), p.excluded);
    }
    for p in points {
        let (x, y) = at(p);
        let name = p.file.rsplit('/').next().unwrap_or(&p.file);
        let name = name.trim_end_matches(".mid").trim_end_matches(".midi");
        c.text(x as i64 + 9, y as i64 - 5, name, INK, 1);
    }
    c.text(10, 8, title, INK, 2);
    c.text(
        10,
        H as i64 - 20,
        &match how {
            Projector::Pca => format!(
                "pc1 {:.0}%  pc2 {:.0}%  (ring: excluded)",
                shares[0] * 100.0,
                shares[1] * 100.0
            ),
            Projector::Tsne => "t-sne: near means alike  (ring: excluded)".to_string(),
        },
        INK,
        2,
    );
    for (k, l) in labels.iter().enumerate() {
        let y = 40 + k as i64 * 16;
        let x = W as f32 - LEGEND + 40.0;
        c.disc(x, y as f32 + 4.0, 5.0, PALETTE[k % PALETTE.len()], false);
        c.text(x as i64 + 12, y, l, INK, 2);
    }
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, W as u32, H as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc
            .write_header()
            .map_err(|e| Error::invalid(format!("png: {e}")))?;
        w.write_image_data(&c.px)
            .map_err(|e| Error::invalid(format!("png: {e}")))?;
    }
    bandmate_core::fsutil::write_atomic(out, &bytes)
}
