//! A small GIF89a encoder with a fixed palette and changed-rectangle frames.
//!
//! plotters' own GIF backend quantises every full frame with NeuQuant, which took about
//! 2.6 s for 60 frames of 800 × 600; a fixed palette (the figure's exact colours, a grey
//! ramp and a colour cube) and encoding only the part of each frame that changed brings
//! the whole animation well under the time budget, and keeps colours exact.

use plotters::style::RGBColor;

/// Builds an animated, endlessly looping GIF in memory.
pub(crate) struct GifEncoder {
    width: u16,
    height: u16,
    lut: Vec<u8>,
    previous: Option<Vec<u8>>,
    out: Vec<u8>,
}

const LUT_BITS: u32 = 5;

impl GifEncoder {
    /// `exact` lists colours that must come out unchanged (at most 24 are kept exact).
    pub(crate) fn new(width: u16, height: u16, exact: &[RGBColor]) -> GifEncoder {
        let palette = palette(exact);
        let lut = lookup_table(&palette, exact);
        let mut out = Vec::with_capacity(1 << 20);
        out.extend_from_slice(b"GIF89a");
        out.extend_from_slice(&width.to_le_bytes());
        out.extend_from_slice(&height.to_le_bytes());
        // Global colour table present, 8 bits per channel, 256 entries.
        out.extend_from_slice(&[0xF7, 0, 0]);
        for c in &palette {
            out.extend_from_slice(c);
        }
        // NETSCAPE2.0 application extension: loop forever.
        out.extend_from_slice(&[0x21, 0xFF, 0x0B]);
        out.extend_from_slice(b"NETSCAPE2.0");
        out.extend_from_slice(&[0x03, 0x01, 0x00, 0x00, 0x00]);
        GifEncoder {
            width,
            height,
            lut,
            previous: None,
            out,
        }
    }

    /// Adds one frame given as packed RGB bytes, shown for `delay_cs` hundredths of a second.
    pub(crate) fn add_frame(&mut self, rgb: &[u8], delay_cs: u16) {
        let (w, h) = (self.width as usize, self.height as usize);
        let shift = 8 - LUT_BITS;
        let indices: Vec<u8> = rgb
            .chunks_exact(3)
            .take(w * h)
            .map(|p| {
                let key = ((p[0] as usize >> shift) << (2 * LUT_BITS))
                    | ((p[1] as usize >> shift) << LUT_BITS)
                    | (p[2] as usize >> shift);
                self.lut[key]
            })
            .collect();
        let (x0, y0, x1, y1) = match &self.previous {
            None => (0, 0, w, h),
            Some(prev) => changed_rect(prev, &indices, w, h).unwrap_or((0, 0, 1, 1)),
        };
        // Graphic control extension: keep the previous frame under this one.
        self.out.extend_from_slice(&[0x21, 0xF9, 0x04, 0x04]);
        self.out.extend_from_slice(&delay_cs.to_le_bytes());
        self.out.extend_from_slice(&[0x00, 0x00]);
        self.out.push(0x2C);
        for v in [x0, y0, x1 - x0, y1 - y0] {
            self.out.extend_from_slice(&(v as u16).to_le_bytes());
        }
        self.out.push(0x00);
        let pixels = (y0..y1).flat_map(|y| indices[y * w + x0..y * w + x1].iter().copied());
        let data = lzw(pixels);
        self.out.push(8);
        for block in data.chunks(255) {
            self.out.push(block.len() as u8);
            self.out.extend_from_slice(block);
        }
        self.out.push(0x00);
        self.previous = Some(indices);
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.push(0x3B);
        self.out
    }
}

fn palette(exact: &[RGBColor]) -> Vec<[u8; 3]> {
    let mut colours: Vec<[u8; 3]> = Vec::with_capacity(256);
    for c in exact.iter().take(24) {
        let rgb = [c.0, c.1, c.2];
        if !colours.contains(&rgb) {
            colours.push(rgb);
        }
    }
    for i in 0..16u8 {
        colours.push([i * 17; 3]);
    }
    for r in 0..6u8 {
        for g in 0..6u8 {
            for b in 0..6u8 {
                colours.push([r * 51, g * 51, b * 51]);
            }
        }
    }
    colours.truncate(256);
    colours.resize(256, [255, 255, 255]);
    colours
}

