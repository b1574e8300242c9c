//! blocs: an agent-based model of regionalism and multilateralism — the shell.
//!
//! Countries join and leave regional agreements and a multilateral institution by payoff
//! rules. The model itself is the `blocs_core` crate, re-exported here under its module
//! names (`blocs::config`, `blocs::scheduler`, …); this crate runs many worlds in parallel,
//! runs sweeps and the seed-text and docking experiments, and writes result files and
//! figures. See `ARCHITECTURE.md` for the map of the code and `ODD.md` for the model.

#![deny(missing_docs)]

// The model core, under the names the shell, tests and benches have always used.
pub use blocs_core::{
    calibrate, config, math, metrics, model, payoff, rng, scheduler, setup, trade, world2025,
};

pub mod docking;
pub mod input;
pub mod output;
pub mod plot;
pub mod reproduce;
pub mod runner;
pub mod schema;
pub mod sweep;
