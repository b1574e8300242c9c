//! blocs-core: the model core of blocs, with no IO.
//!
//! A world, its random stream, its setup at tick 0, the trade models and the payoff
//! engine, the scheduler that steps it, the metrics that observe it, and the scenario
//! format that describes it. Nothing here reads or writes files, prints, spawns threads
//! or reads the clock, so the crate builds for `wasm32-unknown-unknown`; the `blocs`
//! crate is the shell around it (runner, sweeps, output files, plots, command line).
//! See `ARCHITECTURE.md` for the map of the code and `ODD.md` for the model.

#![deny(missing_docs)]

pub mod calibrate;
pub mod config;
pub mod math;
pub mod metrics;
pub mod model;
pub mod names;
pub mod payoff;
pub mod rng;
pub mod scheduler;
pub mod setup;
pub mod trade;
pub mod world2025;
