//! Tests of the plotting module on small fixed result directories built in a temp dir.

mod fixtures;

use std::path::{Path, PathBuf};

use fixtures::{Spec, temp_dir, write, write_run, write_sweep};

use crate::plot::{
    CLASSES, FIGURES, PlotError, Tables, class_colour, plot_dir, state_at, states_at, write_report,
};

fn single_run(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    write_run(
        &dir,
        &Spec {
            name: "baseline <&> test",
            worlds: 1,
            ticks: 100,
            countries: 60,
            geo: false,
        },
    );
    dir
}

fn ensemble_run(name: &str, geo: bool) -> PathBuf {
    let dir = temp_dir(name);
    write_run(
        &dir,
        &Spec {
            name: "ensemble",
            worlds: 20,
            ticks: 80,
            countries: 30,
            geo,
        },
    );
    dir
}

fn stems(files: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Checks the PNG's IHDR size, then decodes it and requires real ink: a share of
/// non-white pixels and several distinct colours.
fn assert_png(path: &Path, size: (u32, u32)) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), size, "{}", path.display());

    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()].chunks_exact(channels);
    let total = (w * h) as usize;
    let mut ink = 0usize;
    let mut colours = std::collections::BTreeSet::new();
    for p in pixels {
        if p[..3] != [255, 255, 255] {
            ink += 1;
        }
        if colours.len() < 64 {
            colours.insert((p[0], p[1], p[2]));
        }
    }
    assert!(
        ink * 100 > total * 2,
        "{}: only {ink} of {total} pixels drawn",
        path.display()
    );
    assert!(
        colours.len() > 8,
        "{}: {} colours",
        path.display(),
        colours.len()
    );
}

