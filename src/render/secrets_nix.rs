//! `secrets/secrets.nix`: the agenix recipients of every encrypted secret, written with the
//! `.age` files so that `agenix -e` works where they are.
//!
//! May call: `model` (read only) and the template environment of [`super`].

use minijinja::Error;
use minijinja::value::Value;
use serde::Serialize;

use super::{environment, header};
use crate::model::Model;

/// The context of `secrets.nix` (agenix recipients).
#[derive(Debug, Serialize)]
pub struct SecretsContext {
    header: String,
    host_keys: Vec<String>,
    admin_keys: Vec<String>,
    files: Vec<String>,
}

/// Render `secrets.nix` when the model has secrets and recipients.
pub fn secrets_nix(m: &Model, source_label: &str) -> Result<Option<String>, Error> {
    let Some(agenix) = &m.agenix else {
        return Ok(None);
    };
    if m.secrets.is_empty() {
        return Ok(None);
    }
    let ctx = SecretsContext {
        header: header(source_label),
        host_keys: agenix.host_keys.clone(),
        admin_keys: agenix.admin_keys.clone(),
        files: m
            .secrets
            .iter()
            .map(|s| format!("{}.age", m.prefixed(&s.name)))
            .collect(),
    };
    environment()
        .get_template("secrets.nix")?
        .render(Value::from(minijinja::value::Serde(&ctx)))
        .map(Some)
}
