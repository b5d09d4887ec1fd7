//! The VM test's monitoring: the client runs an alert sink (a webhook and SMTP server) that
//! the notifier reports to, a unit of the app is made to fail and the test reads what arrived;
//! nginx's exporter answers with nginx's metrics, and the app's metrics answer the scraper alone.
//!
//! May call: `model` (read only).

use serde::Serialize;

use super::secrets::test_value;
use crate::model::{Listen, Model, Role};

/// The name the machines reach the alert sink by (the client, in the test network).
pub(super) const ALERT_HOST: &str = "alerts.test";
/// The sink's ports: webhook (HTTP), plain SMTP (the host's sendmail), SMTP over TLS.
const WEBHOOK_PORT: u16 = 8025;
const SMTP_PORT: u16 = 2525;
const SMTPS_PORT: u16 = 465;

/// The monitoring part of the VM test's context (flattened into it).
#[derive(Debug, Serialize)]
pub(super) struct MonitoringTests {
    alerts: Option<AlertsTest>,
    metrics: Option<MetricsTest>,
}

#[derive(Debug, Serialize)]
struct AlertsTest {
    /// `<app>-notify-failed`.
    notifier: String,
    /// E-mails go through the host's sendmail (msmtp in the test, to the sink).
    sendmail: bool,
    /// E-mails go through the SMTP relay (the sink, over TLS): the login the sink must see.
    smtp_login: Option<String>,
    smtp: bool,
    webhook: bool,
    /// The path of the webhook's test URL (a secret), which the sink must see.
    webhook_path: Option<String>,
    recipients: Vec<String>,
    /// Per machine, the units that report their failures and the one the test makes fail.
    machines: Vec<ReportingMachine>,
    /// The sink's ports.
    ports: Vec<u16>,
    smtps_port: u16,
    smtp_port: u16,
    /// The rate limit the notifier's instances carry (the module's defaults).
    burst: u32,
}

#[derive(Debug, Serialize)]
struct ReportingMachine {
    machine: String,
    units: Vec<String>,
    failing: String,
}

#[derive(Debug, Serialize)]
struct MetricsTest {
    /// The machine running nginx (and its exporter).
    edge: String,
    exporter: bool,
    /// The scraper is another machine: the test makes the client the scraper.
    remote: bool,
    /// The app's metrics endpoint as the scraper reaches it.
    endpoint: Option<EndpointTest>,
    /// Per site, its base URL, TLS and the public paths it must refuse.
    refused: Vec<RefusedTest>,
}

#[derive(Debug, Serialize)]
struct EndpointTest {
    /// The URL, asked of the machine itself (local scraper) or from the client.
    url: String,
    /// For a remote scraper: the same endpoint asked from the machine itself, which is no scraper.
    denied_url: Option<String>,
}

#[derive(Debug, Serialize)]
struct RefusedTest {
    base: String,
    tls: String,
    paths: Vec<String>,
}

/// The test value of a secret: the webhook's is the sink's URL (with the test value in its
/// path), the others are [`test_value`].
pub(super) fn secret_test_value(m: &Model, secret: &str) -> String {
    let value = test_value(&m.name, secret);
    match &m.alerts {
        Some(a) if a.webhook.as_deref() == Some(secret) => {
            format!("http://{ALERT_HOST}:{WEBHOOK_PORT}/{value}")
        }
        _ => value,
    }
}

pub(super) fn tests(m: &Model, sites: &[super::sites::SiteTest]) -> MonitoringTests {
    MonitoringTests {
        alerts: alerts(m),
        metrics: metrics(m, sites),
    }
}

fn alerts(m: &Model) -> Option<AlertsTest> {
    let a = m.alerts.as_ref()?;
    let smtp = a.smtp.as_ref();
    let mut ports = vec![WEBHOOK_PORT];
    if !a.email.is_empty() {
        ports.push(if smtp.is_some() {
            SMTPS_PORT
        } else {
            SMTP_PORT
        });
    }
    Some(AlertsTest {
        notifier: m.prefixed("notify-failed"),
        sendmail: !a.email.is_empty() && smtp.is_none(),
        smtp: smtp.is_some(),
        smtp_login: smtp.and_then(|s| {
            let user = s.user.as_ref()?;
            let password = s.password.as_ref()?;
            Some(format!("{user}:{}", test_value(&m.name, password)))
        }),
        webhook: a.webhook.is_some(),
        webhook_path: a
            .webhook
            .as_ref()
            .map(|w| format!("/{}", test_value(&m.name, w))),
        recipients: a.email.clone(),
        machines: reporting(m),
        ports,
        smtps_port: SMTPS_PORT,
        smtp_port: SMTP_PORT,
        burst: 5,
    })
}

