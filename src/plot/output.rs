//! Renders a figure to SVG and PNG and writes every file atomically (temporary file, then rename).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plot::PlotError;
use crate::plot::style::DrawResult;

/// A prepared figure: data already read and checked, so drawing only draws.
pub(crate) trait Figure {
    /// Pixel size of the PNG, and of the SVG's view box.
    fn size(&self) -> (u32, u32);
    /// Draws on a white root area of [`Figure::size`].
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB>;
}

pub(crate) fn draw_error<E: std::error::Error + Send + Sync>(
    path: &Path,
) -> impl FnOnce(DrawingAreaErrorKind<E>) -> PlotError + '_ {
    move |e| PlotError::Draw {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The figure as SVG markup; `label` names it in errors.
pub(crate) fn svg_string<F: Figure>(figure: &F, label: &Path) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, figure.size()).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error(label))?;
        figure.draw(&root).map_err(draw_error(label))?;
        root.present().map_err(draw_error(label))?;
    }
    Ok(svg)
}

/// Writes `<stem>.svg` and `<stem>.png` into `fig_dir`.
pub(crate) fn write_svg_png<F: Figure>(
    figure: &F,
    fig_dir: &Path,
    stem: &str,
) -> Result<Vec<PathBuf>, PlotError> {
    let svg_path = fig_dir.join(format!("{stem}.svg"));
    let svg = svg_string(figure, &svg_path)?;
    write_atomic(&svg_path, svg.as_bytes())?;

    let png_path = fig_dir.join(format!("{stem}.png"));
    // The bitmap encoder picks the format from the extension, so the temporary keeps `.png`.
    let tmp = temp_path(fig_dir, stem, "png");
    let drawn = (|| {
        let root = BitMapBackend::new(&tmp, figure.size()).into_drawing_area();
        root.fill(&WHITE)?;
        figure.draw(&root)?;
        root.present()
    })();
    if let Err(e) = drawn {
        let _ = std::fs::remove_file(&tmp);
        return Err(draw_error(&png_path)(e));
    }
    rename(&tmp, &png_path)?;
    Ok(vec![svg_path, png_path])
}

/// Writes `bytes` to `path` so that readers see the old file or the whole new one.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy());
    let tmp = temp_path(dir, &stem, "tmp");
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(PlotError::io(&tmp, e));
    }
    rename(&tmp, path)
}

fn rename(tmp: &Path, path: &Path) -> Result<(), PlotError> {
    std::fs::rename(tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        PlotError::io(path, e)
    })
}

/// A hidden name in the target's own directory, so that the rename stays on one filesystem;
/// process id and counter keep concurrent writers apart.
pub(crate) fn temp_path(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{stem}.{}-{n}.tmp.{ext}", std::process::id()))
}
