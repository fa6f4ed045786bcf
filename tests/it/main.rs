//! The integration test binary: one binary, one module per area, to keep link time down.

mod best_available;
mod blockbuster;
mod booking;
mod catalog;
mod hostile;
mod inventory;
mod inventory_model;
mod inventory_stress;
mod pricing;
mod repo_contract;
mod scale_out;
mod simulation;
mod store_contract;
mod wrapped_store;
