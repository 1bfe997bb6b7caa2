//! Real PNGs drawn deterministically from a prompt: a 2x2 grid whose quadrants differ, or
//! one image in the style of a quadrant.

use crate::rng::hash;

/// Side of a grid in pixels (each quadrant is half).
pub(crate) const GRID_SIZE: u32 = 512;
/// Side of a single image.
pub(crate) const SINGLE_SIZE: u32 = 512;

/// The grid for `seed_text`.
pub(crate) fn grid(seed_text: &str) -> Vec<u8> {
    let seed = hash(seed_text);
    let half = GRID_SIZE / 2;
    encode(GRID_SIZE, |x, y| {
        let quadrant = 1 + (x / half) + 2 * (y / half);
        paint(seed, quadrant, x % half, y % half, half)
    })
}

/// One image in the style of `quadrant` (1-4) of `seed_text`'s grid.
pub(crate) fn single(seed_text: &str, quadrant: u8) -> Vec<u8> {
    let seed = hash(seed_text);
    encode(SINGLE_SIZE, |x, y| paint(seed, u32::from(quadrant.clamp(1, 4)), x, y, SINGLE_SIZE))
}

/// A colour for pixel (`x`, `y`) of a `size`-wide tile of `quadrant`: a diagonal gradient
/// in the quadrant's hue with a disc whose place and colour come from the seed.
fn paint(seed: u64, quadrant: u32, x: u32, y: u32, size: u32) -> [u8; 3] {
    let q = seed.rotate_left(quadrant * 16) ^ u64::from(quadrant).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let hue = (q % 360) as f32;
    let t = (x + y) as f32 / (2 * size) as f32;
    let (cx, cy) = (size / 4 + (q >> 9) as u32 % (size / 2), size / 4 + (q >> 21) as u32 % (size / 2));
    let r = size / 6 + (q >> 33) as u32 % (size / 6);
    let (dx, dy) = (x.abs_diff(cx), y.abs_diff(cy));
    if dx * dx + dy * dy <= r * r {
        hsv((hue + 180.0) % 360.0, 0.7, 0.95)
    } else {
        hsv(hue, 0.55 + 0.3 * t, 0.35 + 0.55 * (1.0 - t))
    }
}

fn hsv(h: f32, s: f32, v: f32) -> [u8; 3] {
    let c = v * s;
    let hp = h / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    let to = |f: f32| ((f + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [to(r), to(g), to(b)]
}

fn encode(size: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut data = Vec::with_capacity((size * size * 3) as usize);
    for y in 0..size {
        for x in 0..size {
            data.extend_from_slice(&pixel(x, y));
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size, size);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let written = encoder.write_header().and_then(|mut w| w.write_image_data(&data));
    // Writing to a Vec cannot fail for a correctly sized RGB image.
    debug_assert!(written.is_ok());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
        let info = reader.next_frame(&mut buf).expect("a frame");
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn grids_are_real_pngs_with_distinct_quadrants_and_stable_bytes() {
        let bytes = grid("a red fox");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(bytes, grid("a red fox"), "deterministic");
        assert_ne!(bytes, grid("a blue fox"));
        let (w, h, pixels) = decode(&bytes);
        assert_eq!((w, h), (GRID_SIZE, GRID_SIZE));
        let quadrant = |qx: u32, qy: u32| {
            let mut q = Vec::new();
            for y in qy * 256..qy * 256 + 256 {
                let row = (y * GRID_SIZE * 3) as usize;
                q.extend_from_slice(&pixels[row + (qx * 256 * 3) as usize..row + ((qx + 1) * 256 * 3) as usize]);
            }
            q
        };
        let qs = [quadrant(0, 0), quadrant(1, 0), quadrant(0, 1), quadrant(1, 1)];
        for i in 0..4 {
            for j in i + 1..4 {
                assert_ne!(qs[i], qs[j], "quadrants {i} and {j} differ");
            }
        }
        let (w, h, _) = decode(&single("a red fox", 2));
        assert_eq!((w, h), (SINGLE_SIZE, SINGLE_SIZE));
    }
}
