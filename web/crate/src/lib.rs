//! blocs in the browser: the WebAssembly API of the classroom page (`web/`).
//!
//! The model is the same core `blocs run` uses; this crate only wires it to the page. The
//! logic lives in plain Rust modules that are tested natively ([`session`], [`controls`],
//! [`narrate`], [`ensemble`], [`presets`]); the `App` type and free functions below are the
//! thin `wasm-bindgen` surface, passing structured values to JavaScript as JSON text.

#![deny(missing_docs)]

pub mod controls;
pub mod ensemble;
pub mod narrate;
pub mod presets;
pub mod session;

use std::path::Path;
use std::sync::Mutex;

use blocs_core::config::Scenario;
use wasm_bindgen::prelude::*;

use crate::controls::Value;
use crate::session::{Session, Shock};

/// The bloc palette of the CLI's figures (Paul Tol's qualitative colours), as in
/// `src/plot/style.rs`; the page gives each live bloc a colour no other live bloc holds.
pub const BLOC_PALETTE: [&str; 12] = [
    "#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#EE8866", "#332288",
    "#999933", "#882255", "#44AA99", "#FFAABB",
];

/// Outcome-class colours of the CLI's figures (Okabe–Ito), in `Outcome::ALL` order.
pub const CLASS_COLOURS: [(&str, &str); 5] = [
    ("GlobalFreeTrade", "#009E73"),
    ("NetworkedOrder", "#0072B2"),
    ("MultilateralCore", "#56B4E9"),
    ("RivalBlocs", "#D55E00"),
    ("Fragmented", "#999999"),
];

static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

/// Installs the panic hook: the message goes to the console and is kept for the page,
/// which shows it instead of freezing (a panic traps the module; JavaScript catches the
/// trap and asks [`last_panic`] why).
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = info.to_string();
        }
        console_error_panic_hook::hook(info);
    }));
}

/// The message of the last panic, empty if there was none.
#[wasm_bindgen]
pub fn last_panic() -> String {
    LAST_PANIC.lock().map(|s| s.clone()).unwrap_or_default()
}

/// Panics on purpose, so that the end-to-end test can check the page survives a panic.
#[wasm_bindgen]
pub fn selftest_panic() {
    panic!("selftest: a deliberate panic inside the WebAssembly module");
}

fn json<T: serde::Serialize>(x: &T) -> String {
    serde_json::to_string(x).expect("page values serialise")
}

/// The Lessons menu: every preset with its lesson text (JSON).
#[wasm_bindgen]
pub fn presets() -> String {
    #[derive(serde::Serialize)]
    struct Entry {
        name: &'static str,
        path: &'static str,
        title: String,
        lesson: &'static str,
    }
    let list: Vec<Entry> = presets::PRESETS
        .iter()
        .map(|p| Entry {
            name: p.name,
            path: p.path,
            title: p
                .lesson
                .lines()
                .next()
                .unwrap_or(p.name)
                .trim_start_matches('#')
                .trim()
                .to_string(),
            lesson: p.lesson,
        })
        .collect();
    json(&list)
}

/// Bloc palette and outcome-class colours (JSON).
#[wasm_bindgen]
pub fn palette() -> String {
    json(&serde_json::json!({
        "blocs": BLOC_PALETTE,
        "classes": CLASS_COLOURS.iter().map(|c| serde_json::json!({"class": c.0, "colour": c.1})).collect::<Vec<_>>(),
    }))
}

