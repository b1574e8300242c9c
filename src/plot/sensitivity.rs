//! `sensitivity`: Sobol first-order and total indices with intervals, and Morris μ* against σ, one panel per method and output.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::plot::PlotError;
use crate::plot::data::{SensitivityRow, Tables};
use crate::plot::output::Figure;
use crate::plot::style::{
    DrawResult, INK, Mark, ORANGE, PURPLE, Sizes, draw_header, draw_legend, fmt_num, font,
    split_legend,
};

pub(crate) struct Sensitivity {
    subtitle: String,
    panels: Vec<Panel>,
    legend: Vec<(Mark, String)>,
}

enum Panel {
    Sobol {
        output: String,
        params: Vec<SobolBar>,
    },
    Morris {
        output: String,
        params: Vec<(String, f64, f64)>,
    },
}

struct SobolBar {
    name: String,
    s1: f64,
    s1_ci: (f64, f64),
    st: f64,
    st_ci: (f64, f64),
}

const ROW_HEIGHT: u32 = 480;

pub(crate) fn prepare(tables: &Tables) -> Result<Option<Sensitivity>, PlotError> {
    let Some(rows) = &tables.sensitivity else {
        return Ok(None);
    };
    // Panels in the order their (method, output) first appears in the table.
    let mut keys: Vec<(String, String)> = Vec::new();
    for r in rows {
        let key = (r.method.clone(), r.output.clone());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let mut panels = Vec::new();
    for (method, output) in keys {
        let of_panel = || {
            rows.iter()
                .filter(|r| r.method == method && r.output == output)
        };
        if method.eq_ignore_ascii_case("sobol") {
            let params: Vec<SobolBar> = of_panel().filter_map(sobol_bar).collect();
            if !params.is_empty() {
                panels.push(Panel::Sobol { output, params });
            }
        } else if method.eq_ignore_ascii_case("morris") {
            let params: Vec<(String, f64, f64)> = of_panel()
                .filter_map(|r| Some((r.parameter.clone(), r.mu_star?, r.sigma?)))
                .filter(|(_, m, s)| m.is_finite() && s.is_finite())
                .collect();
            if !params.is_empty() {
                panels.push(Panel::Morris { output, params });
            }
        }
    }
    if panels.is_empty() {
        return Ok(None);
    }
    let mut legend = Vec::new();
    if panels.iter().any(|p| matches!(p, Panel::Sobol { .. })) {
        legend.push((Mark::Square(ORANGE), "S1: first-order index".to_owned()));
        legend.push((Mark::Square(PURPLE), "ST: total index".to_owned()));
        legend.push((
            Mark::Line(INK.mix(1.0), 2),
            "confidence interval".to_owned(),
        ));
    }
    if panels.iter().any(|p| matches!(p, Panel::Morris { .. })) {
        legend.push((Mark::Dot(INK), "Morris: one dot per parameter".to_owned()));
    }
    Ok(Some(Sensitivity {
        subtitle: tables.headline(),
        panels,
        legend,
    }))
}

fn sobol_bar(r: &SensitivityRow) -> Option<SobolBar> {
    let s1 = r.s1.filter(|v| v.is_finite()).unwrap_or(0.0);
    let st = r.st.filter(|v| v.is_finite())?;
    Some(SobolBar {
        name: r.parameter.clone(),
        s1,
        s1_ci: (r.s1_lo.unwrap_or(s1), r.s1_hi.unwrap_or(s1)),
        st,
        st_ci: (r.st_lo.unwrap_or(st), r.st_hi.unwrap_or(st)),
    })
}

impl Sensitivity {
    fn grid(&self) -> (usize, usize) {
        let cols = if self.panels.len() == 1 { 1 } else { 2 };
        (self.panels.len().div_ceil(cols), cols)
    }
}

impl Figure for Sensitivity {
    fn size(&self) -> (u32, u32) {
        let (rows, _) = self.grid();
        (1600, (260 + rows as u32 * ROW_HEIGHT).max(1000))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let body = draw_header(
            root,
            "Which parameters drive the outcome",
            &self.subtitle,
            sizes,
        )?;
        let (body, strip) = split_legend(&body, &self.legend, sizes);
        for (area, panel) in body.split_evenly(self.grid()).iter().zip(&self.panels) {
            match panel {
                Panel::Sobol { output, params } => draw_sobol(area, output, params, sizes)?,
                Panel::Morris { output, params } => draw_morris(area, output, params, sizes)?,
            }
        }
        draw_legend(&strip, &self.legend, sizes)
    }
}

fn draw_sobol<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    output: &str,
    params: &[SobolBar],
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let n = params.len();
    let values = params
        .iter()
        .flat_map(|p| [p.s1, p.s1_ci.0, p.s1_ci.1, p.st, p.st_ci.0, p.st_ci.1])
        .filter(|v| v.is_finite());
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let x_range = lo.min(0.0) - 0.02..(hi * 1.08).max(0.1);
    let name_len = params
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(1);
    let mut chart = ChartBuilder::on(area)
        .caption(format!("Sobol indices of {output}"), font(sizes.caption))
        .margin(14)
        .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
        .y_label_area_size((sizes.tick * 0.68 * name_len as f64 + 20.0) as u32)
        .build_cartesian_2d(x_range, -0.5f64..n as f64 - 0.5)?;
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    chart
        .configure_mesh()
        .x_desc("share of output variance")
        .axis_desc_style(font(sizes.axis))
        .label_style(font(sizes.tick))
        .x_labels(6)
        .y_labels(n.min(20))
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].to_owned()
            } else {
                String::new()
            }
        })
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    let h = 0.36;
    for (i, p) in params.iter().enumerate() {
        let y = i as f64;
        // S1 above the centre line, ST below it.
        for (value, ci, colour, y0, y1) in [
            (p.s1, p.s1_ci, ORANGE, y, y + h),
            (p.st, p.st_ci, PURPLE, y - h, y),
        ] {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y0), (value, y1)],
                colour.filled(),
            )))?;
            let ym = (y0 + y1) / 2.0;
            let cap = h * 0.3;
            let style = INK.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(ci.0, ym), (ci.1, ym)], style),
                PathElement::new(vec![(ci.0, ym - cap), (ci.0, ym + cap)], style),
                PathElement::new(vec![(ci.1, ym - cap), (ci.1, ym + cap)], style),
            ])?;
        }
    }
    Ok(())
}

