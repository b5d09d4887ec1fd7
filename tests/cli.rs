//! Runs the real binary in temporary directories: exit codes, exact stderr for invalid
//! descriptions (`tests/bad-inputs/*.toml` next to `*.stderr`), generate / --check / --stdout and the
//! refusal to overwrite files app2nix did not write.
//!
//! `APP2NIX_BLESS=1 cargo test --test cli` rewrites the `.stderr` files; review the diff.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_app2nix");

/// A project directory with an `app/` source tree and, optionally, a description.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(description: &str) -> Project {
        Project::with_bytes(description.as_bytes())
    }

    fn with_bytes(description: &[u8]) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("app")).expect("mkdir app");
        std::fs::write(dir.path().join("app2nix.toml"), description).expect("write");
        Project { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run app2nix")
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const MINIMAL: &str = r#"[app]
name = "demo"

[package.python]
src = "app"
dependencies = ["flask"]

[processes.web]
wsgi = "demo.wsgi:app"
listen = "127.0.0.1:8000"
"#;

#[test]
fn every_bad_description_exits_2_with_its_exact_message() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-inputs");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/bad-inputs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 40,
        "expected the bad-input corpus, found {} cases",
        cases.len()
    );
    let bless = std::env::var_os("APP2NIX_BLESS").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let bytes = std::fs::read(case).expect("read case");
        let project = Project::with_bytes(&bytes);
        // `<case>.project/`: files the case needs in its project (a lock, a package.json).
        let files = case.with_extension("project");
        if files.is_dir() {
            copy_tree(&files, project.dir.path());
        }
        for args in [&["check"][..], &["generate", "--check"][..]] {
            let out = project.run(args);
            let expected_path = case.with_extension("stderr");
            if bless && args[0] == "check" {
                std::fs::write(&expected_path, stderr(&out)).expect("bless");
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            // Every message names the file (with a position where there is one) and says what to do.
            let clear = stderr(&out).contains("app2nix.toml") && stderr(&out).contains("help");
            if out.status.code() != Some(2)
                || stderr(&out) != expected
                || !stdout(&out).is_empty()
                || !clear
            {
                failures.push(format!(
                    "{} ({}): exit {:?}\n--- expected\n{expected}--- got\n{}",
                    case.display(),
                    args.join(" "),
                    out.status.code(),
                    stderr(&out)
                ));
            }
        }
        // Nothing may be written for an invalid description.
        let leftovers: Vec<_> = std::fs::read_dir(project.dir.path())
            .expect("ls")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .filter(|n| n != "app" && n != "app2nix.toml" && !files.join(n).exists())
            .collect();
        assert!(
            leftovers.is_empty(),
            "{}: left {leftovers:?}",
            case.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Copy the files of `from` into `to` (directories merged).
fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("ls").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

#[test]
fn secret_values_never_reach_the_terminal() {
    for case in [
        "secret-in-env",
        "secret-value-in-secrets",
        "password-in-url",
        "command-with-password",
        "env-connection-string-password",
        "restic-repository-password",
        "unquoted-secret",
        "secret-in-array",
        "secret-as-integer",
    ] {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/bad-inputs/{case}.toml")),
        )
        .expect("case");
        let out = Project::new(&text).run(&["check"]);
        let err = stderr(&out);
        for leaked in ["hunter2", "s3cr3t", "123456789"] {
            assert!(!err.contains(leaked), "{case} printed the secret: {err}");
        }
    }
}

/// The files `generate` writes for MINIMAL, in order.
const FILES: &[&str] = &[
    "demo.nix",
    "demo-package.nix",
    "demo-vm-test.nix",
    "demo-vm-test.py",
    "flake.nix",
];
const KEPT_LOCK: &str = "kept flake.lock (its pins belong to `nix flake update`)\n";

fn lines(prefix: &str, files: &[&str]) -> String {
    files.iter().map(|f| format!("{prefix}{f}\n")).collect()
}

#[test]
fn generate_writes_checks_and_refuses_to_clobber() {
    let p = Project::new(MINIMAL);
    let out = p.run(&["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), lines("wrote ", FILES) + "wrote flake.lock\n");
    let module = std::fs::read_to_string(p.path("demo.nix")).expect("module");
    assert!(module.starts_with("# Generated by app2nix from app2nix.toml."));
    let lock = std::fs::read_to_string(p.path("flake.lock")).expect("lock");
    assert!(
        lock.contains("\"nixpkgs\"") && !lock.contains("agenix"),
        "{lock}"
    );

    let again = p.run(&["generate"]);
    assert_eq!(stdout(&again), lines("unchanged ", FILES) + KEPT_LOCK);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(p.path("demo.nix")).expect("module"),
        module,
        "same input, same bytes"
    );

    let fresh = p.run(&["generate", "--check"]);
    assert_eq!(
        (fresh.status.code(), stdout(&fresh)),
        (Some(0), lines("up to date: ", FILES) + KEPT_LOCK)
    );

    // flake.lock belongs to `nix flake update` once it exists.
    std::fs::write(p.path("flake.lock"), "{ \"updated\": true }\n").expect("update lock");
    std::fs::write(p.path("app2nix.toml"), MINIMAL.replace("8000", "8001")).expect("edit");
    let drift = p.run(&["generate", "--check"]);
    assert_eq!(drift.status.code(), Some(1));
    assert_eq!(
        stdout(&drift),
        // Every file carries the description's generation, so every file is out of date.
        "out of date: demo.nix\nout of date: demo-package.nix\nout of date: demo-vm-test.nix\nout of date: demo-vm-test.py\nout of date: flake.nix\n".to_string()
            + KEPT_LOCK
            + "run `app2nix generate` to update the generated files\n"
    );
    assert_eq!(
        std::fs::read_to_string(p.path("demo.nix")).expect("module"),
        module,
        "--check writes nothing"
    );
    let updated = p.run(&["generate"]);
    assert_eq!(updated.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(p.path("flake.lock")).expect("lock"),
        "{ \"updated\": true }\n",
        "an existing flake.lock is never rewritten"
    );

    std::fs::write(p.path("demo.nix"), "{ handWritten = true; }\n").expect("hand-written");
    let refused = p.run(&["generate"]);
    assert_eq!(refused.status.code(), Some(3));
    assert_eq!(
        stderr(&refused),
        "error: refusing to overwrite demo.nix: it was not generated by app2nix (its first line does not start with `# Generated by app2nix`)\nhelp: move it away, or choose another directory with --out\n"
    );
    assert_eq!(
        std::fs::read_to_string(p.path("demo.nix")).expect("kept"),
        "{ handWritten = true; }\n"
    );
}

/// A regression: runs killed between their renames left a module and a VM test from different
/// descriptions, and nothing told. Every file carries its generation; `--check` names a mix.
#[test]
fn files_of_different_generations_are_reported() {
    let p = Project::new(MINIMAL);
    assert_eq!(p.run(&["generate"]).status.code(), Some(0));
    let stamp = |file: &str| {
        std::fs::read_to_string(p.path(file))
            .expect("read")
            .lines()
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    assert!(stamp("demo.nix").starts_with("# app2nix generation "));
    for f in FILES {
        assert_eq!(stamp(f), stamp("demo.nix"), "{f}: one run, one generation");
    }
    // As a run killed after renaming the module and its package: only they are new.
    std::fs::write(p.path("app2nix.toml"), MINIMAL.replace("8000", "8001")).expect("edit");
    assert_eq!(p.run(&["generate", "--module-only"]).status.code(), Some(0));
    assert_ne!(stamp("demo.nix"), stamp("demo-vm-test.nix"));
    let check = p.run(&["generate", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    let new = stamp("demo.nix").replace("# app2nix generation ", "");
    let old = stamp("flake.nix").replace("# app2nix generation ", "");
    assert!(
        stdout(&check).starts_with(&format!(
            "the generated files are of different generations: demo.nix ({new}), demo-package.nix ({new}), demo-vm-test.nix ({old}), demo-vm-test.py ({old}), flake.nix ({old}): an earlier `app2nix generate` was interrupted, or these files come from different descriptions\n"
        )),
        "{}",
        stdout(&check)
    );
    let repair = p.run(&["generate"]);
    assert!(stdout(&repair).contains("all are written again from this description"));
    assert_eq!(p.run(&["generate", "--check"]).status.code(), Some(0));
    for f in FILES {
        assert_eq!(stamp(f), stamp("demo.nix"), "{f}: repaired");
    }
    // The generation follows what is generated, not how the description is written: a comment
    // or Windows line endings change nothing (the review found every file "out of date").
    let text = std::fs::read_to_string(p.path("app2nix.toml")).expect("read");
    let edited = format!("# a comment\n{}", text.replace('\n', "\r\n"));
    std::fs::write(p.path("app2nix.toml"), edited).expect("edit");
    let check = p.run(&["generate", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
}

#[test]
fn module_only_writes_no_flake() {
    let p = Project::new(MINIMAL);
    let out = p.run(&["generate", "--module-only"]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (
            Some(0),
            "wrote demo.nix\nwrote demo-package.nix\n".to_string()
        ),
        "{}",
        stderr(&out)
    );
    assert!(!p.path("flake.nix").exists() && !p.path("flake.lock").exists());
}

#[test]
fn stdout_and_out_dir() {
    let p = Project::new(MINIMAL);
    let out = p.run(&["generate", "--stdout"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("services.demo"));
    assert!(!p.path("demo.nix").exists());

    // --out writes there and nowhere else (a regression: it used to rewrite the project's
    // flake.nix to point at the new directory).
    std::fs::write(
        p.path("flake.nix"),
        "# Generated by app2nix from before.\n{ }\n",
    )
    .expect("flake");
    let out = p.run(&["generate", "--out", "nix/modules"]);
    let in_dir: Vec<String> = FILES[..4]
        .iter()
        .map(|f| format!("nix/modules/{f}"))
        .collect();
    let in_dir: Vec<&str> = in_dir.iter().map(String::as_str).collect();
    assert_eq!(stdout(&out), lines("wrote ", &in_dir), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(p.path("flake.nix")).expect("flake"),
        "# Generated by app2nix from before.\n{ }\n"
    );
    assert!(!p.path("flake.lock").exists());

    // Asked for, the flake beside the description points at the output directory.
    let out = p.run(&["generate", "--out", "nix/modules", "--with-flake"]);
    assert_eq!(
        stdout(&out),
        lines("unchanged ", &in_dir) + "wrote flake.nix\nwrote flake.lock\n",
        "{}",
        stderr(&out)
    );
    let module = std::fs::read_to_string(p.path("nix/modules/demo.nix")).expect("module");
    assert!(module.starts_with("# Generated by app2nix from ../../app2nix.toml."));
    let package = std::fs::read_to_string(p.path("nix/modules/demo-package.nix")).expect("pkg");
    assert!(
        package.contains("lib.cleanSource ../../app;"),
        "paths are relative to the generated file"
    );
    let flake = std::fs::read_to_string(p.path("flake.nix")).expect("flake");
    assert!(flake.contains("demo = ./nix/modules/demo.nix;"), "{flake}");
}

/// Generated files get the mode of any file written under the umask (0644 under 022), not the
/// temporary file's 0600 (a regression).
#[test]
fn generated_files_have_normal_modes() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::new(MINIMAL);
    let out = Command::new("sh")
        .args(["-c", &format!("umask 022 && exec {BIN} generate")])
        .current_dir(p.dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for f in FILES.iter().chain(&["flake.lock"]) {
        let mode = std::fs::metadata(p.path(f))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o644, "{f}: {mode:o}");
    }
}

/// A pinned interpreter other than nixpkgs' python3 is allowed, and `check` says what it costs.
#[test]
fn a_pinned_python_is_noted() {
    let p = Project::new(&MINIMAL.replace("src = \"app\"", "src = \"app\"\nversion = \"3.12\""));
    let out = p.run(&["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "note: Python 3.12 is not nixos-26.05's python3 (3.13), and the binary cache holds no packages built for it: building the app builds the interpreter's whole dependency tree from source (far longer than downloading them, and again after every nixpkgs update). Remove `version` unless the app needs 3.12.\n"
    );
    let p = Project::new(MINIMAL);
    assert_eq!(stderr(&p.run(&["check"])), "");
}

/// A `.env` (or a key) in the source tree is left out of the package, and `check` says so.
#[test]
fn secret_files_in_the_source_are_noted() {
    let p = Project::new(MINIMAL);
    std::fs::write(p.path("app/.env"), "SECRET_KEY=hunter2\n").expect("env");
    std::fs::create_dir(p.path("app/tls")).expect("mkdir");
    std::fs::write(p.path("app/tls/server.key"), "key").expect("key");
    let out = p.run(&["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "note: left out of the generated sources: `app/.env`, `app/tls/server.key`. Files that can hold secrets (`.env*`, keys, certificates, credentials of tools) never enter the world-readable Nix store; deliver their values as [secrets] or `environment_files`.\n"
    );
    let out = p.run(&["generate", "--module-only"]);
    assert_eq!(out.status.code(), Some(0));
    let package = std::fs::read_to_string(p.path("demo-package.nix")).expect("package");
    assert!(
        package.contains("builtins.match secretFileNames (baseNameOf path) == null")
            && package.contains("\".venv\""),
        "{package}"
    );
}

/// Virtual environments and caches are left out of every generated source whole, so a key file
/// inside one is not noted as left out on its own (a regression: the module's copy of a uv
/// project's source kept `.venv` and `node_modules`).
#[test]
fn virtual_environments_are_left_out_whole() {
    let p = Project::new(MINIMAL);
    std::fs::create_dir_all(p.path("app/.venv/lib")).expect("mkdir");
    std::fs::write(p.path("app/.venv/lib/cacert.pem"), "pem").expect("pem");
    let out = p.run(&["check"]);
    assert_eq!(stderr(&out), "");
    let out = p.run(&["generate", "--module-only"]);
    assert_eq!(out.status.code(), Some(0));
    let package = std::fs::read_to_string(p.path("demo-package.nix")).expect("package");
    for dir in app2nix::secrets::NOT_SOURCE_DIRS {
        assert!(package.contains(&format!("\"{dir}\"")), "{dir}: {package}");
    }
}

/// A description that is not a regular file is refused, never read: a symbolic link to
/// /dev/zero was read until memory ran out, a FIFO waited forever.
#[test]
fn descriptions_that_are_not_regular_files_are_refused() {
    let p = Project::new(MINIMAL);
    std::os::unix::fs::symlink("/dev/zero", p.path("zero.toml")).expect("symlink");
    let out = p.run(&["check", "-f", "zero.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: zero.toml is not a regular file (a FIFO, socket or device)\nhelp: pass the description itself, e.g. -f app2nix.toml\n"
    );
    let made = Command::new("mkfifo").arg(p.path("fifo.toml")).status();
    if made.is_ok_and(|s| s.success()) {
        let start = std::time::Instant::now();
        let out = p.run(&["generate", "-f", "fifo.toml"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
    // An output that is a link to a device is not read either.
    let q = Project::new(MINIMAL);
    std::os::unix::fs::symlink("/dev/zero", q.path("demo.nix")).expect("symlink");
    let out = q.run(&["generate", "--module-only"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
}

/// A SQL task's file is read from the package source: a path that climbs out and back in works,
/// and so does a name with a space (it used to become an illegal store path).
#[test]
fn sql_files_inside_the_source_are_found() {
    for sql in ["../app/db/schema.sql", "db/my schema.sql"] {
        let p = Project::new(&format!(
            "[app]\nname = \"demo\"\n\n[package.python]\nsrc = \"app\"\n\n[postgresql]\n\n[tasks.schema]\nsql = {sql:?}\n\n[processes.web]\ncommand = [\"sleep\", \"infinity\"]\n"
        ));
        std::fs::create_dir(p.path("app/db")).expect("mkdir");
        std::fs::write(p.path("app/db/schema.sql"), "").expect("sql");
        std::fs::write(p.path("app/db/my schema.sql"), "").expect("sql");
        let out = p.run(&["generate", "--module-only", "--stdout"]);
        assert_eq!(out.status.code(), Some(0), "{sql}: {}", stderr(&out));
        let expected = format!(
            "\"--file=${{appSource}}/{}\"",
            sql.trim_start_matches("../app/")
        );
        assert!(stdout(&out).contains(&expected), "{sql}: {}", stdout(&out));
    }
}

/// A `:` in the app's description is fine: nixpkgs types the user's description as a passwd
/// entry, which cannot hold one, so that description leaves it out.
#[test]
fn a_colon_in_the_description_stays_out_of_the_passwd_entry() {
    let p = Project::new(&MINIMAL.replace(
        "name = \"demo\"",
        "name = \"demo\"\ndescription = \"Demo: notes\"",
    ));
    let out = p.run(&["generate", "--module-only", "--stdout"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("description = \"Demo - notes service user\";"));
    assert!(stdout(&out).contains("lib.mkEnableOption \"Demo: notes\""));
}

#[test]
fn input_files_that_cannot_be_used() {
    let p = Project::new(MINIMAL);
    let out = p.run(&["check", "-f", "missing.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: missing.toml does not exist\nhelp: run app2nix in the directory holding app2nix.toml, or pass it with -f FILE\n"
    );

    let out = p.run(&["check", "-f", "app"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: app is a directory, not a description\nhelp: pass the file, e.g. -f app/app2nix.toml\n"
    );

    std::fs::write(p.path("latin1.toml"), b"[app]\nname = \"caf\xe9\"\n").expect("write");
    let out = p.run(&["check", "-f", "latin1.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: latin1.toml:2:12: the description is not UTF-8 text\nhelp: save it as UTF-8\n"
    );
}

/// A `uv.lock` or `package.json` that is a FIFO or a link to a device is reported, not taken
/// for a project without one (a regression: generation went on with the nixpkgs mapping and no
/// dependencies, exit 0). A link out of the project is not even opened.
#[test]
fn lock_files_that_are_not_regular_files_are_reported() {
    let p = Project::new(
        "[app]\nname = \"demo\"\n[package.python]\nsrc = \"app\"\n[assets.ui]\nsrc = \"ui\"\n",
    );
    std::fs::create_dir_all(p.path("ui")).expect("ui");
    std::fs::write(p.path("ui/index.html"), "<!doctype html>\n").expect("index");
    std::os::unix::fs::symlink("/dev/zero", p.path("app/uv.lock")).expect("link");
    let made = std::process::Command::new("mkfifo")
        .arg(p.path("ui/package.json"))
        .status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let start = std::time::Instant::now();
    let out = p.run(&["check"]);
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("error: `app/uv.lock` cannot be used: it leads out of the project (a symbolic link or `..`), and nothing is read there"),
        "{err}"
    );
    assert!(
        err.contains("`package.json`: it is not a regular file (a FIFO, socket or device)"),
        "{err}"
    );
}

#[test]
fn huge_descriptions_fail_fast() {
    let p = Project::new(MINIMAL);
    let mut big = MINIMAL.to_string();
    big.push_str(
        &"# padding padding padding padding padding padding padding padding\n".repeat(160_000),
    );
    std::fs::write(p.path("big.toml"), &big).expect("write");
    let start = std::time::Instant::now();
    let out = p.run(&["check", "-f", "big.toml"]);
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: big.toml is 10"),
        "{}",
        stderr(&out)
    );
}

/// A regression: every task listed every process (quadratic output; 2,400 of each took 43 s and
/// 1.77 GB). Each unit now names only what it depends on, so twice the description is twice
/// the output. `.ci/scale` times the full size with the release binary.
#[test]
fn output_grows_linearly_with_processes_and_tasks() {
    let size = |n: usize| {
        let mut s = String::from("[app]\nname = \"big\"\n\n[package.python]\nsrc = \"app\"\n");
        for i in 0..n {
            s.push_str(&format!(
                "\n[processes.p{i}]\ncommand = [\"run\", \"{i}\"]\n"
            ));
            s.push_str(&format!("\n[tasks.t{i}]\ncommand = \"true\"\n"));
        }
        let p = Project::new(&s);
        std::fs::create_dir_all(p.path("app")).expect("app");
        let files = app2nix::generate::generate(&p.path("app2nix.toml"), None)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let module = &files[0].text;
        assert!(
            !module.contains(&format!("big-p{}.service", n - 1)),
            "a task names a process unit"
        );
        files.iter().map(|f| f.text.len()).sum::<usize>() as f64
    };
    let ratio = size(100) / size(50);
    assert!(
        ratio < 2.1,
        "doubling the description multiplied the output by {ratio:.2}"
    );
}

/// On several hosts too: every machine, process and task is named a bounded number of times
/// (a regression: the VM test listed every task for every host without it, quadratic).
#[test]
fn cluster_output_grows_linearly() {
    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL9fR6IFMTfj9j41/qhz2wOXpmr0jA6MXD1ZLxdZYKrJ x";
    let size = |n: usize| {
        let mut s = String::from(
            "[app]\nname = \"big\"\n[package.python]\nsrc = \"app\"\n[postgresql]\n[secrets]\nSECRET_KEY = \"env\"\n",
        );
        let mut routes = String::new();
        for i in 0..n {
            s.push_str(&format!(
                "[processes.p{i}]\nwsgi = \"wsgi:app\"\nlisten = \"127.0.0.1:{}\"\n[tasks.t{i}]\ncommand = \"true {i}\"\n",
                8000 + i
            ));
            routes.push_str(&format!("\"/p{i}/\" = \"p{i}\"\n"));
        }
        s.push_str(
            "[sites.main]\ndomains = [\"x.example.org\"]\ntls = \"none\"\n[sites.main.routes]\n",
        );
        s.push_str(&routes);
        s.push_str(&format!("[hosts.edge]\nroles = [\"edge\"]\naddress = \"10.1.0.1\"\nssh = \"root@10.1.0.1\"\nconfiguration = \"hosts/h.nix\"\nhost_key = \"{KEY}\"\n"));
        s.push_str(&format!("[hosts.db]\nroles = [\"database\"]\naddress = \"10.1.0.2\"\ninterface = \"ens10\"\nssh = \"root@10.1.0.2\"\nconfiguration = \"hosts/h.nix\"\nhost_key = \"{KEY}\"\n"));
        for h in 0..n {
            let roles = if h == 0 {
                "[\"app\", \"tasks\"]"
            } else {
                "[\"app\"]"
            };
            let a = format!("10.2.{}.{}", h / 250, h % 250 + 1);
            s.push_str(&format!("[hosts.app{h}]\nroles = {roles}\naddress = \"{a}\"\ninterface = \"ens10\"\nssh = \"root@{a}\"\nconfiguration = \"hosts/h.nix\"\nhost_key = \"{KEY}\"\n"));
        }
        let p = Project::new(&s);
        std::fs::create_dir_all(p.path("app")).expect("app");
        std::fs::write(p.path("app/wsgi.py"), "app = 1\n").expect("wsgi");
        std::fs::create_dir_all(p.path("hosts")).expect("hosts");
        std::fs::write(p.path("hosts/h.nix"), "{ }\n").expect("host");
        let files = app2nix::generate::generate(&p.path("app2nix.toml"), None)
            .unwrap_or_else(|e| panic!("{e:?}"));
        files.iter().map(|f| f.text.len()).sum::<usize>() as f64
    };
    let ratio = size(120) / size(60);
    assert!(
        ratio < 2.1,
        "doubling the hosts, processes and tasks multiplied the output by {ratio:.2}"
    );
}

#[test]
fn check_schema_and_help() {
    let p = Project::new(MINIMAL);
    let out = p.run(&["check"]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "app2nix.toml: ok\n".to_string())
    );

    let schema = p.run(&["schema"]);
    assert_eq!(schema.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&schema.stdout).expect("schema is JSON");
    assert_eq!(json["additionalProperties"], serde_json::json!(false));
    assert!(json["properties"]["processes"].is_object());

    let help = p.run(&["generate", "--help"]);
    assert!(stdout(&help).contains("1  --check: some generated file would change"));
    let bad = p.run(&["generate", "--bogus"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn outputs_that_cannot_be_written_exit_3_and_leave_nothing() {
    let p = Project::new(MINIMAL);
    std::fs::create_dir(p.path("demo.nix")).expect("a directory where the module goes");
    let out = p.run(&["generate"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stderr(&out),
        "error: cannot write demo.nix: a directory is in the way\nhelp: make sure the path is a writable file in a writable directory (not a directory itself), or choose another directory with --out\n"
    );

    std::fs::write(p.path("plainfile"), "").expect("a file where a directory goes");
    let out = p.run(&["generate", "--out", "plainfile/sub"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).starts_with("error: cannot write plainfile/sub/demo.nix: Not a directory"),
        "{}",
        stderr(&out)
    );
    let names: Vec<_> = std::fs::read_dir(p.dir.path())
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".app2nix-")),
        "temporary files left: {names:?}"
    );

    // A later file in the way: nothing at all is written, not even the files before it.
    let q = Project::new(MINIMAL);
    std::fs::create_dir(q.path("flake.nix")).expect("a directory where flake.nix goes");
    let out = q.run(&["generate"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).starts_with("error: cannot write flake.nix: a directory is in the way"),
        "{}",
        stderr(&out)
    );
    let mut names: Vec<_> = std::fs::read_dir(q.dir.path())
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["app", "app2nix.toml", "flake.nix"],
        "partial output"
    );

    // Read-only output directory. Root ignores permissions, so this part runs for other users.
    let r = Project::new(MINIMAL);
    std::fs::create_dir(r.path("ro")).expect("mkdir");
    let mut perms = std::fs::metadata(r.path("ro")).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(r.path("ro"), perms).expect("chmod");
    if std::fs::write(r.path("ro/probe"), "").is_err() {
        let out = r.run(&["generate", "--out", "ro"]);
        assert_eq!(out.status.code(), Some(3));
        assert!(
            stderr(&out).starts_with("error: cannot write ro/demo.nix: Permission denied"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn descriptions_that_cannot_be_read_exit_3() {
    let p = Project::new(MINIMAL);
    std::fs::write(p.path("plainfile"), "").expect("a file where a directory goes");
    let out = p.run(&["check", "-f", "plainfile/app2nix.toml"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stderr(&out),
        "error: cannot read plainfile/app2nix.toml: Not a directory (os error 20)\nhelp: check that the path names a file you can read\n"
    );

    // Unreadable file (skipped for root, which reads it anyway).
    let mut perms = std::fs::metadata(p.path("app2nix.toml"))
        .expect("meta")
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o000);
    std::fs::set_permissions(p.path("app2nix.toml"), perms).expect("chmod");
    if std::fs::read(p.path("app2nix.toml")).is_err() {
        let out = p.run(&["check"]);
        assert_eq!(out.status.code(), Some(3));
        assert!(
            stderr(&out).starts_with("error: cannot read app2nix.toml: Permission denied"),
            "{}",
            stderr(&out)
        );
    }
}

/// A `build` command runs with the dependencies' programs on PATH, as under `npm run`
/// (`vite build` is not found otherwise), and only the output directory itself, not a
/// directory of the same name elsewhere, is left out of the source.
#[test]
fn npm_build_commands_find_the_dependencies_programs() {
    let p = Project::new("");
    let dir = p.dir.path();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/incident-tracker"),
        dir,
    );
    let desc = dir.join("app2nix.toml");
    let text = std::fs::read_to_string(&desc).expect("read");
    let text = text.replace(
        "build_env = ",
        "build = \"vite build --mode production\"\nbuild_env = ",
    );
    std::fs::write(&desc, text).expect("write");
    let out = p.run(&["generate", "--module-only"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let nix = std::fs::read_to_string(p.path("incident-tracker-frontend.nix")).expect("asset");
    let path = nix.find("node_modules/.bin:$PATH").expect("PATH export");
    let command = nix.find("${buildCommand}").expect("command");
    assert!(path < command, "{nix}");
    assert!(
        nix.contains(r#"path == "${toString root}/${outDir}""#),
        "{nix}"
    );
}

/// A project whose source is the description's own directory (`src = "."`, what `init` writes
/// at a repository's root) builds from the `uv.lock` there, and its SQL files are found in that
/// directory. The empty relative path of `.` used to be taken for an invalid source: the lock was
/// ignored without a word (the environment held gunicorn alone) and SQL files were refused.
#[test]
fn a_source_at_the_projects_root_uses_its_uv_lock() {
    let p = Project::new(
        "[app]\nname = \"board\"\n\n[package.python]\nsrc = \".\"\n\n[postgresql]\n\n[tasks.schema]\nsql = \"db/schema.sql\"\n\n[processes.web]\ncommand = [\"sleep\", \"infinity\"]\n",
    );
    std::fs::write(
        p.path("pyproject.toml"),
        "[project]\nname = \"board\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\n",
    )
    .expect("pyproject");
    std::fs::write(
        p.path("uv.lock"),
        "version = 1\nrevision = 3\nrequires-python = \">=3.11\"\n\n[[package]]\nname = \"board\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\n",
    )
    .expect("lock");
    std::fs::create_dir(p.path("db")).expect("mkdir");
    std::fs::write(p.path("db/schema.sql"), "").expect("sql");
    let out = p.run(&["generate", "--module-only", "--stdout"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("built from `uv.lock` with uv2nix"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("built from uv.lock"), "{text}");
    assert!(
        text.contains("\"--file=${appSource}/db/schema.sql\""),
        "{text}"
    );
}

/// A project with a flake of its own gets the generated files, the flake among them, in a
/// subdirectory (its flake is never touched, generate never refuses), and the lines to add to
/// its own flake. The generated flake refers to the project's files from there.
#[test]
fn a_project_with_its_own_flake_gets_a_subdirectory() {
    let p = Project::new(
        "[app]\nname = \"demo\"\n\n[package.python]\nsrc = \"app\"\n\n[processes.web]\nwsgi = \"app:app\"\nlisten = \"127.0.0.1:8000\"\n\n[host]\nname = \"box\"\nconfiguration = \"host/configuration.nix\"\n",
    );
    let own = "{ outputs = _: { }; }\n";
    std::fs::write(p.path("flake.nix"), own).expect("flake");
    std::fs::create_dir(p.path("host")).expect("mkdir");
    std::fs::write(p.path("host/configuration.nix"), "{ }\n").expect("host");
    let out = p.run(&["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(p.path("flake.nix")).expect("kept"),
        own
    );
    let flake = std::fs::read_to_string(p.path("nix/flake.nix")).expect("generated flake");
    assert!(flake.contains("../host/configuration.nix"), "{flake}");
    assert!(p.path("nix/demo.nix").is_file() && p.path("nix/flake.lock").is_file());
    assert!(
        stderr(&out).contains("add `nixosModules.demo = import ./nix/demo.nix;`"),
        "{}",
        stderr(&out)
    );
    let package = std::fs::read_to_string(p.path("nix/demo-package.nix")).expect("package");
    assert!(package.contains("../app"), "{package}");
    // A second run is a no-op, and --check agrees.
    let check = p.run(&["generate", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

/// On a terminal, `init` without `--domain` asks for the domains and the ACME e-mail; an
/// empty answer keeps the commented site.
#[test]
fn init_asks_for_the_site_on_a_terminal() {
    let mut opts = app2nix::init::Options::default();
    let mut shown = Vec::new();
    app2nix::cli::ask_site(
        &mut "app.example.org, www.app.example.org\nops@example.org\n".as_bytes(),
        &mut shown,
        &mut opts,
    )
    .expect("asks");
    assert_eq!(opts.domains, ["app.example.org", "www.app.example.org"]);
    assert_eq!(opts.acme_email.as_deref(), Some("ops@example.org"));
    assert!(String::from_utf8_lossy(&shown).contains("Public domain"));
    let mut none = app2nix::init::Options::default();
    app2nix::cli::ask_site(&mut "\n".as_bytes(), &mut Vec::new(), &mut none).expect("asks");
    assert!(none.domains.is_empty() && none.acme_email.is_none());
}

/// `init --domain D --acme-email E`: the site and ACME are written, not commented.
#[test]
fn init_with_a_domain_writes_the_site() {
    let p = Project::new("");
    std::fs::remove_file(p.path("app2nix.toml")).expect("rm");
    std::fs::write(
        p.path("app/main.py"),
        "from flask import Flask\napp = Flask(__name__)\n",
    )
    .expect("app");
    std::fs::write(p.path("requirements.txt"), "flask\n").expect("req");
    let out = p.run(&[
        "init",
        "--domain",
        "shop.example.org",
        "--acme-email",
        "ops@example.org",
        "--stdout",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table: toml::Table = stdout(&out).parse().expect("TOML");
    assert_eq!(
        table["sites"]["main"]["domains"][0].as_str(),
        Some("shop.example.org")
    );
    assert_eq!(table["acme"]["email"].as_str(), Some("ops@example.org"));
    assert_eq!(table["acme"]["accept_terms"].as_bool(), Some(true));
}

/// Names read from inputs (a dependency of pyproject.toml, a package of a lock) reach the
/// report, errors and notes escaped: a newline cannot forge a line of the report, an escape
/// sequence cannot reach the terminal (issue 20).
#[test]
fn control_characters_from_inputs_are_shown_escaped() {
    let p = Project::new("");
    std::fs::write(
        p.path("pyproject.toml"),
        "[project]\nname = \"demo\"\ndependencies = [\"flask\\nforged.py:1: dependency: mapped: FORGED\", \"x\\u001b[2Jy\"]\n",
    )
    .expect("write");
    let out = p.run(&["import", "pyproject.toml"]);
    let err = stderr(&out);
    assert!(
        err.contains("pyproject.toml: flask\\nforged.py:1: dependency: mapped: FORGED")
            && err.contains("x\\u{1b}[2Jy"),
        "{err}"
    );
    assert!(
        !err.lines().any(|l| l.starts_with("forged.py")) && !err.contains('\u{1b}'),
        "{err}"
    );

    // A lock's package name in an error of `check`.
    let p = Project::new(
        "[app]\nname = \"demo\"\n[package.python]\nsrc = \"app\"\nsource_builds = { \"evil\\nerror: forged\" = [\"setuptools\"] }\n[processes.web]\ncommand = [\"flask\", \"run\"]\n",
    );
    std::fs::write(
        p.path("app/pyproject.toml"),
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\n",
    )
    .expect("write");
    std::fs::write(
        p.path("app/uv.lock"),
        "version = 1\n[[package]]\nname = \"demo\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n[[package]]\nname = \"flask\\u001b]0;owned\\u0007\"\nversion = \"1.0\"\nsource = { path = \"../../outside\\nerror: forged\" }\n",
    )
    .expect("write");
    let out = p.run(&["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(
        !err.lines().any(|l| l.starts_with("error: forged")),
        "{err}"
    );
}

/// `import --src DIR` reads nothing of DIR through a link out of it: a pyproject.toml linked to
/// another project's, a gunicorn `-c ../x` (issue 20).
#[test]
fn import_reads_nothing_out_of_the_source_directory() {
    let p = Project::new("");
    std::fs::create_dir_all(p.path("outside")).expect("mkdir");
    std::fs::write(
        p.path("outside/pyproject.toml"),
        "[project]\nname = \"planted-outside\"\ndependencies = [\"plantedoutsidepkg\"]\n",
    )
    .expect("write");
    std::fs::write(p.path("outside/gunicorn.conf.py"), "workers = 17\n").expect("write");
    std::os::unix::fs::symlink("../outside/pyproject.toml", p.path("app/pyproject.toml"))
        .expect("symlink");
    std::fs::write(
        p.path("web.service"),
        "[Service]\nExecStart=/usr/bin/gunicorn -c ../outside/gunicorn.conf.py app:app\n",
    )
    .expect("write");
    let out = p.run(&["import", "web.service", "--src", "app"]);
    let (err, description) = (stderr(&out), stdout(&out));
    assert!(
        !description.contains("planted") && !description.contains("workers = 17"),
        "{description}"
    );
    assert!(
        err.contains("note: app/pyproject.toml is not read: it leads out of app"),
        "{err}"
    );
    assert!(
        err.contains("leads out of the project (a symbolic link or `..`)"),
        "{err}"
    );
}

/// The module of `MINIMAL` with `section` added (and `dependencies` replaced when given).
fn module_with(section: &str, dependencies: Option<&str>) -> String {
    let mut description = format!("{MINIMAL}\n{section}\n");
    if let Some(deps) = dependencies {
        description = description.replace(r#"dependencies = ["flask"]"#, deps);
    }
    let p = Project::new(&description);
    let out = p.run(&["generate", "--module-only", "--stdout"]);
    assert_eq!(out.status.code(), Some(0), "{section}: {}", stderr(&out));
    stdout(&out)
}

/// Each library that reads the database's URL gets the form it accepts (measured in
/// `connection-urls.md`): pydantic's `PostgresDsn` needs a host, SQLAlchemy names its driver,
/// MySQL's socket goes in `unix_socket` with host `localhost`. A regression: every PostgreSQL app
/// got `postgresql:///<db>?host=…`, which pydantic rejects ("empty host").
#[test]
fn database_urls_take_the_form_their_reader_accepts() {
    let pg = |settings: &str| module_with(&format!("[postgresql]\n{settings}"), None);
    for (settings, url) in [
        (
            "",
            "\"postgresql://${cfg.user}@/${cfg.user}?host=/run/postgresql\"",
        ),
        (
            "url = \"dj-database-url\"",
            "\"postgresql://${cfg.user}@/${cfg.user}?host=/run/postgresql\"",
        ),
        (
            "url = \"django-environ\"",
            "\"postgresql://${cfg.user}@/${cfg.user}?host=/run/postgresql\"",
        ),
        (
            "url = \"asyncpg\"",
            "\"postgresql://${cfg.user}@/${cfg.user}?host=/run/postgresql\"",
        ),
        (
            "url = \"pydantic\"",
            "\"postgresql://${cfg.user}@localhost/${cfg.user}?host=/run/postgresql\"",
        ),
        (
            "url = \"pydantic\"\ndriver = \"asyncpg\"",
            "\"postgresql+asyncpg://${cfg.user}@localhost/${cfg.user}?host=/run/postgresql\"",
        ),
        (
            "url = \"sqlalchemy\"",
            "\"postgresql+psycopg://${cfg.user}@/${cfg.user}?host=/run/postgresql\"",
        ),
        (
            "driver = \"psycopg2\"",
            "\"postgresql+psycopg2://${cfg.user}@/${cfg.user}?host=/run/postgresql\"",
        ),
    ] {
        let module = pg(settings);
        assert!(module.contains(&format!("DATABASE_URL = lib.mkIf cfg.database.createLocally (\n            lib.mkDefault {url}")), "{settings}: {module}");
    }
    let parts = pg(
        "url_env = \"\"\nparts = { host = \"DB_HOST\", port = \"DB_PORT\", name = \"DB_NAME\", user = \"DB_USER\" }",
    );
    assert!(!parts.contains("DATABASE_URL"), "{parts}");
    for line in [
        r#"DB_HOST = lib.mkIf cfg.database.createLocally (lib.mkDefault "/run/postgresql");"#,
        "DB_PORT = lib.mkIf cfg.database.createLocally (\n            lib.mkDefault (toString config.services.postgresql.settings.port)\n          );",
        "DB_NAME = lib.mkIf cfg.database.createLocally (lib.mkDefault cfg.user);",
        "DB_USER = lib.mkIf cfg.database.createLocally (lib.mkDefault cfg.user);",
    ] {
        assert!(parts.contains(line), "{line}: {parts}");
    }

    let mysql = |settings: &str| module_with(&format!("[mysql]\n{settings}"), None);
    for (settings, scheme) in [
        ("", "mysql+mysqldb"),
        ("driver = \"pymysql\"", "mysql+pymysql"),
        ("driver = \"aiomysql\"", "mysql+aiomysql"),
        ("url = \"dj-database-url\"", "mysql"),
        ("url = \"django-environ\"\ndriver = \"pymysql\"", "mysql"),
    ] {
        let module = mysql(settings);
        let url = format!(
            "\"{scheme}://${{cfg.user}}@localhost/${{mysqlDatabase}}?unix_socket=/run/mysqld/mysqld.sock\""
        );
        assert!(module.contains(&url), "{settings}: {module}");
    }
}

/// Each Redis URL in the form its library accepts: redis-py `unix://…?db=N`, Celery's broker
/// `redis+socket://…` (database 0), its result backend `?virtual_host=N`, limits
/// `redis+unix://`; database 0 has no query, so an app appending its own still gets a valid URL.
/// With `tcp`, every URL is set at start, over loopback TCP with the password.
#[test]
fn redis_urls_take_the_form_their_library_accepts() {
    let module = module_with(
        r#"[redis]
urls = { REDIS_URL = "redis-py", CACHE_URL = { library = "redis-py", db = 1 }, CELERY_BROKER_URL = "celery-broker", CELERY_RESULT_BACKEND = { library = "celery-backend", db = 2 }, RATELIMIT_STORAGE_URI = { library = "limits", db = 3 } }"#,
        None,
    );
    let socket = "${config.services.redis.servers.demo.unixSocket}";
    for (name, url) in [
        ("REDIS_URL", format!("unix://{socket}")),
        ("CACHE_URL", format!("unix://{socket}?db=1")),
        ("CELERY_BROKER_URL", format!("redis+socket://{socket}")),
        (
            "CELERY_RESULT_BACKEND",
            format!("redis+socket://{socket}?virtual_host=2"),
        ),
        (
            "RATELIMIT_STORAGE_URI",
            format!("redis+unix://{socket}?db=3"),
        ),
    ] {
        let line = format!(
            "{name} = lib.mkIf cfg.redis.createLocally (\n            lib.mkDefault \"{url}\"\n          );"
        );
        assert!(module.contains(&line), "{line}: {module}");
    }

    let tcp = module_with(
        "[redis]\ntcp = true\nurls = { REDIS_URL = \"redis-py\", CELERY_BROKER_URL = { library = \"celery-broker\", db = 2 } }\n\n[secrets]\nSECRET_KEY = \"env\"",
        None,
    );
    assert!(
        !tcp.contains("REDIS_URL = lib.mkIf"),
        "no password-less URL: {tcp}"
    );
    for line in [
        r#": "''${REDIS_URL:=redis://:$(app2nix_percent_encode "$REDIS_PASSWORD")@${"#,
        r#": "''${CELERY_BROKER_URL:=redis://:$(app2nix_percent_encode "$REDIS_PASSWORD")@${"#,
        "}/2}\"",
        "requirePassFile = secretPath \"REDIS_PASSWORD\";",
    ] {
        assert!(tcp.contains(line), "{line}: {tcp}");
    }
}

/// `[postgresql]` adds psycopg (3) when the app names no driver of its own (a regression: the
/// default driver added none, and the app failed to import one), the driver a SQLAlchemy URL
/// names, and nothing when the app lists one; `[mysql]` likewise with mysqlclient.
#[test]
fn the_database_driver_is_added_when_the_app_names_none() {
    let env = |module: &str| {
        let start = module.find("pythonEnv = ").expect("pythonEnv");
        module[start..]
            .split("]);")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let default = module_with("[postgresql]", None);
    assert!(env(&default).contains("ps.psycopg\n"), "{}", env(&default));
    let asyncpg = module_with("[postgresql]\nurl = \"asyncpg\"", None);
    assert!(env(&asyncpg).contains("ps.asyncpg\n"), "{}", env(&asyncpg));
    let named = module_with(
        "[postgresql]\nurl = \"sqlalchemy\"",
        Some(r#"dependencies = ["flask", "psycopg2"]"#),
    );
    assert!(!env(&named).contains("ps.psycopg\n"), "{}", env(&named));
    assert!(named.contains("postgresql+psycopg2://"), "{named}");
    let mysql = module_with("[mysql]", None);
    assert!(env(&mysql).contains("ps.mysqlclient\n"), "{}", env(&mysql));
}

/// psycopg 3 locked without its `binary` or `c` implementation loads libpq by name at run time,
/// which NixOS does not find: `check` says so and names the override (issue 18, item 10), and
/// is quiet once `[package.python.native.psycopg]` gives it the library.
#[test]
fn psycopg_without_its_binary_names_the_native_override() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/uv-native");
    let description = std::fs::read_to_string(fixture.join("app2nix.toml")).expect("fixture");
    let without: String = {
        let start = description
            .find("[package.python.native.psycopg]")
            .expect("native");
        let end = description.find("[processes.web]").expect("processes");
        format!("{}{}", &description[..start], &description[end..])
    };
    for (text, noted) in [(without.as_str(), true), (description.as_str(), false)] {
        let p = Project::new(text);
        copy_tree(&fixture.join("app"), &p.path("app"));
        let out = p.run(&["check"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert_eq!(
            err.contains("[package.python.native.psycopg]")
                && err.contains("libraries = [\"libpq\"]"),
            noted,
            "{err}"
        );
    }
}
