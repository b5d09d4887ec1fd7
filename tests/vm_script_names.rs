//! Host names become Python variables in the VM test script (the NixOS test driver names each
//! machine after its node): a host may not take a name the script, the driver or Python already
//! use. The script's own names are read from the generated scripts of every example and fixture
//! with Python's `ast` (python3 is required by `.ci/run`), and must be exactly the list the
//! model refuses (`app2nix::model::SCRIPT_NAMES`): a new local in a template fails here until
//! it is listed (or renamed with a `_`, which no host name has).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

mod common;

/// Every name bound in the scripts (assignments, loop and `with` targets, functions and their
/// parameters, imports, comprehension variables) that a host name could spell.
const BOUND_NAMES: &str = r#"
import ast, re, sys
names = set()
for f in sys.argv[1:]:
    for n in ast.walk(ast.parse(open(f).read())):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, ast.arg):
            names.add(n.arg)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
print("\n".join(sorted(x for x in names if re.fullmatch("[a-z][a-z0-9]*", x))))
"#;

#[test]
fn the_scripts_names_are_the_ones_hosts_may_not_take() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut projects: Vec<_> = ["examples", "tests/fixtures"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).expect("ls").flatten())
        .map(|e| e.path())
        .filter(|p| p.join("app2nix.toml").is_file())
        .collect();
    projects.sort();
    let mut scripts = Vec::new();
    for p in &projects {
        let dir = tmp.path().join(p.file_name().expect("name"));
        common::copy_dir(p, &dir);
        let out = common::run(&dir, &["generate"]);
        assert!(
            out.status.success(),
            "{}: {}",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        for e in std::fs::read_dir(&dir).expect("ls").flatten() {
            if e.file_name().to_string_lossy().ends_with("-vm-test.py") {
                scripts.push(e.path());
            }
        }
    }
    assert!(scripts.len() >= projects.len(), "{scripts:?}");
    let out = Command::new("python3")
        .arg("-c")
        .arg(BOUND_NAMES)
        .args(&scripts)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bound: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    // Names of the driver (`machine`) are refused as such.
    let listed: BTreeSet<String> = app2nix::model::SCRIPT_NAMES
        .iter()
        .map(|s| s.to_string())
        .chain(["machine".to_string()])
        .collect();
    let missing: Vec<_> = bound.difference(&listed).collect();
    let stale: Vec<_> = listed
        .difference(&bound)
        .filter(|n| *n != "machine")
        .collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "names the scripts bind and SCRIPT_NAMES lacks: {missing:?}; listed and no longer bound: {stale:?}"
    );
    for name in &bound {
        assert!(
            app2nix::model::python_name_taken(name).is_some(),
            "{name} would be accepted as a host name"
        );
    }
}

/// Keywords, built-ins, the driver's names, the script's: refused. Ordinary host names, and the
/// names the cluster script gave up for them (`database`, `redis`, `host`), are not.
#[test]
fn host_names_that_collide_are_refused_and_others_are_not() {
    for name in [
        "for", "class", "lambda", "int", "len", "print", "type", "retry", "subtest", "driver",
        "log", "os", "t", "vlan1", "vlan12", "sh", "fetch", "json", "re", "shlex",
    ] {
        assert!(app2nix::model::python_name_taken(name).is_some(), "{name}");
    }
    for name in [
        "web1", "app1", "db", "database", "redis", "host", "edge", "front", "worker2", "data",
        "proxy", "cache", "primary", "replica", "vlan", "match", "case", "back", "backend",
    ] {
        assert_eq!(app2nix::model::python_name_taken(name), None, "{name}");
    }
}

/// A deployment whose hosts take names the cluster script used to bind (`database`, `redis`,
/// `host`, `back`) generates a script that pyflakes (as the driver runs it, the machines as
/// builtins) and mypy (the machines declared first, as the driver does) accept: the script's
/// own variables no longer shadow them.
#[test]
fn hosts_named_like_the_old_script_variables_pass_the_drivers_checks() {
    let python = |args: &[&str]| {
        Command::new("python3")
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !python(&["-m", "pyflakes", "--version"]) || !python(&["-m", "mypy", "--version"]) {
        // `.ci/run` installs both.
        eprintln!("pyflakes or mypy is not installed: skipped");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("fleet");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    common::copy_dir(&root.join("tests/fixtures/fleet"), &dir);
    let desc = dir.join("app2nix.toml");
    let text = std::fs::read_to_string(&desc).expect("read");
    let text = text
        .replace("[hosts.front]", "[hosts.back]")
        .replace("[hosts.worker2]", "[hosts.host]")
        .replace("[hosts.data]", "[hosts.database]");
    assert!(text.contains("[hosts.database]"), "{text}");
    std::fs::write(&desc, text).expect("write");
    let out = common::run(&dir, &["generate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = dir.join("fleet-vm-test.py");
    let text = std::fs::read_to_string(&script).expect("script");
    let machines = text
        .lines()
        .find_map(|l| l.strip_prefix("# VM test machines: "))
        .expect("machines header")
        .replace(' ', "");
    for m in ["back", "host", "database"] {
        assert!(machines.split(',').any(|x| x == m), "{machines}");
    }
    let pyflakes = Command::new("python3")
        .args(["-m", "pyflakes"])
        .arg(&script)
        .env(
            "PYFLAKES_BUILTINS",
            format!("{machines},start_all,test_script,machines,vlans,driver,log,os,create_machine,subtest,run_tests,join_all,retry,serial_stdout_off,serial_stdout_on,polling_condition,Machine,t"),
        )
        .output()
        .expect("pyflakes");
    assert!(
        pyflakes.status.success(),
        "{}",
        String::from_utf8_lossy(&pyflakes.stdout)
    );
    let mut typed =
        std::fs::read_to_string(root.join("tests/vm-driver/prelude.py")).expect("prelude");
    for m in machines.split(',') {
        typed.push_str(&format!("{m} = Machine()\n"));
    }
    typed.push_str(&text);
    std::fs::write(tmp.path().join("typed.py"), typed).expect("write");
    let mypy = Command::new("python3")
        .args(["-m", "mypy", "--no-error-summary", "--cache-dir"])
        .arg(tmp.path().join("mypy"))
        .arg(tmp.path().join("typed.py"))
        .output()
        .expect("mypy");
    assert!(
        mypy.status.success(),
        "{}",
        String::from_utf8_lossy(&mypy.stdout)
    );
}
