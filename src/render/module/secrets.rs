//! The module's secrets part: which secrets exist, how each is delivered (environment
//! variable, `<NAME>_FILE`, ACME credentials, the failure notifier's), and where their
//! encrypted files are.
//!
//! May call: `model` (read only).

use serde::Serialize;

use crate::model::{Delivery, Model};
use crate::render::Layout;

#[derive(Debug, Serialize)]
pub(super) struct SecretsCtx {
    env_secrets: Vec<String>,
    file_secrets: Vec<String>,
    secrets: Vec<String>,
    /// Secrets agenix may decrypt (all but optional ones without an encrypted file).
    agenix_secrets: Vec<String>,
    /// Optional secrets without an encrypted file: delivered only when `secretFiles` names one.
    optional_secrets: Vec<String>,
    /// The secrets directory, relative to the module.
    secrets_dir: String,
    /// The secrets directory as the user knows it (relative to the description).
    secrets_dir_shown: String,
    /// Secrets the app's units receive (all but the ACME client's and the notifier's).
    app_secrets: Vec<String>,
    acme_secrets: Vec<String>,
    /// Secrets the failure notifier reads (as root's credentials).
    alert_secrets: Vec<String>,
}

pub(super) fn context(m: &Model, layout: &Layout) -> SecretsCtx {
    let of = |d: Delivery| {
        m.secrets
            .iter()
            .filter(|s| s.delivery == d)
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    };
    SecretsCtx {
        env_secrets: of(Delivery::Env),
        file_secrets: of(Delivery::File),
        secrets: m.secrets.iter().map(|s| s.name.clone()).collect(),
        agenix_secrets: m
            .secrets
            .iter()
            .filter(|s| s.agenix())
            .map(|s| s.name.clone())
            .collect(),
        optional_secrets: m
            .secrets
            .iter()
            .filter(|s| !s.agenix())
            .map(|s| s.name.clone())
            .collect(),
        secrets_dir: format!("{}{}", layout.to_project, m.secrets_dir),
        secrets_dir_shown: m.secrets_dir.clone(),
        app_secrets: m
            .secrets
            .iter()
            .filter(|s| matches!(s.delivery, Delivery::Env | Delivery::File))
            .map(|s| s.name.clone())
            .collect(),
        acme_secrets: of(Delivery::Acme),
        alert_secrets: of(Delivery::Alerts),
    }
}
