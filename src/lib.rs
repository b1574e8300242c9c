//! blocs: an agent-based model of regionalism and multilateralism.
//!
//! Countries join and leave regional agreements and a multilateral institution by payoff
//! rules; a seeded scheduler runs many worlds in parallel; the outcome of each world is
//! classified as a networked order, rival blocs, and so on. See `ARCHITECTURE.md` for the
//! map of the code and `ODD.md` for the model.

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
pub mod sweep;