fn draw_morris<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    output: &str,
    params: &[(String, f64, f64)],
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let x_max = params.iter().map(|p| p.1).fold(0.0f64, f64::max);
    let y_max = params.iter().map(|p| p.2).fold(0.0f64, f64::max);
    let top = |m: f64| if m > 0.0 { m * 1.25 } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .caption(format!("Morris screening of {output}"), font(sizes.caption))
        .margin(14)
        .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
        .y_label_area_size((sizes.tick * 3.0 + sizes.axis * 1.5) as u32)
        .build_cartesian_2d(0f64..top(x_max), 0f64..top(y_max))?;
    chart
        .configure_mesh()
        .x_desc("μ* (mean |elementary effect|)")
        .y_desc("σ (spread of effects)")
        .axis_desc_style(font(sizes.axis))
        .label_style(font(sizes.tick))
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    let r = (sizes.line * 3) as i32;
    let right = top(x_max) * 0.7;
    chart.draw_series(params.iter().map(|(name, mu, sigma)| {
        // Labels of dots near the right edge go to their left, inside the plot.
        let (dx, h) = if *mu > right {
            (-r - 4, HPos::Right)
        } else {
            (r + 4, HPos::Left)
        };
        EmptyElement::at((*mu, *sigma))
            + Circle::new((0, 0), r, INK.filled())
            + Text::new(
                name.clone(),
                (dx, -r - 2),
                font(sizes.tick)
                    .color(&BLACK)
                    .pos(Pos::new(h, VPos::Bottom)),
            )
    }))?;
    Ok(())
}
