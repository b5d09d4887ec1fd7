//! What evaluating the generated Nix copies into the Nix store, measured rather than argued:
//! `nix-instantiate` in read-write mode over a private store (`--store local?root=DIR`) copies
//! every source a real evaluation copies and writes every `.drv` file, with nixpkgs' real
//! `importNpmLock` and the real pyproject.nix and uv2nix libraries. Each test plants values in
//! files a cloned repository can hold (outside the project, in credential files, in lock files)
//! and then searches every file of that store for them: a project app2nix accepts must copy none
//! of them; the ones that would leak are refused by `check`.
//!
//! Needs `NIXPKGS_LIB`, `PYPROJECT_NIX`, `UV2NIX` and `IMPORT_NPM_LOCK` (see DEVELOPERS.md);
//! ignored otherwise, like the other evaluations `.ci/run` runs when they are set.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn env_path(var: &str) -> PathBuf {
    PathBuf::from(std::env::var(var).unwrap_or_else(|_| panic!("set {var} (see DEVELOPERS.md)")))
}

/// `expr` evaluated (strictly, as JSON) by `nix-instantiate` in read-write mode over a private
/// store under `store`: every path the evaluation copies, and every derivation it instantiates,
/// lands in `store/nix/store`. The error when the evaluation fails.
fn eval_into_store(expr: &str, store: &Path) -> Result<serde_json::Value, String> {
    let out = Command::new("nix-instantiate")
        .arg("--store")
        .arg(format!("local?root={}", store.display()))
        .args([
            "--read-write-mode",
            "--eval",
            "--strict",
            "--json",
            "-E",
            expr,
        ])
        .env("NIX_STATE_DIR", store.join("state"))
        .output()
        .expect("nix-instantiate");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

/// The files of the private store holding one of `markers`, as `marker in path`.
fn planted_in_store(store: &Path, markers: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![store.join("nix/store")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let bytes = std::fs::read(&path).unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes);
                for m in markers {
                    if text.contains(m) {
                        found.push(format!("{m} in {}", path.display()));
                    }
                }
            }
        }
    }
    found.sort();
    found
}

/// Whether any file of the private store holds `text` (what must be copied, to prove the
/// search would see it).
fn store_holds(store: &Path, text: &str) -> bool {
    !planted_in_store(store, &[text]).is_empty()
}