/// Which units report on which machine, and the one made to fail there: a scheduled task
/// (nothing waits for it), else the last task, else the first process (never a task run once). On several hosts: the
/// tasks host and the app hosts, each failing one of its own units.
fn reporting(m: &Model) -> Vec<ReportingMachine> {
    let unit = |name: &str| format!("{}.service", m.prefixed(name));
    let processes: Vec<String> = m.processes.iter().map(|p| unit(&p.name)).collect();
    let tasks: Vec<String> = m.tasks.iter().map(|t| unit(&t.name)).collect();
    // A task run once per machine is skipped once it ran: it cannot be made to fail again.
    let failing_task = m
        .tasks
        .iter()
        .find(|t| t.schedule.is_some() && t.once.is_none())
        .or_else(|| m.tasks.iter().rev().find(|t| t.once.is_none()))
        .map(|t| unit(&t.name));
    let backups: Vec<String> = m
        .restic
        .iter()
        .map(|_| format!("restic-backups-{}.service", m.name))
        .chain(
            (m.postgresql_backup.is_some()
                && matches!(m.database, Some(crate::model::Database::Postgresql { .. })))
            .then(|| format!("postgresqlBackup-{}.service", m.user)),
        )
        .collect();
    let Some(c) = &m.cluster else {
        let failing = failing_task.or_else(|| processes.first().cloned());
        return failing
            .map(|failing| ReportingMachine {
                machine: "server".into(),
                units: [processes.clone(), tasks, backups].concat(),
                failing,
            })
            .into_iter()
            .collect();
    };
    c.hosts
        .iter()
        .filter_map(|h| {
            let mut units = Vec::new();
            if h.has(Role::App) {
                units.extend(processes.iter().cloned());
            }
            if h.has(Role::Tasks) {
                units.extend(tasks.iter().cloned());
            }
            let failing = if h.has(Role::Tasks) {
                failing_task.clone()
            } else if h.has(Role::App) {
                processes.first().cloned()
            } else {
                None
            }?;
            Some(ReportingMachine {
                machine: h.name.clone(),
                units,
                failing,
            })
        })
        .collect()
}

fn metrics(m: &Model, sites: &[super::sites::SiteTest]) -> Option<MetricsTest> {
    let x = m.metrics.as_ref()?;
    let edge = m
        .cluster
        .as_ref()
        .and_then(|c| c.with(Role::Edge).next())
        .map_or_else(|| "server".to_string(), |h| h.name.clone());
    let remote = !x.local_scraper();
    let endpoint = x.endpoint.as_ref().and_then(|e| {
        // On several hosts the scraper reaches the app hosts' processes on the private network,
        // which the client is not on: the test checks the public site's refusal only.
        if m.cluster.is_some() {
            return None;
        }
        if let Some(port) = e.port {
            let local = format!("http://127.0.0.1:{port}{}", e.path);
            return Some(if remote {
                EndpointTest {
                    url: format!("http://server:{port}{}", e.path),
                    denied_url: Some(local),
                }
            } else {
                EndpointTest {
                    url: local,
                    denied_url: None,
                }
            });
        }
        let p = m.processes.iter().find(|p| p.name == e.process)?;
        let Some(Listen::Tcp { host, port }) = &p.listen else {
            return None;
        };
        let host = match host.as_str() {
            "0.0.0.0" => "127.0.0.1".to_string(),
            "::" => "[::1]".to_string(),
            h if h.contains(':') => format!("[{h}]"),
            h => h.to_string(),
        };
        Some(EndpointTest {
            url: format!("http://{host}:{port}{}", e.path),
            denied_url: None,
        })
    });
    let refused = m
        .sites
        .iter()
        .zip(sites)
        .filter_map(|(site, test)| {
            let paths = x.refused_paths(site);
            let scheme = if test.tls() == "none" {
                "http"
            } else {
                "https"
            };
            (!paths.is_empty()).then(|| RefusedTest {
                base: format!("{scheme}://{}", test.first_domain()),
                tls: test.tls().to_string(),
                paths,
            })
        })
        .collect();
    Some(MetricsTest {
        edge,
        exporter: x.nginx_exporter,
        remote,
        endpoint,
        refused,
    })
}
