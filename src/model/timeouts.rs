//! Timeouts that agree: how long nginx waits for a process (`proxy_read_timeout` of a site or a
//! route) and how long the process's server lets a request run before it ends it (gunicorn's
//! `--timeout` for its sync and threaded workers, 30 s by default; uWSGI's harakiri; daphne's
//! HTTP timeout). A request between the two gets nginx's 502 instead of the app's answer.
//!
//! One setting drives both: a process without `timeout` behind a longer `proxy_read_timeout`
//! gets that timeout, and routes without `proxy_read_timeout` to a process with `timeout` get
//! it. When both are set and the server would end requests nginx still waits for, `check` says
//! which one wins.
//!
//! May call [`super::check`]; reads the processes and sites built before it and changes their
//! timeouts.

use super::check::Checker;
use super::processes::{Process, Server};
use super::servers::WorkerClass;
use super::sites::{RouteTarget, Site};
use crate::description::{self as d, Sp};

/// gunicorn's default `--timeout`.
const GUNICORN_DEFAULT: u32 = 30;

/// The timeout a server ends requests after, and its default when it has one: `None` when the
/// server ends no request (uvicorn, granian, hypercorn, gunicorn's cooperative workers) or
/// `timeout` means something else there.
fn ends_requests(p: &Process) -> Option<Option<u32>> {
    match &p.server {
        Server::Gunicorn { .. } if p.worker_class.is_some_and(WorkerClass::kills_slow_requests) => {
            Some(Some(GUNICORN_DEFAULT))
        }
        Server::Uwsgi { .. } | Server::Daphne { .. } => Some(None),
        _ => None,
    }
}

/// The seconds of an nginx duration `check` accepted (`300s`, `5m`, `1h`, `1d`, `60`, `500ms`),
/// rounded up.
pub(super) fn seconds(duration: &str) -> Option<u32> {
    let digits = duration.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let n: u64 = digits.parse().ok()?;
    let total = match &duration[digits.len()..] {
        "" | "s" => n,
        "ms" => n.div_ceil(1000),
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    u32::try_from(total).ok()
}

/// A `proxy_read_timeout` written in the description for a route to a process: its value in
/// seconds and where it stands.
struct Wait {
    process: String,
    seconds: u32,
    at: Sp<String>,
}

/// The `proxy_read_timeout` each process route waits, where one is written (on the route, else
/// on its site).
fn waits(desc: &d::Description) -> Vec<Wait> {
    let mut out = Vec::new();
    for s in desc.sites.values() {
        for r in s.routes.values() {
            let (process, own) = match &**r {
                d::Route::Process(p) => (p.clone(), None),
                d::Route::Table(t) => match &t.process {
                    Some(p) => (p.to_string(), t.proxy_read_timeout.as_ref()),
                    None => continue,
                },
            };
            if let Some(at) = own.or(s.proxy_read_timeout.as_ref())
                && let Some(seconds) = seconds(at)
            {
                out.push(Wait {
                    process,
                    seconds,
                    at: at.clone(),
                });
            }
        }
    }
    out
}

/// Make the processes' request timeouts and nginx's waits agree (see the module comment).
pub(super) fn agree(
    c: &mut Checker,
    desc: &d::Description,
    processes: &mut [Process],
    sites: &mut [Site],
) {
    let waits = waits(desc);
    for p in processes.iter_mut() {
        let Some(default) = ends_requests(p) else {
            continue;
        };
        let longest = waits
            .iter()
            .filter(|w| w.process == p.name)
            .max_by_key(|w| w.seconds);
        match (p.timeout, longest) {
            (Some(t), Some(w)) if w.seconds > t => {
                c.err(
                    w.at.span(),
                    format!(
                        "nginx waits {}s for `{}`, but {} ends a request after {t}s (its `timeout`): requests in between get 502",
                        w.seconds,
                        p.name,
                        p.server.name()
                    ),
                    format!(
                        "the shorter one wins: set `timeout = {}` on the process, or lower `proxy_read_timeout` to {t}s (a process's `timeout` alone sets nginx's wait too)",
                        w.seconds
                    ),
                );
            }
            (Some(t), _) => {
                // nginx waits as long as the server lets a request run, on the routes that say
                // nothing themselves.
                for s in sites.iter_mut().filter(|s| s.proxy_read_timeout.is_none()) {
                    for r in s.routes.iter_mut().filter(|r| {
                        r.proxy_read_timeout.is_none()
                            && matches!(&r.target, RouteTarget::Process(n) if *n == p.name)
                    }) {
                        r.proxy_read_timeout = Some(format!("{t}s"));
                    }
                }
            }
            (None, Some(w)) if default.is_some_and(|d| w.seconds > d) => {
                p.timeout = Some(w.seconds);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_durations_in_seconds() {
        assert_eq!(seconds("300s"), Some(300));
        assert_eq!(seconds("5m"), Some(300));
        assert_eq!(seconds("1h"), Some(3600));
        assert_eq!(seconds("60"), Some(60));
        assert_eq!(seconds("1500ms"), Some(2));
        assert_eq!(seconds("2d"), Some(172_800));
        assert_eq!(seconds("x"), None);
    }
}