/// Checks scenario text as `blocs check` does: `Ok` or the located messages.
#[wasm_bindgen]
pub fn check(text: &str, origin: &str) -> Result<(), JsError> {
    Scenario::parse(text, Path::new(origin))
        .and_then(|s| s.validate(Path::new(origin)).map(drop))
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Runs worlds `from..to` of a scenario for the ensemble (JSON list of world briefs).
#[wasm_bindgen]
pub fn ensemble_worlds(text: &str, origin: &str, from: u32, to: u32) -> Result<String, JsError> {
    let s = Scenario::parse(text, Path::new(origin)).map_err(|e| JsError::new(&e.to_string()))?;
    let spec = s
        .validate(Path::new(origin))
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(json(&ensemble::run(&spec, s.seed, from.into(), to.into())))
}

/// Summarises world briefs gathered from the workers, in any order (JSON).
#[wasm_bindgen]
pub fn ensemble_summary(briefs: &str) -> Result<String, JsError> {
    let mut worlds: Vec<ensemble::WorldBrief> =
        serde_json::from_str(briefs).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(json(&ensemble::summarise(&mut worlds)))
}

/// One world on the page.
#[wasm_bindgen]
pub struct App {
    session: Session,
}

#[wasm_bindgen]
impl App {
    /// Opens scenario text; `origin` names it in messages (a file name or preset path).
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str, origin: &str) -> Result<App, JsError> {
        Session::open(text, origin)
            .map(|session| App { session })
            .map_err(|e| JsError::new(&e))
    }

    /// Opens a preset by name.
    pub fn preset(name: &str) -> Result<App, JsError> {
        let p = presets::find(name).ok_or_else(|| JsError::new(&format!("no preset `{name}`")))?;
        App::new(p.ron, p.path)
    }

    /// Runs up to `ticks` ticks; false once the world has stopped.
    pub fn step(&mut self, ticks: u32) -> bool {
        self.session.step(ticks)
    }

    /// Runs until the world stops.
    pub fn run_to_end(&mut self) {
        self.session.run_to_end();
    }

    /// Back to tick 0.
    pub fn reset(&mut self) {
        self.session.reset();
    }

    /// The current tick.
    pub fn tick(&self) -> u32 {
        self.session.tick()
    }

    /// Whether the world has stopped.
    pub fn stopped(&self) -> bool {
        self.session.sim().stopped().is_some()
    }

    /// Positions, names and regions (JSON).
    pub fn layout(&self) -> String {
        json(&self.session.layout())
    }

    /// The state to draw (JSON).
    pub fn frame(&self) -> String {
        json(&self.session.frame())
    }

    /// Chart values from tick `from` on (JSON).
    pub fn series_since(&self, from: u32) -> String {
        json(&self.session.series_since(from))
    }

    /// New sentences for the event log (JSON).
    pub fn narrate(&mut self) -> String {
        json(&self.session.narrate_new())
    }

    /// The controls and their values (JSON).
    pub fn controls(&self) -> String {
        json(&controls::list(self.session.scenario()))
    }

    /// Sets a control (the value as text) and restarts the world, or throws why not.
    pub fn set_control(&mut self, name: &str, value: &str) -> Result<(), JsError> {
        self.session
            .set_control(name, &Value::Text(value.to_string()))
            .map_err(|e| JsError::new(&e))
    }

    /// Applies a shock to a country at the start of the next tick: `exit_m`, `wall`
    /// (value = tariff), `gdp` (value = factor) or `lock`.
    pub fn shock(&mut self, country: u32, kind: &str, value: f64) -> Result<(), JsError> {
        let shock = match kind {
            "exit_m" => Shock::ExitM,
            "wall" => Shock::TariffWall(value),
            "gdp" => Shock::GdpShift(value),
            "lock" => Shock::Lock,
            other => {
                return Err(JsError::new(&format!(
                    "no shock `{other}` (allowed: exit_m, wall, gdp, lock)"
                )));
            }
        };
        self.session
            .shock(country, shock)
            .map_err(|e| JsError::new(&e))
    }

    /// Shocks added on the page, one RON event each (JSON list of strings).
    pub fn shocks(&self) -> String {
        let list: Vec<String> = self
            .session
            .added_shocks()
            .iter()
            .map(|e| {
                blocs_core::config::ron_options()
                    .to_string(e)
                    .expect("events serialise")
            })
            .collect();
        json(&list)
    }

    /// Removes the shocks added on the page and restarts the world.
    pub fn clear_shocks(&mut self) -> Result<(), JsError> {
        self.session.clear_shocks().map_err(|e| JsError::new(&e))
    }

    /// The scenario as a RON file that `blocs run` reproduces.
    pub fn export_ron(&self) -> String {
        self.session.export_ron()
    }

    /// A country's name, memberships and payoff terms (JSON, `null` for no such country).
    pub fn country(&self, i: u32) -> String {
        json(&self.session.country(i))
    }

    /// This world's rows of `events.csv` as `blocs run` writes them (no header).
    pub fn events_csv(&self) -> String {
        self.session.events_csv_rows().join("\n")
    }

    /// This world's row of `summary.csv` once it has stopped, else empty.
    pub fn summary_csv(&self) -> String {
        self.session.summary_csv_row().unwrap_or_default()
    }
}
