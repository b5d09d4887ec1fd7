//! The module's part for a deployment on several hosts: the machines and their roles (defaults of
//! `services.<app>.hosts`), the processes the edge proxies to, and which roles decrypt each
//! secret. `None` for a description on one machine, whose module has none of it.
//!
//! May call: `model` (read only).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Cluster, DATABASE_PASSWORD, Listen, Model, REDIS_PASSWORD, decrypted_by};

#[derive(Debug, Serialize)]
pub(super) struct ClusterCtx {
    hosts: Vec<HostCtx>,
    /// Processes the edge proxies to: on each app host they listen on its private address.
    routed: Vec<String>,
    /// The roles whose hosts decrypt each secret (`age.secrets` is declared there only).
    secret_roles: BTreeMap<String, Vec<&'static str>>,
    /// The secret holding the database role's password (when there is PostgreSQL).
    database_password: Option<&'static str>,
    /// The secret holding the Redis password (when there is Redis).
    redis_password: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct HostCtx {
    name: String,
    roles: Vec<&'static str>,
    address: String,
    interface: Option<String>,
}

pub(super) fn context(m: &Model) -> Option<ClusterCtx> {
    let cluster: &Cluster = m.cluster.as_ref()?;
    let hosts = cluster
        .hosts
        .iter()
        .map(|h| HostCtx {
            name: h.name.clone(),
            roles: h.roles.iter().map(|r| r.as_str()).collect(),
            address: h.address.clone(),
            interface: h.interface.clone(),
        })
        .collect();
    let mut routed: Vec<String> = m
        .routed_processes()
        .filter(|p| matches!(p.listen, Some(Listen::Tcp { .. })))
        .map(|p| p.name.clone())
        .collect();
    routed.sort();
    let secret_roles = m
        .secrets
        .iter()
        .map(|s| {
            let roles = decrypted_by(s).iter().map(|r| r.as_str()).collect();
            (s.name.clone(), roles)
        })
        .collect();
    let has = |name: &str| m.secrets.iter().any(|s| s.name == name);
    Some(ClusterCtx {
        hosts,
        routed,
        secret_roles,
        database_password: has(DATABASE_PASSWORD).then_some(DATABASE_PASSWORD),
        redis_password: has(REDIS_PASSWORD).then_some(REDIS_PASSWORD),
    })
}
