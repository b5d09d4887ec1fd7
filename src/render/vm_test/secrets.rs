//! The VM test's secrets: test-only values (encrypted when the test is built), who must own
//! each decrypted file, and which units receive them.
//!
//! May call: `model` (read only).

use std::collections::BTreeMap;

use serde::Serialize;

use super::monitoring::secret_test_value;
use crate::model::{Delivery, Model};

/// The secrets' part of the VM test's context (flattened into it).
#[derive(Debug, Serialize)]
pub(super) struct SecretTests {
    secrets: Vec<SecretTest>,
    /// Secret name → test value.
    secret_values: BTreeMap<String, String>,
    /// `[path, "owner mode"]` of every decrypted secret.
    secret_owners: Vec<(String, String)>,
    /// Units whose main process receives the app's secrets.
    secret_units: Vec<String>,
    env_secrets: Vec<String>,
    file_secrets: Vec<String>,
    /// Variables of optional secrets the test does not provide: absent from the processes.
    absent_secrets: Vec<String>,
}

#[derive(Debug, Serialize)]
struct SecretTest {
    age: String,
    value: String,
}

/// A test value for a secret: recognisable in logs, test-only, different per secret.
pub(super) fn test_value(app: &str, secret: &str) -> String {
    format!("app2nix-vm-test-{app}-{secret}-value")
}

pub(super) fn tests(m: &Model) -> SecretTests {
    // An optional secret without an encrypted file is not provided in the test: the units must
    // start without it.
    let provided: Vec<&crate::model::Secret> = m.secrets.iter().filter(|s| s.agenix()).collect();
    let named = |d: Delivery| -> Vec<String> {
        provided
            .iter()
            .filter(|s| s.delivery == d)
            .map(|s| s.name.clone())
            .collect()
    };
    let (env_secrets, file_secrets) = (named(Delivery::Env), named(Delivery::File));
    SecretTests {
        secrets: provided
            .iter()
            .map(|s| SecretTest {
                age: m.prefixed(&s.name),
                value: secret_test_value(m, &s.name),
            })
            .collect(),
        secret_values: provided
            .iter()
            .map(|s| (s.name.clone(), secret_test_value(m, &s.name)))
            .collect(),
        absent_secrets: m
            .secrets
            .iter()
            .filter(|s| !s.agenix() && s.delivery != Delivery::Acme)
            .map(|s| match s.delivery {
                Delivery::File => format!("{}_FILE", s.name),
                _ => s.name.clone(),
            })
            .collect(),
        secret_owners: provided
            .iter()
            .map(|s| {
                (
                    format!("/run/agenix/{}", m.prefixed(&s.name)),
                    format!("{} 400", m.secret_owner(s)),
                )
            })
            .collect(),
        secret_units: if env_secrets.is_empty()
            && file_secrets.is_empty()
            && m.secrets.iter().all(|s| s.agenix())
        {
            Vec::new()
        } else {
            m.processes
                .iter()
                .map(|p| format!("{}.service", m.prefixed(&p.name)))
                .collect()
        },
        env_secrets,
        file_secrets,
    }
}
