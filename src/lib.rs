//! blocs: an agent-based model of regionalism and multilateralism.
//!
//! Countries join and leave regional agreements and a multilateral institution by payoff
//! rules; a seeded scheduler runs many worlds in parallel; the outcome of each world is
//! classified as a networked order, rival blocs, and so on. See `ARCHITECTURE.md` for the
//! map of the code and `ODD.md` for the model.

#![deny(missing_docs)]

pub mod build;
pub mod calibrate;
pub mod cli;
pub mod config;
pub mod docking;
pub mod math;
pub mod metrics;
pub mod model;
pub mod output;
pub mod payoff;
pub mod plot;
pub mod reproduce;
pub mod rng;
pub mod runner;
pub mod scheduler;
pub mod sweep;
pub mod world2025;
