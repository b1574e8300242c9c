//! A plain line chart of several series over one numeric x column: the docking figures
//! (welfare against the number of blocs, gains against the tariff).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plot::PlotError;
use crate::plot::output::{Figure, write_svg_png};
use crate::plot::style::{
    BLOC_PALETTE, DrawResult, Sizes, draw_header, font, padded_range, register_fonts,
};

/// One line: its legend label and its points.
pub type Series = (String, Vec<(f64, f64)>);

struct Lines<'a> {
    title: &'a str,
    subtitle: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [Series],
}

impl Figure for Lines<'_> {
    fn size(&self) -> (u32, u32) {
        (1600, 1000)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let area = draw_header(root, self.title, self.subtitle, sizes)?;
        let points = || self.series.iter().flat_map(|s| s.1.iter());
        let (x0, x1) = padded_range(points().map(|p| p.0));
        let (y0, y1) = padded_range(points().map(|p| p.1));
        let mut chart = ChartBuilder::on(&area)
            .margin(30)
            .x_label_area_size(80)
            .y_label_area_size(130)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .axis_desc_style(font(sizes.axis))
            .label_style(font(sizes.tick))
            .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
            .draw()?;
        for (k, (label, pts)) in self.series.iter().enumerate() {
            let colour = BLOC_PALETTE[k % BLOC_PALETTE.len()];
            let style = ShapeStyle::from(&colour).stroke_width(sizes.line + 1);
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), style))?
                .label(label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], style));
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 5, colour.filled())))?;
        }
        chart
            .configure_series_labels()
            .label_font(font(sizes.legend))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(0xAA, 0xAA, 0xAA))
            .position(SeriesLabelPosition::LowerRight)
            .draw()?;
        Ok(())
    }
}

/// Draws `<stem>.svg` and `<stem>.png` into `dir`.
pub fn line_chart(
    dir: &Path,
    stem: &str,
    title: &str,
    subtitle: &str,
    axes: (&str, &str),
    series: &[Series],
) -> Result<Vec<PathBuf>, PlotError> {
    register_fonts()?;
    std::fs::create_dir_all(dir).map_err(|source| PlotError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let fig = Lines {
        title,
        subtitle,
        x_label: axes.0,
        y_label: axes.1,
        series,
    };
    write_svg_png(&fig, dir, stem)
}

/// The numeric columns of a table (first row = header) as series over its first column;
/// cells that are not numbers (such as `-`) are left out.
pub fn table_series(table: &[Vec<String>]) -> Vec<Series> {
    let Some((header, rows)) = table.split_first() else {
        return Vec::new();
    };
    (1..header.len())
        .map(|c| {
            let pts = rows
                .iter()
                .filter_map(|r| {
                    Some((
                        r.first()?.parse::<f64>().ok()?,
                        r.get(c)?.parse::<f64>().ok()?,
                    ))
                })
                .collect();
            (header[c].clone(), pts)
        })
        .filter(|s: &Series| !s.1.is_empty())
        .collect()
}
