//! `secrets/secrets.nix`: the agenix recipients of every encrypted secret, written with the
//! `.age` files so that `agenix -e` works where they are.
//!
//! May call: `model` (read only) and the template environment of [`super`].

use std::collections::BTreeMap;

use minijinja::Error;
use minijinja::value::Value;
use serde::Serialize;

use super::{environment, header};
use crate::model::{Cluster, Model};

/// The context of `secrets.nix` (agenix recipients).
#[derive(Debug, Serialize)]
pub struct SecretsContext {
    header: String,
    host_keys: Vec<String>,
    admin_keys: Vec<String>,
    files: Vec<String>,
    /// On several hosts: each host's key by name, and which hosts decrypt each file.
    cluster: Option<ClusterRecipients>,
}

/// The recipients on several hosts: a secret is encrypted to the hosts that use it only.
#[derive(Debug, Serialize)]
struct ClusterRecipients {
    host_keys: BTreeMap<String, String>,
    /// `(file, hosts)`, in the order of `files`.
    readers: Vec<(String, Vec<String>)>,
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
        cluster: m.cluster.as_ref().map(|c| cluster_recipients(m, c)),
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

/// Each secret's hosts: the ones whose roles decrypt it (the module declares it there only).
fn cluster_recipients(m: &Model, c: &Cluster) -> ClusterRecipients {
    ClusterRecipients {
        // Only the hosts that decrypt something: an edge without ACME credentials needs no key.
        host_keys: c
            .hosts
            .iter()
            .filter(|h| m.secrets.iter().any(|s| h.decrypts(s)))
            .filter_map(|h| Some((h.name.clone(), h.host_key.clone()?)))
            .collect(),
        readers: m
            .secrets
            .iter()
            .map(|s| {
                let hosts = c
                    .hosts
                    .iter()
                    .filter(|h| h.host_key.is_some() && h.decrypts(s))
                    .map(|h| h.name.clone())
                    .collect();
                (format!("{}.age", m.prefixed(&s.name)), hosts)
            })
            .collect(),
    }
}
