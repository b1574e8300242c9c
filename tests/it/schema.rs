//! The written tables carry exactly the columns `blocs::schema` declares, and the plot reader
//! finds every one of them: a column renamed or moved on one side only fails here.

use blocs::metrics::METRIC_COLUMNS;
use blocs::plot::Tables;
use blocs::schema::{self, agreements, countries, events, summary, timeseries};

use crate::{run_files_of, temp_dir};

/// A tiny run, with or without the public-goods institution (which adds `g_share`).
fn tiny_run(with_g: bool) -> Vec<(&'static str, Vec<u8>)> {
    let ron = format!(
        "(name: \"schema\", seed: 3, worlds: 2, countries: Synthetic((countries: 6, regions: 2)),
          max_ticks: 12, activation_rate: 0.5, multilateral: (round_every: 4){},
          events: [Exit(tick: 3, country: \"hegemon\", from: \"M\")])",
        if with_g { ", public_goods: ()" } else { "" }
    );
    let scenario = blocs::config::Scenario::parse(&ron, std::path::Path::new("schema")).unwrap();
    run_files_of(scenario, 2)
}

fn header(files: &[(&str, Vec<u8>)], name: &str) -> Vec<String> {
    let (_, bytes) = files.iter().find(|f| f.0 == name).unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect()
}

fn with_metrics(keys: &[&str], with_g: bool) -> Vec<String> {
    let mut h: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
    h.extend(METRIC_COLUMNS.iter().map(|s| s.to_string()));
    if with_g {
        h.push(schema::G_SHARE.to_owned());
    }
    h
}

#[test]
fn written_headers_are_the_schema_columns() {
    for with_g in [false, true] {
        let files = tiny_run(with_g);
        let names: Vec<&str> = files.iter().skip(1).map(|f| f.0).collect();
        assert_eq!(names, schema::RUN_TABLES);
        assert_eq!(
            header(&files, timeseries::FILE),
            with_metrics(&timeseries::KEY_COLUMNS, with_g)
        );
        assert_eq!(
            header(&files, summary::FILE),
            with_metrics(&summary::KEY_COLUMNS, with_g)
        );
        assert_eq!(header(&files, countries::FILE), countries::COLUMNS);
        assert_eq!(header(&files, agreements::FILE), agreements::COLUMNS);
        assert_eq!(header(&files, events::FILE), events::COLUMNS);
    }
    // Spelled out once, so that a rename inside the schema itself (which both sides would
    // follow) is still a visible change to the published file format.
    assert_eq!(
        countries::COLUMNS,
        [
            "world",
            "id",
            "iso3",
            "name",
            "region",
            "x",
            "y",
            "lon",
            "lat",
            "gdp",
            "in_m",
            "in_g",
            "locked",
            "wall",
            "agreements",
            "primary_bloc",
            "utility",
            "gain"
        ]
    );
    assert_eq!(
        events::COLUMNS,
        [
            "world",
            "tick",
            "country",
            "iso3",
            "move",
            "institution",
            "cause",
            "value"
        ]
    );
}

#[test]
fn plot_reader_loads_every_written_table() {
    for with_g in [false, true] {
        let dir = temp_dir(&format!("schema-{with_g}"));
        for (name, bytes) in tiny_run(with_g) {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        let tables = Tables::load(&dir).unwrap();
        let series = tables.series.unwrap();
        assert_eq!(series.runs.len(), 2);
        assert_eq!(series.metrics.iter().any(|m| m == schema::G_SHARE), with_g);
        assert_eq!(tables.outcomes.unwrap().worlds.len(), 2);
        let countries = tables.countries.unwrap();
        assert_eq!(countries.len(), 2 * 6);
        assert!(
            countries
                .iter()
                .all(|c| !c.name.is_empty() && !c.region.is_empty())
        );
        assert!(tables.agreements.is_some());
        assert!(!tables.events.unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