#[test]
fn single_run_draws_default_figures_with_titles_axes_and_legends() {
    let dir = single_run("single");
    let files = plot_dir(&dir, None).unwrap();
    assert_eq!(
        stems(&files),
        [
            "convergence.png",
            "convergence.svg",
            "gridlock.png",
            "gridlock.svg",
            "map.gif",
            "map.png",
            "map.svg",
        ]
    );
    let fig = dir.join("figures");
    let convergence = read(&fig.join("convergence.svg"));
    // The scenario name is escaped in SVG text.
    assert!(convergence.contains("baseline &lt;&amp;&gt; test"));
    for text in [
        "tick",
        "share of world GDP",
        "tariff rate",
        "NetworkedOrder",
        "seed 1000",
        "1 world",
    ] {
        assert!(convergence.contains(text), "convergence.svg lacks {text:?}");
    }
    let gridlock = read(&fig.join("gridlock.svg"));
    for text in [
        "rounds passed",
        "rounds failed",
        "rounds, cumulative",
        "tariff rate",
        "tick",
    ] {
        assert!(gridlock.contains(text), "gridlock.svg lacks {text:?}");
    }
    let map = read(&fig.join("map.svg"));
    for text in [
        "start: tick 0",
        "middle: tick 50",
        "end: tick 100",
        "in M (filled)",
        "outside M (hollow)",
        "no agreement",
        "FTA ",
        "x (position)",
    ] {
        assert!(map.contains(text), "map.svg lacks {text:?}");
    }
    let tables = Tables::load(&dir).unwrap();
    let largest = tables
        .countries
        .as_ref()
        .unwrap()
        .iter()
        .max_by(|a, b| a.gdp.total_cmp(&b.gdp))
        .unwrap();
    assert!(
        map.contains(&largest.iso3),
        "the largest economy is labelled"
    );
    assert_png(&fig.join("convergence.png"), (1800, 1100));
    assert_png(&fig.join("gridlock.png"), (1600, 1000));
    assert_png(&fig.join("map.png"), (1800, 840));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ensemble_convergence_shows_band_and_every_class() {
    let dir = ensemble_run("ensemble", false);
    plot_dir(&dir, Some("convergence")).unwrap();
    let svg = read(&dir.join("figures/convergence.svg"));
    for class in CLASSES {
        assert!(svg.contains(class), "legend lacks {class}");
        assert!(
            svg.contains(&format!("{class} (4)")),
            "legend lacks the count of {class}"
        );
    }
    assert!(svg.contains("median of worlds"));
    assert!(svg.contains("10–90 % of worlds"));
    assert!(svg.contains("20 worlds"));
    // Faint world lines carry their class colour.
    let rival = class_colour("RivalBlocs");
    let rgb = format!("#{:02X}{:02X}{:02X}", rival.0, rival.1, rival.2);
    assert!(svg.to_uppercase().contains(&rgb), "no line in {rgb}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn calibrated_world_map_uses_longitude_and_latitude() {
    let dir = ensemble_run("geo", true);
    let files = plot_dir(&dir, Some("map")).unwrap();
    assert_eq!(stems(&files), ["map.png", "map.svg"]);
    let svg = read(&dir.join("figures/map.svg"));
    assert!(svg.contains("longitude (°)") && svg.contains("latitude (°)"));
    assert_png(&dir.join("figures/map.png"), (1800, 1200));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sweep_over_one_field_draws_outcome_shares() {
    let dir = temp_dir("sweep1");
    let values = vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    write_sweep(&dir, "cu sweep", &[("cu_market_power", values)], false);
    let files = plot_dir(&dir, None).unwrap();
    assert_eq!(
        stems(&files),
        [
            "convergence.png",
            "convergence.svg",
            "gridlock.png",
            "gridlock.svg",
            "outcomes.png",
            "outcomes.svg"
        ]
    );
    let svg = read(&dir.join("figures/outcomes.svg"));
    for text in [
        "cu sweep",
        "cu_market_power",
        "share of worlds",
        "95 % Wilson interval",
        "0.3",
    ] {
        assert!(svg.contains(text), "outcomes.svg lacks {text:?}");
    }
    for class in CLASSES {
        assert!(svg.contains(class));
    }
    assert_png(&dir.join("figures/outcomes.png"), (1600, 1100));
    assert!(matches!(
        plot_dir(&dir, Some("phase")),
        Err(PlotError::NotApplicable { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sweep_over_two_fields_draws_three_phase_maps() {
    let dir = temp_dir("sweep2");
    write_sweep(
        &dir,
        "phase sweep",
        &[
            ("initial_m_share", vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
            ("round_cut", vec![0.0, 0.01, 0.02, 0.03, 0.04]),
        ],
        false,
    );
    let files = plot_dir(&dir, Some("phase")).unwrap();
    assert_eq!(
        stems(&files),
        [
            "phase.png",
            "phase.svg",
            "phase_networked.png",
            "phase_networked.svg",
            "phase_rival.png",
            "phase_rival.svg"
        ]
    );
    let phase = read(&dir.join("figures/phase.svg"));
    for text in [
        "Most frequent outcome",
        "initial_m_share",
        "round_cut",
        "NetworkedOrder",
        "RivalBlocs",
    ] {
        assert!(phase.contains(text), "phase.svg lacks {text:?}");
    }
    let networked = read(&dir.join("figures/phase_networked.svg"));
    assert!(networked.contains("P(NetworkedOrder)"));
    let rival = read(&dir.join("figures/phase_rival.svg"));
    assert!(rival.contains("P(RivalBlocs)"));
    for stem in ["phase", "phase_networked", "phase_rival"] {
        assert_png(&dir.join(format!("figures/{stem}.png")), (1600, 1100));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sensitivity_names_estimates_outside_0_1_and_draws_convergence() {
    let dir = temp_dir("sens-range");
    write_sweep(&dir, "sobol", &[("ntb", vec![0.1, 0.2])], false);
    std::fs::write(
        dir.join("sensitivity.csv"),
        "method,output,parameter,s1,s1_lo,s1_hi,st,st_lo,st_hi,mu_star,sigma,mu\n\
         Sobol,m_share,ntb,-0.265,-0.49,-0.04,0.3,0.2,0.4,,,\n\
         Sobol,m_share,patience,0.5,0.4,0.6,1.2,1.05,1.55,,,\n\
         Sobol,coverage,ntb,0.2,0.1,0.3,0.3,0.2,0.4,,,\n\
         Sobol,coverage,patience,0.5,0.4,0.6,0.6,0.5,0.7,,,\n\
         Sobol,free_share,ntb,0.2,0.1,0.3,0.3,0.2,0.4,,,\n",
    )
    .unwrap();
    let mut conv = String::from("output,parameter,base_samples,s1,st\n");
    for m in [16, 32, 64] {
        for o in ["m_share", "coverage", "free_share"] {
            conv.push_str(&format!("{o},ntb,{m},0.2,0.3\n{o},patience,{m},0.5,\n"));
        }
    }
    std::fs::write(dir.join("sensitivity_convergence.csv"), conv).unwrap();
    let files = plot_dir(&dir, Some("sensitivity")).unwrap();
    assert_eq!(
        stems(&files),
        [
            "sensitivity.png",
            "sensitivity.svg",
            "sensitivity_convergence.png",
            "sensitivity_convergence.svg"
        ]
    );
    let svg = read(&dir.join("figures/sensitivity.svg"));
    for text in [
        "Outside [0, 1] by sampling error, read as about 0 (or 1):",
        "S1 of ntb (-0.265), ST of patience (1.2)",
        "more base samples narrow the intervals",
        "outside [0, 1]: sampling error, not an effect",
    ] {
        assert!(svg.contains(text), "sensitivity.svg lacks {text:?}");
    }
    // Only the panel with such estimates carries the note.
    assert_eq!(svg.matches("Outside [0, 1] by sampling error").count(), 1);
    let conv = read(&dir.join("figures/sensitivity_convergence.svg"));
    for text in [
        "Sobol indices of free_share",
        "base samples N (log scale)",
        "thick: S1, thin: ST",
    ] {
        assert!(
            conv.contains(text),
            "sensitivity_convergence.svg lacks {text:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sensitivity_panels_leave_no_empty_cell() {
    use crate::plot::sensitivity::panel_rows;
    assert_eq!(panel_rows(1), [1]);
    assert_eq!(panel_rows(2), [2]);
    assert_eq!(panel_rows(3), [2, 1]);
    assert_eq!(panel_rows(5), [2, 2, 1]);
    assert_eq!(panel_rows(6), [2, 2, 2]);
}

#[test]
fn sensitivity_draws_sobol_bars_and_morris_scatter() {
    let dir = temp_dir("sens");
    write_sweep(&dir, "sobol", &[("ntb", vec![0.1, 0.2])], true);
    let files = plot_dir(&dir, Some("sensitivity")).unwrap();
    assert_eq!(stems(&files), ["sensitivity.png", "sensitivity.svg"]);
    let svg = read(&dir.join("figures/sensitivity.svg"));
    for text in [
        "Sobol indices of m_share",
        "Sobol indices of coverage",
        "Morris screening of m_share",
        "S1: first-order index",
        "ST: total index",
        "cu_market_power",
        "μ* (mean |elementary effect|)",
    ] {
        assert!(svg.contains(text), "sensitivity.svg lacks {text:?}");
    }
    let (w, h) = png_size(&dir.join("figures/sensitivity.png"));
    assert_eq!(w, 1600);
    assert_png(&dir.join("figures/sensitivity.png"), (w, h));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    )
}

#[test]
fn absent_inputs_are_skipped_but_named_figures_say_what_they_need() {
    let dir = single_run("absent");
    let files = plot_dir(&dir, None).unwrap();
    assert!(
        !stems(&files)
            .iter()
            .any(|f| f.starts_with("sensitivity") || f.starts_with("phase"))
    );
    match plot_dir(&dir, Some("sensitivity")) {
        Err(PlotError::NotApplicable { figure, needs, .. }) => {
            assert_eq!(figure, "sensitivity");
            assert!(needs.contains("sensitivity.csv"));
        }
        other => panic!("expected NotApplicable, got {other:?}"),
    }
    assert!(matches!(
        plot_dir(&dir, Some("pie")),
        Err(PlotError::UnknownFigure { .. })
    ));
    let empty = temp_dir("empty");
    assert!(matches!(
        plot_dir(&empty, None),
        Err(PlotError::NotAResultDir { .. })
    ));
    // No temporary files are left next to the figures.
    for entry in std::fs::read_dir(dir.join("figures")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "left over: {name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn every_figure_name_is_accepted() {
    let dir = single_run("names");
    for name in FIGURES {
        let res = plot_dir(&dir, Some(name));
        match name {
            "outcomes" | "phase" | "sensitivity" | "check" => {
                assert!(
                    matches!(res, Err(PlotError::NotApplicable { .. })),
                    "{name}"
                )
            }
            _ => assert!(!res.unwrap().is_empty(), "{name}"),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn replace_cell(dir: &Path, file: &str, line: usize, column: &str, value: &str) {
    let text = read(&dir.join(file));
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let at = lines[0].split(',').position(|h| h == column).unwrap();
    let mut cells: Vec<String> = lines[line - 1].split(',').map(str::to_owned).collect();
    cells[at] = value.to_owned();
    lines[line - 1] = cells.join(",");
    write(dir, file, &(lines.join("\n") + "\n"));
}

#[test]
fn bad_tables_give_errors_naming_file_row_and_column() {
    let dir = single_run("bad");
    replace_cell(&dir, "timeseries.csv", 4, "m_share", "abc");
    match plot_dir(&dir, None) {
        Err(PlotError::BadValue {
            path,
            row,
            line,
            column,
            value,
            ..
        }) => {
            assert!(path.ends_with("timeseries.csv"));
            assert_eq!(
                (row, line, column.as_str(), value.as_str()),
                (3, 4, "m_share", "abc")
            );
        }
        other => panic!("expected BadValue, got {other:?}"),
    }
    let message = plot_dir(&dir, None).unwrap_err().to_string();
    assert!(
        message.contains("timeseries.csv: row 3 (line 4), column `m_share`"),
        "{message}"
    );

    let dir2 = single_run("missing-column");
    let text = read(&dir2.join("timeseries.csv")).replacen("bloc_wall", "wall_of_blocs", 1);
    write(&dir2, "timeseries.csv", &text);
    match plot_dir(&dir2, Some("convergence")) {
        Err(PlotError::MissingColumn { path, column }) => {
            assert!(path.ends_with("timeseries.csv"));
            assert_eq!(column, "bloc_wall");
        }
        other => panic!("expected MissingColumn, got {other:?}"),
    }
    // Gridlock does not use that column and still draws.
    plot_dir(&dir2, Some("gridlock")).unwrap();

    let dir3 = single_run("ragged");
    let mut text = read(&dir3.join("summary.csv"));
    text.push_str("1,2,3\n");
    write(&dir3, "summary.csv", &text);
    assert!(matches!(plot_dir(&dir3, None), Err(PlotError::Csv { .. })));

    let dir4 = single_run("unknown-country");
    let mut text = read(&dir4.join("events.csv"));
    text.push_str("0,3,999,XXX,Join,0,choice,\n");
    write(&dir4, "events.csv", &text);
    match plot_dir(&dir4, Some("map")) {
        Err(PlotError::Inconsistent { path, message }) => {
            assert!(path.ends_with("events.csv"));
            assert!(message.contains("country 999"), "{message}");
        }
        other => panic!("expected Inconsistent, got {other:?}"),
    }

    let dir5 = single_run("bad-bool");
    replace_cell(&dir5, "countries.csv", 2, "in_m", "yes");
    assert!(matches!(
        plot_dir(&dir5, None),
        Err(PlotError::BadValue { .. })
    ));

    let dir6 = single_run("garbage");
    write(
        &dir6,
        "timeseries.csv",
        "\u{0}\u{1}garbage,,\n\"unterminated\n",
    );
    assert!(plot_dir(&dir6, None).is_err());
    for d in [dir, dir2, dir3, dir4, dir5, dir6] {
        std::fs::remove_dir_all(&d).unwrap();
    }
}

#[test]
fn replay_rebuilds_the_final_state_of_countries_csv() {
    let dir = ensemble_run("replay", false);
    let tables = Tables::load(&dir).unwrap();
    let countries = tables.countries.as_ref().unwrap();
    for outcome in &tables.outcomes.as_ref().unwrap().worlds {
        let world = outcome.key.world;
        let end = outcome.stop_tick.unwrap();
        let state = state_at(&tables, world, end).unwrap();
        let finals: Vec<_> = countries.iter().filter(|c| c.world == world).collect();
        assert_eq!(state.countries.len(), finals.len());
        for (s, c) in state.countries.iter().zip(&finals) {
            assert_eq!(s.id, c.id);
            assert_eq!(s.in_m, c.in_m, "world {world} country {}", c.id);
            assert_eq!(
                s.primary_bloc, c.primary_bloc,
                "world {world} country {}",
                c.id
            );
            assert_eq!(s.locked, c.locked);
            assert_eq!(s.wall, c.wall);
            assert!((s.gdp - c.gdp).abs() < 1e-9 * c.gdp.max(1.0));
        }
        for a in tables
            .agreements
            .as_ref()
            .unwrap()
            .iter()
            .filter(|a| a.world == world)
        {
            let live = state.agreements.get(&a.id);
            if a.dissolved.is_some() {
                assert!(live.is_none(), "agreement {} should be gone", a.id);
            } else {
                assert_eq!(live, Some(&a.members), "agreement {}", a.id);
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replay_follows_a_hand_written_history() {
    let dir = temp_dir("hand");
    write(
        &dir,
        "summary.csv",
        "world,seed,outcome,stop_reason,stop_tick,m_share\n0,1,RivalBlocs,Converged,5,0.5\n",
    );
    write(
        &dir,
        "countries.csv",
        "world,id,iso3,name,region,x,y,lon,lat,gdp,in_m,in_g,locked,wall,agreements,primary_bloc,utility,gain\n\
         0,0,AAA,A,0,0.1,0.1,,,4,false,false,false,,1,7,0,0\n\
         0,1,BBB,B,0,0.2,0.1,,,1,true,false,false,0.3,2,7,0,0\n\
         0,2,CCC,C,1,0.9,0.9,,,2,true,false,false,,1,9,0,0\n",
    );
    write(
        &dir,
        "events.csv",
        "world,tick,country,iso3,move,institution,cause,value\n\
         0,0,0,AAA,JoinM,M,initial,\n\
         0,0,1,BBB,JoinM,M,initial,\n\
         0,0,2,CCC,JoinM,M,initial,\n\
         0,1,1,BBB,Form,9,choice,\n\
         0,1,2,CCC,Form,9,choice,\n\
         0,2,0,AAA,Form,7,choice,\n\
         0,2,1,BBB,Form,7,choice,\n\
         0,3,0,AAA,LeaveM,M,choice,\n\
         0,3,2,CCC,GdpShift,,event,2\n\
         0,4,1,BBB,TariffWall,,event,0.3\n",
    );
    let tables = Tables::load(&dir).unwrap();
    let at = |t| state_at(&tables, 0, t).unwrap();
    let s0 = at(0);
    assert!(
        s0.countries
            .iter()
            .all(|c| c.in_m && c.primary_bloc.is_none())
    );
    assert_eq!(
        s0.countries[2].gdp, 1.0,
        "GDP before the shift is final / factor"
    );
    let s1 = at(1);
    assert_eq!(s1.agreements.get(&9), Some(&vec![1, 2]));
    assert_eq!(s1.countries[1].primary_bloc, Some(9));
    let s2 = at(2);
    // Bloc 7 (A+B = 5) outweighs bloc 9 (B+C = 2) for B.
    assert_eq!(s2.countries[1].primary_bloc, Some(7));
    assert_eq!(s2.countries[2].primary_bloc, Some(9));
    let s3 = at(3);
    assert!(!s3.countries[0].in_m);
    assert_eq!(s3.countries[2].gdp, 2.0);
    // After the shift, bloc 9 = B+C = 3 < bloc 7 = 5: B stays in 7.
    assert_eq!(s3.countries[1].primary_bloc, Some(7));
    assert_eq!(at(4).countries[1].wall, Some(0.3));
    let many = states_at(&tables, 0, &[4, 0, 2]).unwrap();
    assert_eq!(many.iter().map(|s| s.tick).collect::<Vec<_>>(), [4, 0, 2]);
    assert_eq!(many[1], s0);
    assert!(
        state_at(&tables, 5, 0).is_err(),
        "an absent world is an error"
    );
    // A tie in total GDP goes to the lower agreement id.
    write(
        &dir,
        "events.csv",
        "world,tick,country,iso3,move,institution,cause,value\n\
         0,1,1,BBB,Form,9,choice,\n0,1,2,CCC,Form,9,choice,\n\
         0,1,1,BBB,Form,8,choice,\n0,1,2,CCC,Form,8,choice,\n",
    );
    let tables = Tables::load(&dir).unwrap();
    assert_eq!(
        state_at(&tables, 0, 1).unwrap().countries[1].primary_bloc,
        Some(8)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn map_animation_is_bounded_and_decodes() {
    let dir = temp_dir("gif");
    write_run(
        &dir,
        &Spec {
            name: "long",
            worlds: 1,
            ticks: 200,
            countries: 40,
            geo: false,
        },
    );
    let files = plot_dir(&dir, Some("map.gif")).unwrap();
    assert_eq!(stems(&files), ["map.gif"]);
    let bytes = std::fs::read(&files[0]).unwrap();
    assert!(bytes.len() < 3 << 20, "map.gif is {} bytes", bytes.len());
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(std::io::Cursor::new(bytes)).unwrap();
    assert!(decoder.width() <= 800 && decoder.height() <= 600);
    let mut frames = 0;
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        assert!(frame.width > 0 && frame.height > 0);
        frames += 1;
    }
    assert!((2..=60).contains(&frames), "{frames} frames");
    assert_eq!(crate::plot::map::frame_ticks_for_test(200).len(), 60);
    assert_eq!(
        crate::plot::map::frame_ticks_for_test(10),
        (0..=10).collect::<Vec<_>>()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gif_encoder_round_trips_exact_colours_through_table_resets() {
    use plotters::style::RGBColor;
    let (w, h) = (320u16, 240u16);
    let colours = [
        RGBColor(255, 255, 255),
        RGBColor(0, 114, 178),
        RGBColor(213, 94, 0),
        RGBColor(0, 0, 0),
    ];
    let mut rng = fixtures::Lcg::new(3);
    // Noise defeats LZW, so the code table fills and resets many times.
    let frames: Vec<Vec<u8>> = (0..3)
        .map(|f| {
            (0..w as usize * h as usize)
                .flat_map(|i| {
                    let c = if f > 0 && i % 7 != 0 {
                        colours[0]
                    } else {
                        colours[rng.below(4)]
                    };
                    [c.0, c.1, c.2]
                })
                .collect()
        })
        .collect();
    let mut encoder = crate::plot::gif::GifEncoder::new(w, h, &colours);
    for frame in &frames {
        encoder.add_frame(frame, 10);
    }
    let bytes = encoder.finish();
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(std::io::Cursor::new(bytes)).unwrap();
    let mut screen = vec![0u8; w as usize * h as usize * 3];
    for expected in &frames {
        let frame = decoder.read_next_frame().unwrap().unwrap();
        let (left, top) = (frame.left as usize, frame.top as usize);
        for y in 0..frame.height as usize {
            for x in 0..frame.width as usize {
                let src = (y * frame.width as usize + x) * 4;
                let dst = ((top + y) * w as usize + left + x) * 3;
                screen[dst..dst + 3].copy_from_slice(&frame.buffer[src..src + 3]);
            }
        }
        assert!(screen == *expected, "decoded frame differs");
    }
}

/// Tag balance of an HTML document: every non-void element closed in order.
fn assert_well_formed(html: &str) {
    const VOID: [&str; 6] = ["meta", "br", "hr", "img", "link", "input"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").expect("unclosed comment");
            rest = &rest[end + 3..];
            continue;
        }
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ':')
            .collect::<String>()
            .to_ascii_lowercase();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        if let Some(closing) = tag.strip_prefix('/') {
            let _ = closing;
            let top = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(top, name, "</{name}> closes <{top}>");
        } else if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
        // Raw-text elements: skip to their end tag.
        if (stack.last().map(String::as_str) == Some("style")) && !tag.starts_with('/') {
            let end = rest.find("</style>").expect("unclosed style");
            rest = &rest[end..];
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn tag_checker_catches_bad_nesting() {
    assert_well_formed("<p><b>x</b><br/><img src=\"a\"></p>");
    assert!(std::panic::catch_unwind(|| assert_well_formed("<p><b>x</p></b>")).is_err());
    assert!(std::panic::catch_unwind(|| assert_well_formed("<div><p>x</p>")).is_err());
}

fn check_report(dir: &Path, expected_svgs: usize, texts: &[&str]) -> String {
    let path = write_report(dir).unwrap();
    assert_eq!(path, dir.join("report.html"));
    let html = read(&path);
    assert_well_formed(&html);
    assert_eq!(html.matches("<svg").count(), expected_svgs);
    assert_eq!(html.matches("</svg>").count(), expected_svgs);
    assert!(!html.contains("<script"));
    // The only URL is the SVG namespace, which browsers never fetch.
    let urls = html.matches("http://").count() + html.matches("https://").count();
    assert_eq!(
        urls,
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    for text in texts {
        assert!(html.contains(text), "report lacks {text:?}");
    }
    html
}

#[test]
fn run_report_is_self_contained_and_well_formed() {
    let dir = single_run("report");
    plot_dir(&dir, Some("map.gif")).unwrap();
    let html = check_report(
        &dir,
        3,
        &[
            "baseline &lt;&amp;&gt; test",
            "nested &lt;&amp;&gt; name",
            "NetworkedOrder",
            "RivalBlocs",
            "data:image/gif;base64,",
            "effective_blocs",
            "<pre>",
        ],
    );
    assert!(
        html.contains("<td>1</td>"),
        "outcome table counts the one world"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sweep_reports_summarise_points() {
    let dir = temp_dir("report-sweep");
    write_sweep(
        &dir,
        "two fields",
        &[
            ("initial_m_share", vec![0.1, 0.3, 0.5]),
            ("round_cut", vec![0.0, 0.02]),
        ],
        true,
    );
    // convergence, gridlock, three phase maps, sensitivity.
    check_report(
        &dir,
        6,
        &[
            "two fields",
            "initial_m_share",
            "round_cut",
            "p_NetworkedOrder",
            "Sobol",
        ],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Prints how long the default figures of a 100-tick, 60-country single world take; run
/// with `cargo test --release -- --nocapture timing` for the number that matters.
#[test]
fn timing_of_default_figures() {
    let dir = single_run("timing");
    let start = std::time::Instant::now();
    let files = plot_dir(&dir, None).unwrap();
    let figures = start.elapsed();
    write_report(&dir).unwrap();
    let total = start.elapsed();
    println!(
        "timing: {} files in {:.0} ms, with report {:.0} ms",
        files.len(),
        figures.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn helpers_format_and_summarise() {
    use crate::plot::style::{fmt_num, quantile};
    assert_eq!(fmt_num(0.30000000000000004), "0.3");
    assert_eq!(fmt_num(-0.0), "0");
    assert_eq!(fmt_num(1234.5), "1234");
    assert_eq!(fmt_num(12.25), "12.2");
    assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
    assert_eq!(quantile(&[5.0], 0.9), 5.0);
    assert!(quantile(&[], 0.5).is_nan());
    let colours: std::collections::BTreeSet<_> = CLASSES
        .iter()
        .map(|c| {
            let k = class_colour(c);
            (k.0, k.1, k.2)
        })
        .collect();
    assert_eq!(
        colours.len(),
        CLASSES.len(),
        "every class has its own colour"
    );
}

#[test]
fn every_module_file_starts_with_a_doc_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/plot");
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                assert!(
                    read(&path).starts_with("//!"),
                    "{} lacks a //! first line",
                    path.display()
                );
            }
        }
    }
}

/// Writes every fixture's figures and report into `$BLOCS_PLOT_DEMO_DIR` for a person to
/// look at; does nothing unless that variable is set.
#[test]
fn demo_output_for_inspection() {
    let Some(root) = std::env::var_os("BLOCS_PLOT_DEMO_DIR").map(PathBuf::from) else {
        return;
    };
    let make = |name: &str| {
        let dir = root.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    };
    let single = make("single");
    write_run(
        &single,
        &Spec {
            name: "baseline",
            worlds: 1,
            ticks: 100,
            countries: 60,
            geo: false,
        },
    );
    let ensemble = make("ensemble");
    write_run(
        &ensemble,
        &Spec {
            name: "baseline",
            worlds: 50,
            ticks: 120,
            countries: 60,
            geo: false,
        },
    );
    let geo = make("geo");
    write_run(
        &geo,
        &Spec {
            name: "calibrated 2025",
            worlds: 1,
            ticks: 100,
            countries: 120,
            geo: true,
        },
    );
    let sweep1 = make("sweep1");
    write_sweep(
        &sweep1,
        "cu_market_power sweep",
        &[("cu_market_power", vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6])],
        true,
    );
    let sweep2 = make("sweep2");
    write_sweep(
        &sweep2,
        "critical mass",
        &[
            ("initial_m_share", vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]),
            ("round_cut", vec![0.0, 0.01, 0.02, 0.03, 0.04]),
        ],
        false,
    );
    for dir in [single, ensemble, geo, sweep1, sweep2] {
        let files = plot_dir(&dir, None).unwrap();
        write_report(&dir).unwrap();
        // The file viewer shows PNG, not GIF: keep the middle and last frames as PNG too.
        if let Some(gif_path) = files
            .iter()
            .find(|f| f.extension().is_some_and(|e| e == "gif"))
        {
            gif_frames_to_png(gif_path);
        }
    }
}

fn gif_frames_to_png(path: &Path) {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options
        .read_info(std::fs::File::open(path).unwrap())
        .unwrap();
    let (w, h) = (decoder.width() as usize, decoder.height() as usize);
    let mut screen = vec![255u8; w * h * 4];
    let mut frames = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        for y in 0..frame.height as usize {
            for x in 0..frame.width as usize {
                let src = (y * frame.width as usize + x) * 4;
                let dst = ((frame.top as usize + y) * w + frame.left as usize + x) * 4;
                screen[dst..dst + 4].copy_from_slice(&frame.buffer[src..src + 4]);
            }
        }
        frames.push(screen.clone());
    }
    for (name, frame) in [
        ("middle", &frames[frames.len() / 2]),
        ("last", &frames[frames.len() - 1]),
    ] {
        let out = path.with_file_name(format!("map_gif_{name}.png"));
        let mut encoder =
            png::Encoder::new(std::fs::File::create(out).unwrap(), w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(frame)
            .unwrap();
    }
}

/// The map's bloc rule (ODD.md 7.6): a customs union before a plurilateral agreement
/// before a bilateral one, GDP only breaking ties; `primary_bloc` stays the model's rule.
#[test]
fn map_bloc_rule_puts_customs_unions_and_plurilateral_agreements_first() {
    let dir = temp_dir("bloc-rule");
    write(
        &dir,
        "summary.csv",
        "world,seed,outcome,stop_reason,stop_tick,m_share\n0,1,RivalBlocs,Converged,2,0.5\n",
    );
    // EU (3): the customs union of A, B, D (GDP 7); RCEP (6): the FTA of B, C, D (22);
    // EU-CCC (7): A and C (25); B-E (9): B and E (51).
    write(
        &dir,
        "countries.csv",
        "world,id,iso3,name,region,x,y,lon,lat,gdp,in_m,in_g,locked,wall,agreements,primary_bloc,utility,gain\n\
         0,0,AAA,A,0,0.1,0.1,,,5,true,false,false,,,,0,0\n\
         0,1,BBB,B,0,0.2,0.1,,,1,true,false,false,,,,0,0\n\
         0,2,CCC,C,1,0.9,0.9,,,20,true,false,false,,,,0,0\n\
         0,3,DDD,D,1,0.5,0.9,,,1,true,false,false,,,,0,0\n\
         0,4,EEE,E,1,0.5,0.5,,,50,true,false,false,,,,0,0\n",
    );
    write(
        &dir,
        "agreements.csv",
        "world,id,name,kind,depth,rule,reach,founded,dissolved,members,gdp_share\n\
         0,3,EU,CustomsUnion,0.9,Unanimity,0,0,,0;1;3,0.1\n\
         0,6,RCEP,Fta,0.2,Unanimity,0,0,,1;2;3,0.3\n\
         0,7,EU-CCC,Fta,0.3,Unanimity,0,0,,0;2,0.3\n\
         0,9,B-E,Fta,0.3,Unanimity,0,0,,1;4,0.3\n",
    );
    let mut events = "world,tick,country,iso3,move,institution,cause,value\n".to_owned();
    for (k, members) in [
        (3, [0, 1, 3].as_slice()),
        (6, &[1, 2, 3]),
        (7, &[0, 2]),
        (9, &[1, 4]),
    ] {
        for m in members {
            events.push_str(&format!("0,1,{m},X,Join,{k},initial,\n"));
        }
    }
    write(&dir, "events.csv", &events);
    let tables = Tables::load(&dir).unwrap();
    let s = state_at(&tables, 0, 1).unwrap();
    let map: Vec<Option<u64>> = s.countries.iter().map(|c| c.map_bloc).collect();
    let primary: Vec<Option<u64>> = s.countries.iter().map(|c| c.primary_bloc).collect();
    // A and B are in the customs union although EU-CCC and B-E are larger; C is in the
    // plurilateral RCEP although its bilateral EU-CCC is larger; E has only B-E.
    assert_eq!(map, [Some(3), Some(3), Some(6), Some(3), Some(9)]);
    assert_eq!(primary, [Some(7), Some(9), Some(7), Some(6), Some(9)]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every bloc a map draws has a colour no other drawn bloc has, and a legend swatch of
/// that colour; blocs beyond the named ones share one colour that also has a swatch.
#[test]
fn map_colours_every_bloc_distinctly_with_a_swatch_each() {
    use crate::plot::style::{Mark, NONE_GREY, OTHER_BLOC};
    for (dir, geo) in [
        (single_run("map-colours"), false),
        (ensemble_run("map-colours-geo", true), true),
    ] {
        let tables = Tables::load(&dir).unwrap();
        let prepared = crate::plot::prepare("map", &tables).unwrap();
        let crate::plot::Prepared::Map(fig) = &prepared[0].1 else {
            panic!("a map")
        };
        let (drawn, legend) = crate::plot::map::drawn_for_test(fig);
        let swatches: Vec<(u8, u8, u8)> = legend
            .iter()
            .filter_map(|(m, _)| match m {
                Mark::Square(c) => Some((c.0, c.1, c.2)),
                _ => None,
            })
            .collect();
        let mut colour_of = std::collections::BTreeMap::new();
        for (bloc, c) in &drawn {
            let c = (c.0, c.1, c.2);
            assert!(
                swatches.contains(&c),
                "geo {geo}: colour {c:?} has no swatch"
            );
            if let Some(b) = bloc {
                colour_of.insert(*b, c);
            } else {
                assert_eq!(c, (NONE_GREY.0, NONE_GREY.1, NONE_GREY.2));
            }
        }
        let other = (OTHER_BLOC.0, OTHER_BLOC.1, OTHER_BLOC.2);
        let named: Vec<_> = colour_of.values().filter(|c| **c != other).collect();
        let distinct: std::collections::BTreeSet<_> = named.iter().collect();
        assert_eq!(
            distinct.len(),
            named.len(),
            "geo {geo}: two blocs share a colour"
        );
        assert!(
            named.len() >= 3,
            "geo {geo}: the fixture draws several blocs"
        );
        // Swatches are distinct too, and no legend line is a bare "+N more".
        let set: std::collections::BTreeSet<_> = swatches.iter().collect();
        assert_eq!(set.len(), swatches.len());
        assert!(legend.iter().all(|(_, l)| !l.starts_with('+')));
        // Legend names are unique, so a reader can tell every bloc apart.
        let names: Vec<&String> = legend
            .iter()
            .filter(|(m, _)| matches!(m, Mark::Square(_)))
            .map(|(_, l)| l)
            .collect();
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "geo {geo}: {names:?}");
        // Blocs are named, never by a bare id such as `#2`.
        assert!(
            legend.iter().all(|(_, l)| !l.starts_with('#')),
            "{legend:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// The text elements of an SVG: (x, y, font size, anchor, bold, text).
fn svg_texts(svg: &str) -> Vec<(f64, f64, f64, String, bool, String)> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text ") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let tag = &rest[..open_end];
        let Some(close) = rest.find("</text>") else {
            break;
        };
        let body = rest[open_end + 1..close]
            .trim()
            .replace("&apos;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        let attr = |name: &str| -> Option<String> {
            let key = format!(" {name}=\"");
            let i = tag.find(&key)? + key.len();
            let j = tag[i..].find('"')?;
            Some(tag[i..i + j].to_owned())
        };
        let num = |name: &str| {
            attr(name)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // Rotated text (y-axis titles) runs vertically; the checks here are horizontal.
        if tag.contains("transform=") {
            rest = &rest[close..];
            continue;
        }
        out.push((
            num("x"),
            num("y"),
            num("font-size"),
            attr("text-anchor").unwrap_or_default(),
            attr("font-weight").is_some_and(|w| w == "bold"),
            body,
        ));
        rest = &rest[close..];
    }
    out
}

/// Country labels on the maps: no two overlap and none leaves the canvas, measured
/// with the embedded font as the SVG states their position and size.
#[test]
fn map_labels_neither_overlap_nor_leave_the_canvas() {
    use plotters::style::{FontDesc, FontStyle};
    crate::plot::style::register_fonts().unwrap();
    for (dir, geo) in [
        (single_run("labels"), false),
        (ensemble_run("labels-geo", true), true),
    ] {
        plot_dir(&dir, Some("map")).unwrap();
        let svg = read(&dir.join("figures/map.svg"));
        // Both maps are 1800 px wide.
        let width = 1800.0;
        let labels: Vec<_> = svg_texts(&svg)
            .into_iter()
            .filter(|t| {
                t.4 && t.3 == "start"
                    && t.5.len() == 3
                    && t.5
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            })
            .collect();
        assert!(labels.len() >= 6, "geo {geo}: {} labels", labels.len());
        let boxes: Vec<(f64, f64, f64, f64)> = labels
            .iter()
            .map(|(x, y, size, _, _, text)| {
                let font = FontDesc::new(
                    crate::plot::style::FAMILY.into(),
                    size * 1.24,
                    FontStyle::Bold,
                );
                let (w, h) = font.box_size(text).unwrap();
                (*x, *y, x + w as f64, y + h as f64)
            })
            .collect();
        // No left-aligned text at all (labels, legend entries, notes) runs off the canvas.
        for (x, _, size, anchor, bold, text) in svg_texts(&svg) {
            if anchor != "start" || text.is_empty() {
                continue;
            }
            let style = if bold {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            };
            let font = FontDesc::new(crate::plot::style::FAMILY.into(), size * 1.24, style);
            let (w, _) = font.box_size(&text).unwrap();
            assert!(
                x + w as f64 <= width,
                "geo {geo}: `{text}` is cut at the right edge"
            );
        }
        for (i, a) in boxes.iter().enumerate() {
            assert!(
                a.0 >= 0.0 && a.2 <= width,
                "geo {geo}: `{}` leaves the canvas",
                labels[i].5
            );
            for (j, b) in boxes.iter().enumerate().skip(i + 1) {
                let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                assert!(
                    apart,
                    "geo {geo}: `{}` overlaps `{}`",
                    labels[i].5, labels[j].5
                );
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Tick labels of every large figure are big enough to read on a projector.
#[test]
fn tick_labels_are_projector_sized() {
    let dir = single_run("ticks");
    plot_dir(&dir, None).unwrap();
    for stem in ["convergence", "gridlock", "map"] {
        let svg = read(&dir.join(format!("figures/{stem}.svg")));
        let smallest = svg_texts(&svg)
            .iter()
            .filter(|t| !t.5.is_empty())
            .map(|t| t.2)
            .fold(f64::INFINITY, f64::min);
        assert!(
            smallest >= crate::plot::style::MIN_TICK_PX,
            "{stem}: text of {smallest} px"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Gridlock: a line at 0 stands clear of the x axis, and the legend has only entries
/// with a swatch (the world's number moved to the subtitle).
#[test]
fn gridlock_keeps_zero_lines_visible_and_every_legend_entry_has_a_swatch() {
    let dir = single_run("gridlock");
    plot_dir(&dir, Some("gridlock")).unwrap();
    let svg = read(&dir.join("figures/gridlock.svg"));
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t.5.contains("· world 0")),
        "subtitle names the world"
    );
    assert!(
        !texts.iter().any(|t| t.5 == "world 0"),
        "no bare legend note"
    );
    let tables = Tables::load(&dir).unwrap();
    for (_, fig) in crate::plot::prepare("gridlock", &tables).unwrap() {
        let crate::plot::Prepared::Gridlock(g) = fig else {
            panic!()
        };
        let (legend, lows) = crate::plot::gridlock::legend_and_floors_for_test(&g);
        assert!(
            legend
                .iter()
                .all(|(m, _)| !matches!(m, crate::plot::style::Mark::Note))
        );
        assert!(lows.iter().all(|&lo| lo < 0.0), "{lows:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An ensemble's convergence legend lists only classes some world reached, and says
/// that stopped worlds are carried at their final value.
#[test]
fn convergence_lists_only_reached_classes_and_says_how_stopped_worlds_count() {
    let dir = ensemble_run("conv-legend", false);
    plot_dir(&dir, Some("convergence")).unwrap();
    let texts = svg_texts(&read(&dir.join("figures/convergence.svg")));
    assert!(
        !texts.iter().any(|t| t.5.ends_with("(0)")),
        "a class with 0 worlds"
    );
    assert!(texts.iter().any(|t| t.5.contains("ends where it stopped")));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Wrapped sweep values (`LargestShare(0.3)`) sit at their numbers, and no whisker of
/// the stacked panel can go above 1.
#[test]
fn outcome_shares_read_wrapped_numbers_as_numbers() {
    use crate::plot::outcomes::numeric_values;
    let values: Vec<String> = ["LargestShare(0)", "LargestShare(0.25)", "LargestShare(1)"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        numeric_values(&values),
        Some(("LargestShare".to_owned(), vec![0.0, 0.25, 1.0]))
    );
    let mixed: Vec<String> = ["LargestShare(0)", "All"].map(String::from).to_vec();
    assert_eq!(numeric_values(&mixed), None);
    let plain: Vec<String> = ["0.5", "2"].map(String::from).to_vec();
    assert_eq!(
        numeric_values(&plain),
        Some((String::new(), vec![0.5, 2.0]))
    );
}

/// A slice of a three-field grid (one fixed column) draws its phase maps with the fixed
/// value in the subtitle, and a probability map that is one colour is not drawn.
#[test]
fn phase_maps_name_the_fixed_field_and_skip_uniform_maps() {
    let dir = temp_dir("phase-slice");
    write(
        &dir,
        "points.csv",
        "point,rule,x,y,n,p_NetworkedOrder,p_RivalBlocs\n\
         0,Consensus,0,0,10,0.6,0\n1,Consensus,1,0,10,0.7,0\n\
         2,Consensus,0,1,10,0.8,0\n3,Consensus,1,1,10,0.9,0\n",
    );
    write(&dir, "manifest.ron", "(\n    name: \"e01_gridlock\",\n)\n");
    let files = plot_dir(&dir, Some("phase")).unwrap();
    let names = stems(&files);
    assert!(names.contains(&"phase.svg".to_owned()));
    assert!(names.contains(&"phase_networked.svg".to_owned()));
    assert!(
        !names.iter().any(|n| n.starts_with("phase_rival")),
        "{names:?}"
    );
    let texts = svg_texts(&read(&dir.join("figures/phase.svg")));
    let subtitle = texts.iter().find(|t| t.5.starts_with("sweep")).unwrap();
    assert!(subtitle.5.contains("e01_gridlock"), "{}", subtitle.5);
    assert!(subtitle.5.contains("rule = Consensus"), "{}", subtitle.5);
    assert!(subtitle.5.contains("varied: x, y"), "{}", subtitle.5);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With a `check.csv`, the figures include the check's picture and the report opens with
/// the answer, states the claim, its source passage, the interval and the verdict, and
/// folds the manifest away at the end.
#[test]
fn reproduce_report_leads_with_the_answer_and_the_verdict() {
    let dir = temp_dir("check-report");
    write_sweep(
        &dir,
        "e05_critical_mass",
        &[("initial_m", vec![0.0, 0.1, 0.4, 0.6])],
        true,
    );
    write(
        &dir,
        "check.csv",
        "experiment,claim,statistic,method,a,b,estimate,low,high,n_a,n_b,direction,expected,pass\n\
         e05,\"Without a critical mass in M, rival blocs\",\"share RivalBlocs: [initial_m∈{0, 0.1}] − [initial_m∈{0.4, 0.6}]\",Newcombe,0.975,0,0.975,0.862,0.996,40,80,Positive,Reproduced,true\n",
    );
    write(
        &dir,
        "experiment.md",
        "# e05\n\nSource: `seeds.txt`, *\"a critical mass of members\"*\n",
    );
    let files = plot_dir(&dir, None).unwrap();
    assert!(stems(&files).contains(&"check.svg".to_owned()));
    let check_svg = read(&dir.join("figures/check.svg"));
    assert!(check_svg.contains("PASS: expected positive"));
    let html = read(&write_report(&dir).unwrap());
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("report lacks {s}"));
    assert!(at("The answer") < at("<h2>Figures</h2>"));
    assert!(at("The claim and its check") < at("<h2>Figures</h2>"));
    assert!(at("<h2>Figures</h2>") < at("How to read the outcome classes"));
    assert!(at("How to read the outcome classes") < at("<details>"));
    assert!(at("<details>") < at("manifest.ron"));
    at("a critical mass of members");
    at("[0.862, 0.996]");
    at("class=\"pass\">PASS");
    assert!(!html.contains(" %<"), "a percent sign that can wrap");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// No text of `svg` (horizontal text, measured with the embedded font) runs past the
/// left or right edge of a `width` px canvas.
fn assert_texts_inside(svg: &str, width: f64, what: &str) {
    use plotters::style::{FontDesc, FontStyle};
    crate::plot::style::register_fonts().unwrap();
    for (x, _, size, anchor, bold, text) in svg_texts(svg) {
        if text.is_empty() {
            continue;
        }
        let style = if bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        let font = FontDesc::new(crate::plot::style::FAMILY.into(), size * 1.24, style);
        let w = font.box_size(&text).unwrap().0 as f64;
        let (left, right) = match anchor.as_str() {
            "middle" => (x - w / 2.0, x + w / 2.0),
            "end" => (x - w, x),
            _ => (x, x + w),
        };
        assert!(
            left >= -1.0 && right <= width + 1.0,
            "{what}: `{text}` spans {left:.0}..{right:.0} of 0..{width}"
        );
    }
}

/// Every figure of a run, an ensemble, a sweep and an experiment keeps its text on the
/// canvas: titles, long subtitles, legends, labels.
#[test]
fn no_text_leaves_the_canvas_in_any_figure() {
    let long = temp_dir("long-sweep");
    write_sweep(
        &long,
        "e01_gridlock",
        &[
            (
                "multilateral.decision_rule_threshold_of_the_vote",
                vec![0.5, 0.67, 0.9],
            ),
            (
                "countries.protectionism_max_of_every_member",
                vec![0.1, 0.5],
            ),
        ],
        true,
    );
    for dir in [single_run("inside"), ensemble_run("inside-geo", true), long] {
        let files = plot_dir(&dir, None).unwrap();
        for f in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "svg"))
        {
            let svg = read(f);
            let width: f64 = svg
                .split("width=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .and_then(|w| w.parse().ok())
                .unwrap();
            assert_texts_inside(&svg, width, &f.display().to_string());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
