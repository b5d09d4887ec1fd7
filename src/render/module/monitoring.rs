//! The module's monitoring part: the failure notifier every unit of the app reports to
//! (`[alerts]`), nginx's exporter and the app's metrics endpoint (`[metrics]`), and the public
//! paths the sites refuse because they would reach that endpoint.
//!
//! May call: `model` (read only).

use serde::Serialize;

use crate::model::{Listen, Model};

/// The notifier's template unit, `<app>-notify-failed@.service`, without `@`.
const NOTIFIER: &str = "notify-failed";

#[derive(Debug, Serialize)]
pub(super) struct MonitoringCtx {
    alerts: Option<AlertsCtx>,
    metrics: Option<MetricsCtx>,
}

impl MonitoringCtx {
    /// The scrape endpoint proxies to a process over TCP (`hostPort`).
    pub(super) fn needs_host_port(&self) -> bool {
        self.metrics
            .as_ref()
            .and_then(|m| m.endpoint.as_ref())
            .is_some_and(|e| e.port.is_some() && !e.unix)
    }
}

#[derive(Debug, Serialize)]
struct AlertsCtx {
    /// `<app>-notify-failed`.
    notifier: String,
    email: Vec<String>,
    from: Option<String>,
    smtp: Option<SmtpCtx>,
    /// The secret holding the webhook's URL.
    webhook: Option<String>,
    lines: u32,
    /// The secrets the notifier reads as credentials.
    secrets: Vec<String>,
}

#[derive(Debug, Serialize)]
struct SmtpCtx {
    host: String,
    port: u16,
    user: Option<String>,
    password: Option<String>,
}

#[derive(Debug, Serialize)]
struct MetricsCtx {
    nginx_exporter: bool,
    /// Something listens for the scraper (the exporter, or nginx on the metrics port).
    listens: bool,
    scraper: String,
    listen: Option<String>,
    endpoint: Option<EndpointCtx>,
    /// Per site, the public paths that would reach the endpoint.
    refused: Vec<RefusedCtx>,
}

#[derive(Debug, Serialize)]
struct EndpointCtx {
    path: String,
    process: String,
    port: Option<u16>,
    unix: bool,
}

#[derive(Debug, Serialize)]
struct RefusedCtx {
    site: String,
    redirect_www: bool,
    /// Exact nginx locations (`= /metrics`).
    locations: Vec<String>,
}

pub(super) fn context(m: &Model) -> MonitoringCtx {
    MonitoringCtx {
        alerts: m.alerts.as_ref().map(|a| AlertsCtx {
            notifier: m.prefixed(NOTIFIER),
            email: a.email.clone(),
            from: a.from.clone(),
            smtp: a.smtp.as_ref().map(|s| SmtpCtx {
                host: s.host.clone(),
                port: s.port,
                user: s.user.clone(),
                password: s.password.clone(),
            }),
            webhook: a.webhook.clone(),
            lines: a.lines,
            secrets: a.secrets(),
        }),
        metrics: m.metrics.as_ref().map(|x| MetricsCtx {
            nginx_exporter: x.nginx_exporter,
            listens: x.nginx_exporter || x.endpoint.as_ref().is_some_and(|e| e.port.is_some()),
            scraper: x.scraper.clone(),
            listen: x.listen.clone(),
            endpoint: x.endpoint.as_ref().map(|e| EndpointCtx {
                path: e.path.clone(),
                process: e.process.clone(),
                port: e.port,
                unix: m
                    .processes
                    .iter()
                    .any(|p| p.name == e.process && p.listen == Some(Listen::Unix)),
            }),
            refused: refused(m),
        }),
    }
}

/// For every site, the exact locations that refuse the metrics endpoint (see
/// [`crate::model::Metrics::refused_paths`]).
fn refused(m: &Model) -> Vec<RefusedCtx> {
    let Some(x) = &m.metrics else {
        return Vec::new();
    };
    m.sites
        .iter()
        .filter_map(|s| {
            let paths = x.refused_paths(s);
            (!paths.is_empty()).then(|| RefusedCtx {
                site: s.name.clone(),
                redirect_www: s.redirect_www,
                locations: paths.iter().map(|p| format!("= {p}")).collect(),
            })
        })
        .collect()
}
