//! `cargo bench`: time of the whole pipeline (read, validate, render, rnix check) on the bundled
//! examples and on a synthetic description with many processes and tasks.

use std::path::{Path, PathBuf};

fn main() {
    divan::main();
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .join("app2nix.toml")
}

/// The examples (incident-tracker reads a 17-package uv.lock and a 109-package
/// package-lock.json) and the uv workspace fixture (two members, a source build).
#[divan::bench(args = ["nanotrace", "request-tracker-utils", "incident-tracker", "uv-workspace"])]
fn examples(bencher: divan::Bencher, name: &str) {
    let file = if name == "uv-workspace" {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/uv-workspace/app2nix.toml")
    } else {
        example(name)
    };
    bencher.bench(|| {
        app2nix::generate::generate(divan::black_box(&file), None)
            .map(|f| f.len())
            .ok()
    });
}

/// A description with `n` processes, `n` tasks, `n` environment variables and `sites` sites of
/// three routes each (proxy, prefix-stripping proxy, redirect).
fn synthetic(n: usize, sites: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("app")).expect("app");
    let mut s = String::from(
        "[app]\nname = \"big\"\n\n[package.python]\nsrc = \"app\"\nversion = \"3.12\"\n\n[postgresql]\n\n[secrets]\nSECRET_KEY = \"env\"\n\n[env]\n",
    );
    for i in 0..n {
        s.push_str(&format!("VAR_{i} = \"value {i}\"\n"));
    }
    for i in 0..n {
        s.push_str(&format!(
            "\n[processes.p{i}]\nwsgi = \"app.m{i}:app\"\nlisten = \"127.0.0.1:{}\"\nworkers = 2\n",
            10_000 + i
        ));
        s.push_str(&format!(
            "\n[tasks.t{i}]\ncommand = \"echo {i}\"\nbefore = [\"p{i}\"]\n"
        ));
    }
    if sites > 0 {
        s.push_str("\n[acme]\nemail = \"ops@example.org\"\naccept_terms = true\ncertificate = \"shared\"\n");
    }
    for i in 0..sites {
        let p = i % n;
        s.push_str(&format!(
            "\n[sites.s{i}]\ndomains = [\"s{i}.example.org\", \"www.s{i}.example.org\"]\nroutes = {{ \"/\" = \"p{p}\", \"/api/\" = {{ process = \"p{p}\", strip_prefix = true }}, \"/old/\" = {{ redirect = \"https://s{i}.example.org/\" }} }}\n"
        ));
    }
    let file = dir.path().join("app2nix.toml");
    std::fs::write(&file, s).expect("write");
    (dir, file)
}

#[divan::bench(args = [10, 50, 200])]
fn processes(bencher: divan::Bencher, n: usize) {
    let (_dir, file) = synthetic(n, 0);
    assert!(app2nix::generate::generate(&file, None).is_ok());
    bencher.bench(|| {
        app2nix::generate::generate(divan::black_box(&file), None)
            .map(|f| f[0].text.len())
            .ok()
    });
}

/// 200 processes behind 50, 200 or 500 sites (1,500 routes at the top).
#[divan::bench(args = [50, 200, 500])]
fn sites(bencher: divan::Bencher, sites: usize) {
    let (_dir, file) = synthetic(200, sites);
    if let Err(e) = app2nix::generate::generate(&file, None) {
        panic!("synthetic description is invalid: {e:?}");
    }
    bencher.bench(|| {
        app2nix::generate::generate(divan::black_box(&file), None)
            .map(|f| f[0].text.len())
            .ok()
    });
}

/// The size of the hostile-input review: `n` command processes and `n` tasks that run before
/// all of them (through the setup target, so each task names one target, not every process).
/// `.ci/scale` holds the whole run of the binary at this size to ≤ 1 s and ≤ 100 MB.
fn processes_and_tasks(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("app")).expect("app");
    let mut s = String::from("[app]\nname = \"big\"\n\n[package.python]\nsrc = \"app\"\n");
    for i in 0..n {
        s.push_str(&format!(
            "\n[processes.p{i}]\ncommand = [\"run\", \"{i}\"]\n"
        ));
    }
    for i in 0..n {
        s.push_str(&format!("\n[tasks.t{i}]\ncommand = \"true\"\n"));
    }
    let file = dir.path().join("app2nix.toml");
    std::fs::write(&file, s).expect("write");
    (dir, file)
}

#[divan::bench(args = [300, 2400])]
fn processes_with_tasks(bencher: divan::Bencher, n: usize) {
    let (_dir, file) = processes_and_tasks(n);
    assert!(app2nix::generate::generate(&file, None).is_ok());
    bencher.bench(|| {
        app2nix::generate::generate(divan::black_box(&file), None)
            .map(|f| f[0].text.len())
            .ok()
    });
}
