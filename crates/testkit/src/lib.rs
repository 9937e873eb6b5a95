//! Test and demo support: synthetic patients, the demo data set, test databases on both backends, and
//! `spawn_app` for integration tests.

pub mod demo;
#[cfg(feature = "spawn")]
pub mod spawn;
pub mod synthetic;