/// Nearest palette entry for every colour at 5 bits per channel; the cells of the exact
/// colours point at those colours themselves.
fn lookup_table(palette: &[[u8; 3]], exact: &[RGBColor]) -> Vec<u8> {
    let cells = 1usize << (3 * LUT_BITS);
    let step = 1u32 << (8 - LUT_BITS);
    let mut lut = vec![0u8; cells];
    for (key, slot) in lut.iter_mut().enumerate() {
        let centre =
            |shift: u32| (((key >> shift) & ((1 << LUT_BITS) - 1)) as u32 * step + step / 2) as i32;
        let (r, g, b) = (centre(2 * LUT_BITS), centre(LUT_BITS), centre(0));
        let mut best = (i32::MAX, 0usize);
        for (i, p) in palette.iter().enumerate() {
            let d = (r - p[0] as i32).pow(2) + (g - p[1] as i32).pow(2) + (b - p[2] as i32).pow(2);
            if d < best.0 {
                best = (d, i);
            }
        }
        *slot = best.1 as u8;
    }
    let shift = 8 - LUT_BITS;
    for c in exact.iter().take(24) {
        if let Some(i) = palette.iter().position(|p| *p == [c.0, c.1, c.2]) {
            let key = ((c.0 as usize >> shift) << (2 * LUT_BITS))
                | ((c.1 as usize >> shift) << LUT_BITS)
                | (c.2 as usize >> shift);
            lut[key] = i as u8;
        }
    }
    lut
}

/// Bounding box `(x0, y0, x1, y1)`, exclusive ends, of the pixels that differ.
fn changed_rect(a: &[u8], b: &[u8], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let row_differs = |y: usize| a[y * w..(y + 1) * w] != b[y * w..(y + 1) * w];
    let y0 = (0..h).find(|&y| row_differs(y))?;
    let y1 = (y0..h).rev().find(|&y| row_differs(y))? + 1;
    let (mut x0, mut x1) = (w, 0);
    for y in y0..y1 {
        let (ra, rb) = (&a[y * w..(y + 1) * w], &b[y * w..(y + 1) * w]);
        if let Some(first) = (0..w).find(|&x| ra[x] != rb[x]) {
            x0 = x0.min(first);
            let last = (first..w).rev().find(|&x| ra[x] != rb[x]).unwrap_or(first);
            x1 = x1.max(last + 1);
        }
    }
    Some((x0, y0, x1, y1))
}

/// GIF's variable-width LZW with 8-bit pixels, resetting the table when it is full.
fn lzw(pixels: impl Iterator<Item = u8>) -> Vec<u8> {
    const MIN_SIZE: u32 = 8;
    const CLEAR: u32 = 1 << MIN_SIZE;
    const END: u32 = CLEAR + 1;
    let mut tree = vec![0u16; 4096 * 256];
    let mut bits = BitWriter::default();
    let mut size = MIN_SIZE + 1;
    let mut max_code = END;
    bits.write(CLEAR, size);
    let mut current: Option<u32> = None;
    for value in pixels {
        let value = value as u32;
        let Some(code) = current else {
            current = Some(value);
            continue;
        };
        let slot = code as usize * 256 + value as usize;
        if tree[slot] != 0 {
            current = Some(tree[slot] as u32);
            continue;
        }
        bits.write(code, size);
        max_code += 1;
        tree[slot] = max_code as u16;
        if max_code >= (1 << size) {
            size += 1;
        }
        if max_code == 4095 {
            bits.write(CLEAR, size);
            tree.fill(0);
            size = MIN_SIZE + 1;
            max_code = END;
        }
        current = Some(value);
    }
    if let Some(code) = current {
        bits.write(code, size);
        // The decoder adds one more entry after reading the last code, and may widen.
        if max_code + 1 >= (1 << size) && size < 12 {
            size += 1;
        }
    }
    bits.write(END, size);
    bits.finish()
}

#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn write(&mut self, code: u32, size: u32) {
        self.acc |= (code as u64) << self.n;
        self.n += size;
        while self.n >= 8 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.bytes.push(self.acc as u8);
        }
        self.bytes
    }
}