/// How many files `check`'s note says the generated sources leave out.
fn left_out_count(stderr: &str) -> usize {
    let Some(note) = stderr
        .lines()
        .find(|l| l.starts_with("note: left out of the generated sources:"))
    else {
        return 0;
    };
    let list = note.split(". Files that can hold").next().unwrap_or("");
    let shown = list.matches("`, `").count() + 1;
    let more = list
        .split(" and ")
        .nth(1)
        .and_then(|m| m.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    shown + more
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A copy of a project (an example or a fixture) in `tmp/p`, with `tmp/outside` beside it: a
/// directory of the user's that is no part of the project (an `~/.ssh`).
fn project(tmp: &Path, rel: &str) -> PathBuf {
    let dir = tmp.join("p");
    common::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(rel), &dir);
    write(&tmp.join("outside/id_ed25519"), "PLANTED-OUTSIDE-KEY\n");
    write(&tmp.join("outside/notes.txt"), "PLANTED-OUTSIDE-NOTES\n");
    write(
        &tmp.join("outside/pyproject.toml"),
        "[project]\nname = \"outside-lib\"\nversion = \"1.0\"\n# PLANTED-OUTSIDE-NOTES\n",
    );
    dir
}

/// `app2nix generate --module-only` in `dir`: its standard error, and whether it succeeded.
fn generate(dir: &Path) -> (bool, String) {
    let out = common::run(dir, &["generate", "--module-only"]);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Credential files a repository may hold, each with its own marker: none may reach a store.
const CREDENTIAL_FILES: &[(&str, &str)] = &[
    (".npmrc", "//registry.npmjs.org/:_authToken=PLANTED-NPMRC\n"),
    (".pypirc", "[pypi]\npassword = PLANTED-PYPIRC\n"),
    (".git-credentials", "https://u:PLANTED-GITCRED@github.com\n"),
    (".netrc", "machine x login u password PLANTED-NETRC\n"),
    (
        ".aws/credentials",
        "[default]\naws_secret_access_key = PLANTED-AWS\n",
    ),
    (
        ".docker/config.json",
        "{\"auths\": {\"x\": {\"auth\": \"PLANTED-DOCKER\"}}}\n",
    ),
    (".vault-token", "PLANTED-VAULT\n"),
    ("id_ed25519_sk", "PLANTED-SK-KEY\n"),
    (
        "pip.conf",
        "[global]\nindex-url = https://u:PLANTED-PIPCONF@pypi.example.org/simple\n",
    ),
    ("kubeconfig", "users:\n- user:\n    token: PLANTED-KUBE\n"),
    (".my.cnf", "[client]\npassword=PLANTED-MYCNF\n"),
    ("terraform.tfstate", "{\"secret\": \"PLANTED-TFSTATE\"}\n"),
    (".yarnrc.yml", "npmAuthToken: PLANTED-YARNRC\n"),
];

fn plant_credentials(dir: &Path, tag: &str) -> Vec<String> {
    CREDENTIAL_FILES
        .iter()
        .map(|(file, text)| {
            let marker_text = text.replace("PLANTED-", &format!("PLANTED-{tag}-"));
            write(&dir.join(file), &marker_text);
            marker_text
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .find(|w| w.starts_with("PLANTED-"))
                .expect("a marker")
                .to_string()
        })
        .collect()
}

/// The npm asset `file` of the project, with nixpkgs' real `importNpmLock`: the build's source,
/// the locked packages (local ones copied, remote ones as fetch derivations) and the
/// derivation of the dependencies, all instantiated.
fn npm_asset_expr(file: &Path) -> String {
    let lib = common::nixpkgs_lib();
    format!(
        r#"
let
  lib = import {lib};
  system = "x86_64-linux";
  drv = name: attrs: derivation ({{ inherit name system; builder = "/bin/sh"; }} // attrs);
  importNpmLock = import {import_npm_lock} {{
    inherit lib;
    fetchurl = {{ url, hash }}: drv "fetched" {{ inherit url hash; }};
    stdenv = {{ }};
    callPackages = _: _: {{ npmConfigHook = "npm-config-hook"; linkNodeModulesHook = "hook"; }};
    runCommand = name: env: script: drv name (env // {{ args = [ "-c" script ]; }});
  }};
  built = import {file} {{
    inherit lib importNpmLock;
    buildNpmPackage = args: drv args.pname {{ inherit (args) src npmDeps version; }};
  }};
in
{{ drv = built.drvPath; }}
"#,
        lib = lib.display(),
        import_npm_lock = env_path("IMPORT_NPM_LOCK").display(),
        file = file.display(),
    )
}

/// Add `entries` (JSON members, `"path": {{…}}`) to the packages of `lock`.
fn add_to_lock(lock: &Path, entries: &str) {
    let text = std::fs::read_to_string(lock).expect("lock");
    let text = text.replacen(
        "\"packages\": {",
        &format!("\"packages\": {{\n{entries},"),
        1,
    );
    std::fs::write(lock, text).expect("write lock");
}

/// A local package of `package-lock.json` is copied by importNpmLock as `npmRoot + "/" +
/// resolved`: one outside the project would put any directory the evaluating user can read
/// into the store, and one inside it must come through the secret filter. Credential files of
/// the npm project never reach the store; a scoped package name evaluates.
#[test]
#[ignore = "needs NIXPKGS_LIB and IMPORT_NPM_LOCK: run by .ci/run"]
fn npm_assets_copy_nothing_from_outside_and_no_credentials() {
    // A local package outside the project, a token in a URL: refused, and (were they
    // accepted) not copied.
    let mut failures = Vec::new();
    for (entry, why) in [
        (
            r#""node_modules/outside": { "resolved": "../../outside", "link": true }"#,
            "outside the npm project",
        ),
        (
            r#""node_modules/outside": { "version": "1.0.0", "resolved": "file:../../outside" }"#,
            "outside the npm project",
        ),
        (
            r#""node_modules/token": { "version": "1.0.0", "resolved": "https://deploy:PLANTED-URL-TOKEN@registry.npmjs.org/token/-/token-1.0.0.tgz", "integrity": "sha512-AAAA" }"#,
            "holds a credential",
        ),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = project(tmp.path(), "examples/incident-tracker");
        add_to_lock(&dir.join("frontend/package-lock.json"), entry);
        let (ok, stderr) = generate(&dir);
        if ok {
            let store = tmp.path().join("store");
            let evaluated = eval_into_store(
                &npm_asset_expr(&dir.join("incident-tracker-frontend.nix")),
                &store,
            );
            let leaks = planted_in_store(
                &store,
                &[
                    "PLANTED-OUTSIDE-KEY",
                    "PLANTED-OUTSIDE-NOTES",
                    "PLANTED-URL-TOKEN",
                ],
            );
            if !leaks.is_empty() {
                failures.push(format!("{entry}: {leaks:?} ({evaluated:?})"));
            }
        }
        if ok
            || !stderr.contains("package-lock.json")
            || !stderr.contains(why)
            || stderr.contains("PLANTED")
        {
            failures.push(format!("{entry} (accepted: {ok}): {stderr}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // A local package inside the npm project, credential files beside the build's sources and
    // in the local package, a scoped name: accepted; the store holds the package's code and
    // the project's plain npm settings, and none of the planted values.
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = project(tmp.path(), "examples/incident-tracker");
    let frontend = dir.join("frontend");
    add_to_lock(
        &frontend.join("package-lock.json"),
        r#""node_modules/ui": { "resolved": "packages/ui", "link": true },
"packages/ui": { "name": "ui", "version": "1.0.0" }"#,
    );
    for f in ["package.json", "package-lock.json"] {
        let text = std::fs::read_to_string(frontend.join(f)).expect("read");
        let text = text.replace("\"incident-tracker-frontend\"", "\"@acme/web\"");
        std::fs::write(frontend.join(f), text).expect("write");
    }
    write(
        &frontend.join("packages/ui/package.json"),
        "{ \"name\": \"ui\", \"version\": \"1.0.0\" }\n",
    );
    write(
        &frontend.join("packages/ui/index.js"),
        "export const ui = 'LOCAL-PACKAGE-CODE';\n",
    );
    write(
        &frontend.join("packages/ui/.env"),
        "API_KEY=PLANTED-UI-ENV\n",
    );
    let mut markers = plant_credentials(&frontend, "WEB");
    markers.extend(plant_credentials(&frontend.join("packages/ui"), "UI"));
    markers.push("PLANTED-UI-ENV".into());
    // npm settings without credentials are part of the build: they stay.
    write(
        &frontend.join("packages/ui/.npmrc"),
        "legacy-peer-deps=true # KEEP-NPMRC\n",
    );
    let (ok, stderr) = generate(&dir);
    assert!(ok, "{stderr}");
    // Each planted file is named (`.aws/` once), in the npm project and its local package,
    // the local package's `.env` too; its plain `.npmrc` is not.
    assert_eq!(
        left_out_count(&stderr),
        2 * CREDENTIAL_FILES.len(),
        "{stderr}"
    );
    assert!(
        stderr.contains("`frontend/.aws/`, `frontend/.docker/`, `frontend/.git-credentials`"),
        "{stderr}"
    );
    let store = tmp.path().join("store");
    let evaluated = eval_into_store(
        &npm_asset_expr(&dir.join("incident-tracker-frontend.nix")),
        &store,
    );
    assert!(evaluated.is_ok(), "{evaluated:?}");
    assert!(
        store_holds(&store, "LOCAL-PACKAGE-CODE"),
        "the local package was not copied"
    );
    assert!(
        store_holds(&store, "KEEP-NPMRC"),
        "plain npm settings were left out"
    );
    let markers: Vec<&str> = markers.iter().map(String::as_str).collect();
    let leaks = planted_in_store(&store, &markers);
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// The uv2nix environment of `file`, every package of the resolution instantiated through the
/// real uv2nix builders (local projects, registry, path and URL sources) over a stand-in
/// build scope: what the real evaluation copies and writes, it copies and writes.
fn uv_env_expr(file: &Path) -> String {
    let lib = common::nixpkgs_lib();
    format!(
        r#"
let
  lib = import {lib};
  system = "x86_64-linux";
  platform = lib.systems.elaborate system;
  pyproject-nix = lib.fix (self: {{
    lib = import ({pyproject}/lib) {{ inherit lib; }};
    build = {{
      lib = import ({pyproject}/build/lib) {{ inherit lib; pyproject-nix = self; }};
      packages = {{ __standIn = true; }};
    }};
  }});
  uv2nix.lib = import ({uv2nix}/lib) {{ inherit lib pyproject-nix; }};
  python = {{
    pythonVersion = "3.13"; version = "3.13.5"; implementation = "cpython";
    passthru = {{
      pythonVersion = "3.13"; implementation = "cpython";
      sourceVersion = {{ major = "3"; minor = "13"; patch = "5"; }};
    }};
    stdenv = {{
      hostPlatform = platform; targetPlatform = platform; buildPlatform = platform;
      cc.libc = {{ pname = "glibc"; version = "2.40"; }};
    }};
  }};
  # A derivation of what a package builds from: instantiating it copies its source.
  package = attrs: derivation {{
    name = "package";
    inherit system;
    builder = "/bin/sh";
    src = attrs.src or "";
  }} // {{
    overrideAttrs = f: package (attrs // f attrs);
  }};
  args = {{
    inherit python;
    stdenv = {{
      hostPlatform = platform; targetPlatform = platform; buildPlatform = platform;
      isLinux = true; isDarwin = false;
      mkDerivation = a: package (if lib.isFunction a then lib.fix a else a);
    }};
    fetchurl = {{ url, ... }}: derivation {{ name = "fetched"; inherit system url; builder = "/bin/sh"; }};
    autoPatchelfHook = "hook";
    pythonManylinuxPackages = {{ manylinux1 = [ ]; manylinux2010 = [ ]; manylinux2014 = [ ]; }};
    unzip = "unzip";
    pyprojectHook = "hook";
    pyprojectWheelHook = "hook";
    pyprojectEditableHook = "hook";
    resolveBuildSystem = _: [ ];
  }};
  scope = args // {{
    callPackage = fn: extra: let f = if lib.isFunction fn then fn else import fn; in
      f (builtins.intersectAttrs (builtins.functionArgs f) args // extra);
  }};
  set = base: {{
    overrideScope = overlay: set (lib.fix (final: base // overlay final base));
    mkVirtualEnv = _name: _deps: {{ scope = base; }};
  }};
  pkgs.callPackage = _fn: _args: set scope;
  env = import {file} {{
    inherit lib pkgs python pyproject-nix uv2nix;
    pyproject-build-systems.overlays.wheel = _final: _prev: {{ }};
  }};
in
lib.mapAttrs (_: p: p.drvPath) (lib.filterAttrs (_: p: lib.isAttrs p && p ? drvPath) env.scope)
"#,
        lib = lib.display(),
        pyproject = env_path("PYPROJECT_NIX").display(),
        uv2nix = env_path("UV2NIX").display(),
        file = file.display(),
    )
}

/// Make the app's project (`board`) depend on a new locked package `extra` with `source`
/// (and `more`, other keys of its entry).
fn add_uv_package(dir: &Path, source: &str, more: &str) {
    let lock = dir.join("uv.lock");
    let text = std::fs::read_to_string(&lock).expect("lock");
    let text = text.replacen(
        "    { name = \"greeting\" },\n    { name = \"gunicorn\" },\n]",
        "    { name = \"extra\" },\n    { name = \"greeting\" },\n    { name = \"gunicorn\" },\n]",
        1,
    );
    let text = format!(
        "{text}\n[[package]]\nname = \"extra\"\nversion = \"1.0\"\nsource = {source}\n{more}"
    );
    std::fs::write(lock, text).expect("write lock");
}

/// uv `path` and `directory` sources, and URLs of `uv.lock` and `pyproject.toml`: nothing from
/// outside the project, no credential, no unfiltered source tree reaches the store.
#[test]
#[ignore = "needs NIXPKGS_LIB, PYPROJECT_NIX and UV2NIX: run by .ci/run"]
fn uv_environments_copy_nothing_from_outside_and_no_credentials() {
    let outside_archive = |tmp: &Path| {
        write(
            &tmp.join("outside/extra-1.0.tar.gz"),
            "PLANTED-OUTSIDE-NOTES archive\n",
        );
    };
    let mut failures = Vec::new();
    for (source, more, prepare, why) in [
        (
            "{ directory = \"../outside\" }",
            "",
            None,
            "outside the project",
        ),
        (
            "{ path = \"../outside/extra-1.0.tar.gz\" }",
            "",
            Some(outside_archive as fn(&Path)),
            "outside the project",
        ),
        ("{ path = \"app/vendor\" }", "", None, "not an archive"),
        (
            "{ registry = \"https://pypi.org/simple\" }",
            "wheels = [{ url = \"file:///OUTSIDE/extra-1.0-py3-none-any.whl\" }]\n",
            None,
            "file:",
        ),
        (
            "{ registry = \"https://deploy:PLANTED-URL-TOKEN@pypi.example.org/simple\" }",
            "sdist = { url = \"https://deploy:PLANTED-URL-TOKEN@pypi.example.org/extra-1.0.tar.gz\", hash = \"sha256:00\" }\n",
            None,
            "credential",
        ),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = project(tmp.path(), "tests/fixtures/uv-workspace");
        if let Some(prepare) = prepare {
            prepare(tmp.path());
        }
        write(
            &dir.join("app/vendor/.env"),
            "SECRET_KEY=PLANTED-VENDOR-ENV\n",
        );
        write(&dir.join("app/vendor/setup.py"), "# vendored\n");
        write(
            &tmp.path().join("outside/extra-1.0-py3-none-any.whl"),
            "PLANTED-OUTSIDE-NOTES wheel\n",
        );
        let more = more.replace(
            "/OUTSIDE",
            &tmp.path().join("outside").display().to_string(),
        );
        add_uv_package(&dir, source, &more);
        let (ok, stderr) = generate(&dir);
        if ok {
            let store = tmp.path().join("store");
            let evaluated = eval_into_store(&uv_env_expr(&dir.join("board-python.nix")), &store);
            let leaks = planted_in_store(
                &store,
                &[
                    "PLANTED-OUTSIDE-KEY",
                    "PLANTED-OUTSIDE-NOTES",
                    "PLANTED-URL-TOKEN",
                    "PLANTED-VENDOR-ENV",
                ],
            );
            if !leaks.is_empty() {
                failures.push(format!("{source}: {leaks:?} ({evaluated:?})"));
            }
        }
        if ok || !stderr.contains("uv.lock") || !stderr.contains(why) || stderr.contains("PLANTED")
        {
            failures.push(format!("{source} (accepted: {ok}): {stderr}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // An index with a token in pyproject.toml: refused (the file is part of the source).
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = project(tmp.path(), "tests/fixtures/uv-workspace");
    let pyproject = dir.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).expect("read");
    std::fs::write(
        &pyproject,
        format!("{text}\n[tool.uv]\nindex-url = \"https://__token__:PLANTED-INDEX-TOKEN@pypi.example.org/simple\"\n"),
    )
    .expect("write");
    let (ok, stderr) = generate(&dir);
    assert!(!ok, "an index URL with a token was accepted");
    assert!(
        stderr.contains("pyproject.toml:")
            && stderr.contains("netrc")
            && !stderr.contains("PLANTED"),
        "{stderr}"
    );

    // A local directory inside the project, credential files in the members and in it:
    // accepted, and the store holds their code and none of the planted values.
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = project(tmp.path(), "tests/fixtures/uv-workspace");
    write(
        &dir.join("libs/shared/pyproject.toml"),
        "[project]\nname = \"extra\"\nversion = \"1.0\"\n",
    );
    write(
        &dir.join("libs/shared/shared.py"),
        "SHARED = 'LOCAL-DIRECTORY-CODE'\n",
    );
    write(
        &dir.join("libs/shared/.env"),
        "SECRET_KEY=PLANTED-SHARED-ENV\n",
    );
    add_uv_package(&dir, "{ directory = \"libs/shared\" }", "");
    let mut markers = plant_credentials(&dir.join("app"), "APP");
    markers.extend(plant_credentials(&dir.join("packages/greeting"), "LIB"));
    markers.extend(plant_credentials(&dir.join("libs/shared"), "SHARED"));
    markers.push("PLANTED-SHARED-ENV".into());
    let (ok, stderr) = generate(&dir);
    assert!(ok, "{stderr}");
    // Each planted file is named, in the members and the local directory (its `.env` too).
    assert_eq!(
        left_out_count(&stderr),
        3 * CREDENTIAL_FILES.len() + 1,
        "{stderr}"
    );
    let store = tmp.path().join("store");
    let evaluated = eval_into_store(&uv_env_expr(&dir.join("board-python.nix")), &store);
    assert!(evaluated.is_ok(), "{evaluated:?}");
    assert!(
        store_holds(&store, "LOCAL-DIRECTORY-CODE"),
        "the local directory was not copied"
    );
    let markers: Vec<&str> = markers.iter().map(String::as_str).collect();
    let leaks = planted_in_store(&store, &markers);
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// The package of an app built without a lock (`<app>-package.nix`, the source on
/// `PYTHONPATH`): no credential file of the source tree reaches the store.
#[test]
#[ignore = "needs NIXPKGS_LIB: run by .ci/run"]
fn python_sources_hold_no_credential_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = project(tmp.path(), "examples/nanotrace");
    let markers = plant_credentials(&dir.join("app"), "SRC");
    write(
        &dir.join("app/backend/KEEP-SOURCE.py"),
        "KEEP = 'APP-SOURCE-CODE'\n",
    );
    // Plain configuration stays; the same names with a credential are left out.
    write(&dir.join("app/web/.npmrc"), "legacy-peer-deps=true\n");
    write(
        &dir.join("app/web/.yarnrc.yml"),
        "nodeLinker: node-modules\n",
    );
    write(&dir.join("app/deploy/.ssh/config"), "Host x\n");
    let (ok, stderr) = generate(&dir);
    assert!(ok, "{stderr}");
    let lib = common::nixpkgs_lib();
    let expr = format!(
        r#"
let
  lib = import {lib};
  system = "x86_64-linux";
  source = import {file} {{
    inherit lib;
    runCommandLocal = name: _env: script: derivation {{ inherit name system; builder = "/bin/sh"; args = [ "-c" script ]; }};
  }};
in
source.drvPath
"#,
        lib = lib.display(),
        file = dir.join("nanotrace-package.nix").display(),
    );
    let store = tmp.path().join("store");
    let evaluated = eval_into_store(&expr, &store);
    assert!(evaluated.is_ok(), "{evaluated:?}");
    assert!(
        store_holds(&store, "APP-SOURCE-CODE"),
        "the source was not copied"
    );
    let markers: Vec<&str> = markers.iter().map(String::as_str).collect();
    let leaks = planted_in_store(&store, &markers);
    assert!(leaks.is_empty(), "{leaks:#?}");

    // The store copy is exactly the source tree without what `check` names as left out (and
    // the directories every source leaves out).
    let copy = std::fs::read_dir(store.join("nix/store"))
        .expect("store")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-nanotrace-source"))
        .expect("the source's store path");
    let left_out = app2nix::secrets::secret_files_in(&dir.join("app"), 100_000);
    let expected: Vec<String> = files_under(&dir.join("app"))
        .into_iter()
        .filter(|f| {
            !left_out
                .iter()
                .any(|l| f == l || (l.ends_with('/') && f.starts_with(l.as_str())))
        })
        .collect();
    assert_eq!(files_under(&copy), expected);
}

/// The regular files under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("ls").flatten() {
            let kind = e.file_type().expect("type");
            if kind.is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).expect("inside").to_path_buf();
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}
