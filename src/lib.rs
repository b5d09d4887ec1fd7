//! app2nix: a short description of a web application in, a NixOS module (and its nginx, ACME,
//! agenix, database and backup wiring) out.
//!
//! The pipeline, one module per step:
//! [`description`] (serde) → [`model`] (validation) → [`render`] (typed context and embedded
//! templates) → [`nix`] (escaping, rnix parse check) → [`output`] (header, drift check, atomic
//! write). [`cli`] drives it.

pub mod calendar;
pub mod cli;
pub mod commands;
pub mod description;
pub mod diagnostic;
pub mod draft;
pub mod generate;
pub mod import;
pub mod init;
pub mod input;
pub mod lockfiles;
pub mod model;
pub mod nix;
pub mod nixpkgs;
pub mod output;
pub mod placeholders;
pub mod python_version;
pub mod render;
pub mod secrets;
pub mod shell;

pub use cli::run;
