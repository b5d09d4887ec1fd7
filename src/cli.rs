//! The command line: argument parsing, the generate/check/schema commands, exit codes.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::input::{MAX_INPUT_BYTES, ReadError, read_regular};
use crate::output::{self, GeneratedFile, Status};
use crate::render::{Layout, flake};
use crate::{description, model, render};

/// A line on standard output. A closed pipe (`app2nix generate | head`) is not an error worth a
/// panic: the line is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Exit code: success (and, with `--check`, no drift).
pub const EXIT_OK: i32 = 0;
/// Exit code: `generate --check` found files that would change.
pub const EXIT_DRIFT: i32 = 1;
/// Exit code: the description (or an input file) is invalid.
pub const EXIT_INVALID: i32 = 2;
/// Exit code: app2nix could not do its job (file system, or a bug in app2nix).
pub const EXIT_INTERNAL: i32 = 3;

/// Descriptions larger than this are refused before parsing: no real one comes close.
const MAX_DESCRIPTION_BYTES: u64 = 4 * 1024 * 1024;

const EXIT_CODES: &str = "Exit codes:\n  0  success (with --check: generated files are up to date)\n  1  --check: some generated file would change\n  2  invalid description or input\n  3  environment or internal error (cannot read/write a file, or a bug in app2nix)";

#[derive(Parser, Debug)]
#[command(name = "app2nix", version, about = "Turn a short description of a web app into a NixOS module", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Generate the NixOS module (and friends) from a description.
    #[command(after_help = EXIT_CODES)]
    Generate {
        /// The description.
        #[arg(short = 'f', long = "file", default_value = "app2nix.toml")]
        file: PathBuf,
        /// Directory for the module and its companions (package, VM test); only they are written
        /// there. Default: beside the description, with the flake and secrets.nix.
        #[arg(long)]
        out: Option<PathBuf>,
        /// With --out: also write flake.nix, flake.lock and secrets/secrets.nix beside the
        /// description, pointing at the module in DIR.
        #[arg(long, requires = "out")]
        with_flake: bool,
        /// Write nothing; exit 1 if any file would change.
        #[arg(long, conflicts_with = "stdout")]
        check: bool,
        /// Print the generated files instead of writing them.
        #[arg(long)]
        stdout: bool,
        /// Only the module (and its package and secrets.nix): no flake.nix, flake.lock or VM test.
        #[arg(long, conflicts_with = "with_flake")]
        module_only: bool,
    },
    /// Validate a description without generating anything.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// The description.
        #[arg(short = 'f', long = "file", default_value = "app2nix.toml")]
        file: PathBuf,
    },
    /// Print the JSON Schema of the description (for taplo / Even Better TOML).
    Schema,
    /// Write a first app2nix.toml for a source tree (Django, Flask, FastAPI, Vite, .env, Procfile).
    #[command(after_help = EXIT_CODES)]
    Init {
        /// The project directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Print the description instead of writing DIR/app2nix.toml.
        #[arg(long)]
        stdout: bool,
    },
    /// Turn existing deployment files into a description: systemd units, nginx configuration,
    /// .env files, Compose files, Dockerfiles, requirements.txt, pyproject.toml, .python-version.
    #[command(after_help = EXIT_CODES)]
    Import {
        /// The files to import (the kind of each is detected from its name and content).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write the description here instead of standard output (never over an existing file).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Exit 1 when something could not be mapped.
        #[arg(long)]
        strict: bool,
        /// The app's name (default: from the unit or Compose project names).
        #[arg(long)]
        name: Option<String>,
        /// The Python source directory, relative to the description (default `.`).
        #[arg(long)]
        src: Option<String>,
    },
}

/// Why a command failed, with its exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: the message is ready to print.
    Invalid(String),
    /// Environment or internal error.
    Internal(String),
}

impl Failure {
    fn code(&self) -> i32 {
        match self {
            Failure::Invalid(_) => EXIT_INVALID,
            Failure::Internal(_) => EXIT_INTERNAL,
        }
    }
}

/// Run the command line and return the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_INVALID
            } else {
                EXIT_OK
            };
        }
    };
    let result = match cli.command {
        Cmd::Generate {
            file,
            out,
            check,
            stdout,
            module_only,
            with_flake,
        } => generate_cmd(
            &file,
            &Selection {
                out: out.as_deref(),
                vm_test: !module_only,
                // Nothing outside --out changes unless asked.
                project_files: out.is_none() || with_flake,
            },
            check,
            stdout,
        ),
        Cmd::Check { file } => load(&file).map(|model| {
            print_notes(&model);
            say!("{}: ok", file.display());
            EXIT_OK
        }),
        Cmd::Init { dir, stdout } => init_cmd(&dir, stdout),
        Cmd::Import {
            files,
            output,
            strict,
            name,
            src,
        } => import_cmd(
            &files,
            output.as_deref(),
            strict,
            crate::import::Options { name, src },
        ),
        Cmd::Schema => {
            let schema = schemars::schema_for!(description::Description);
            match serde_json::to_string_pretty(&schema) {
                Ok(s) => {
                    say!("{s}");
                    Ok(EXIT_OK)
                }
                Err(e) => Err(Failure::Internal(format!("internal error: schema: {e}"))),
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            let msg = match &f {
                Failure::Invalid(m) | Failure::Internal(m) => m,
            };
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{msg}");
            if !msg.ends_with('\n') {
                let _ = writeln!(err);
            }
            f.code()
        }
    }
}

/// Which files a generation writes, and where.
struct Selection<'a> {
    /// The directory of the module and its companions (default: the description's).
    out: Option<&'a Path>,
    /// The VM test (and, with `project_files`, the flake running it).
    vm_test: bool,
    /// The files beside the description: flake.nix, flake.lock, secrets.nix.
    project_files: bool,
}

fn generate_cmd(
    file: &Path,
    selection: &Selection,
    check: bool,
    stdout: bool,
) -> Result<i32, Failure> {
    let (model, files) = generate_files(file, selection)?;
    print_notes(&model);
    if stdout {
        let mut so = std::io::stdout().lock();
        for f in &files {
            let _ = so.write_all(f.text.as_bytes());
        }
        return Ok(EXIT_OK);
    }
    // Every file is checked before any is written: a refusal or an unusable path leaves the
    // project as it was, never half-generated.
    let statuses = files
        .iter()
        .map(output::status)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let mut drift = false;
    if let Some(mixed) = mixed_generations(&files) {
        if check {
            drift = true;
            say!(
                "{mixed}: an earlier `app2nix generate` was interrupted, or these files come from different descriptions"
            );
        } else {
            say!("{mixed}: all are written again from this description");
        }
    }
    let mut to_write = Vec::new();
    for (f, status) in files.iter().zip(statuses) {
        if f.seed && status == Status::Unchanged {
            say!(
                "kept {} (written once; `nix flake update` maintains it)",
                f.path.display()
            );
        } else if check {
            match status {
                Status::Unchanged => say!("up to date: {}", f.path.display()),
                Status::New => {
                    drift = true;
                    say!("missing: {}", f.path.display());
                }
                Status::Changed => {
                    drift = true;
                    say!("out of date: {}", f.path.display());
                }
            }
        } else if status == Status::Unchanged {
            say!("unchanged {}", f.path.display());
        } else {
            to_write.push(f);
        }
    }
    // All or nothing: every file is written to a temporary before any is renamed into place.
    output::write_all(&to_write).map_err(|e| Failure::Internal(e.to_string()))?;
    for f in to_write {
        say!("wrote {}", f.path.display());
    }
    if drift {
        say!("run `app2nix generate` to update the generated files");
        return Ok(EXIT_DRIFT);
    }
    Ok(EXIT_OK)
}

/// When the generated files on disk carry different generation stamps, which ones.
fn mixed_generations(files: &[GeneratedFile]) -> Option<String> {
    let stamps: Vec<(String, &Path)> = files
        .iter()
        .filter(|f| !f.seed)
        .filter_map(|f| output::generation_of(&f.path).map(|g| (g, f.path.as_path())))
        .collect();
    let first = &stamps.first()?.0;
    if stamps.iter().all(|(g, _)| g == first) {
        return None;
    }
    let listed: Vec<String> = stamps
        .iter()
        .map(|(g, p)| format!("{} ({g})", p.display()))
        .collect();
    Some(format!(
        "the generated files are of different generations: {}",
        listed.join(", ")
    ))
}

fn import_cmd(
    files: &[PathBuf],
    output: Option<&Path>,
    strict: bool,
    opts: crate::import::Options,
) -> Result<i32, Failure> {
    let mut inputs = Vec::new();
    for f in files {
        let shown = f.display().to_string();
        let bytes = read_input(f)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Failure::Invalid(format!(
                "error: {shown} is not UTF-8 text\nhelp: save it as UTF-8"
            ))
        })?;
        inputs.push(crate::import::Input { name: shown, text });
    }
    let dir = match output {
        Some(o) => absolute(o)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        None => std::env::current_dir().unwrap_or_default(),
    };
    // The packaging files of the source directory count as inputs too, unless given already.
    if let Some(src) = &opts.src {
        for name in crate::import::PACKAGING_FILES {
            let path = dir.join(src).join(name);
            let given = files.iter().any(|f| absolute(f) == absolute(&path));
            if !given && path.is_file() {
                let text = String::from_utf8(read_input(&path)?).map_err(|_| {
                    Failure::Invalid(format!(
                        "error: {} is not UTF-8 text\nhelp: save it as UTF-8",
                        path.display()
                    ))
                })?;
                let name = Path::new(src).join(name).display().to_string();
                inputs.push(crate::import::Input { name, text });
            }
        }
    }
    let (draft, report) = crate::import::import(&inputs, &opts).map_err(Failure::Invalid)?;
    let code = emit(&draft.to_toml(), &report, &dir, output)?;
    if code == EXIT_OK && strict && report.unmapped() > 0 {
        return Ok(EXIT_DRIFT);
    }
    Ok(code)
}

/// An input file of `import`: a regular file, up to the input limit.
fn read_input(path: &Path) -> Result<Vec<u8>, Failure> {
    let shown = path.display();
    read_regular(path, MAX_INPUT_BYTES).map_err(|e| match e {
        ReadError::Io(e) => Failure::Internal(format!(
            "error: cannot read {shown}: {e}\nhelp: check that the path names a file you can read"
        )),
        other => Failure::Invalid(format!(
            "error: cannot read {shown}: {other}\nhelp: pass the deployment files themselves (units, nginx configuration, .env, Compose files, …)"
        )),
    })
}

fn init_cmd(dir: &Path, stdout: bool) -> Result<i32, Failure> {
    if !dir.is_dir() {
        return Err(Failure::Invalid(format!(
            "error: {} is not a directory\nhelp: pass the project's directory, e.g. `app2nix init .`",
            dir.display()
        )));
    }
    let (draft, report) = crate::init::init(dir).map_err(Failure::Internal)?;
    let target = dir.join("app2nix.toml");
    emit(
        &draft.to_toml(),
        &report,
        &absolute(dir),
        (!stdout).then_some(target.as_path()),
    )
}

/// Print the report, check the description where it will live, and write it (or print it).
fn emit(
    text: &str,
    report: &crate::draft::Report,
    dir: &Path,
    output: Option<&Path>,
) -> Result<i32, Failure> {
    let text = text.to_string();
    let probe = tempfile::Builder::new()
        .prefix(".app2nix-import-")
        .suffix(".toml")
        .tempfile_in(dir)
        .and_then(|mut t| t.write_all(text.as_bytes()).map(|_| t))
        .map_err(|e| {
            Failure::Internal(format!(
                "error: cannot write in {}: {e}\nhelp: run import in a writable directory",
                dir.display()
            ))
        })?;
    let verdict = load(probe.path());
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{}", report.render());
    if let Err(Failure::Invalid(msg)) = &verdict {
        let shown = probe.path().display().to_string();
        let _ = writeln!(
            err,
            "the imported description does not pass `app2nix check` yet:\n{}",
            msg.replace(&shown, "app2nix.toml")
        );
    }
    drop(probe);
    match output {
        Some(o) => {
            if o.exists() {
                return Err(Failure::Internal(format!(
                    "error: refusing to overwrite {}\nhelp: choose another file with -o, or move it away",
                    o.display()
                )));
            }
            output::write_atomic(&GeneratedFile::owned(o.to_path_buf(), text))
                .map_err(|e| Failure::Internal(e.to_string()))?;
            let _ = writeln!(err, "wrote {}", o.display());
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    if verdict.is_err() {
        return Ok(EXIT_INVALID);
    }
    Ok(EXIT_OK)
}

/// What the model says besides errors, on standard error.
fn print_notes(model: &model::Model) {
    let mut err = std::io::stderr().lock();
    for n in &model.notes {
        let _ = writeln!(err, "note: {n}");
    }
}

/// Read and validate a description.
pub fn load(file: &Path) -> Result<model::Model, Failure> {
    load_with_source(file).map(|(model, _)| model)
}

/// [`load`], also returning the description's text.
fn load_with_source(file: &Path) -> Result<(model::Model, String), Failure> {
    let shown = file.display().to_string();
    let bytes = read_regular(file, MAX_DESCRIPTION_BYTES).map_err(|e| match e {
        ReadError::NotFound => Failure::Invalid(format!("error: {shown} does not exist\nhelp: run app2nix in the directory holding app2nix.toml, or pass it with -f FILE")),
        ReadError::Directory => Failure::Invalid(format!(
            "error: {shown} is a directory, not a description\nhelp: pass the file, e.g. -f {}",
            Path::new(&shown).join("app2nix.toml").display()
        )),
        ReadError::NotRegular => Failure::Invalid(format!("error: {shown} is not a regular file (a FIFO, socket or device)\nhelp: pass the description itself, e.g. -f app2nix.toml")),
        ReadError::TooLarge(n) => Failure::Invalid(format!(
            "error: {shown} is {n} bytes; descriptions are limited to {MAX_DESCRIPTION_BYTES} bytes\nhelp: is this the right file?"
        )),
        ReadError::Io(e) => Failure::Internal(format!("error: cannot read {shown}: {e}\nhelp: check that the path names a file you can read")),
    })?;
    let source = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let col = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        Failure::Invalid(format!(
            "error: {shown}:{line}:{col}: the description is not UTF-8 text\nhelp: save it as UTF-8"
        ))
    })?;
    let desc =
        description::parse(&source).map_err(|d| Failure::Invalid(d.render(&shown, &source)))?;
    let project_dir = absolute(file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let model = model::build(
        &desc,
        &model::Context {
            project_dir: &project_dir,
        },
    )
    .map_err(|d| Failure::Invalid(d.render(&shown, &source)))?;
    Ok((model, source))
}

/// The whole pipeline: description file → checked generated files (nothing written), the flake
/// and its VM test included.
pub fn generate(file: &Path, out: Option<&Path>) -> Result<Vec<GeneratedFile>, Failure> {
    let selection = Selection {
        out,
        vm_test: true,
        project_files: true,
    };
    generate_files(file, &selection).map(|(_, files)| files)
}

fn internal(what: &str) -> impl Fn(minijinja::Error) -> Failure + '_ {
    move |e| {
        Failure::Internal(format!(
            "internal error: rendering {what} failed: {e:#}\nThis is a bug in app2nix; please report it."
        ))
    }
}

fn generate_files(
    file: &Path,
    selection: &Selection,
) -> Result<(model::Model, Vec<GeneratedFile>), Failure> {
    let out = selection.out;
    let (mut model, source) = load_with_source(file)?;
    let desc_abs = absolute(file);
    let desc_dir = desc_abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let out_dir = out.map(absolute).unwrap_or_else(|| desc_dir.clone());
    if selection.vm_test && selection.project_files && !flake_can_read(&desc_dir, &out_dir) {
        model.notes.push(format!(
            "the flake beside the description refers to {}, outside its directory and git repository: Nix evaluates a flake from a copy of its own tree, so keep the output directory inside it",
            out_dir.display()
        ));
    }
    let to_project = relative(&out_dir, &desc_dir);
    let layout = Layout {
        source_label: relative(&out_dir, &desc_abs),
        to_project: if to_project.is_empty() {
            String::new()
        } else {
            format!("{to_project}/")
        },
    };
    let text = render::module(&model, &layout).map_err(internal("the module"))?;
    let shown_dir = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| file.parent().map(Path::to_path_buf).unwrap_or_default());
    let shown_desc_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut files = vec![GeneratedFile::owned(
        shown_dir.join(format!("{}.nix", model.name)),
        text,
    )];
    if let Some(text) = render::package(&model, &layout).map_err(internal("the package"))? {
        files.push(GeneratedFile::owned(
            shown_dir.join(render::package_file_name(&model.name)),
            text,
        ));
    }
    if selection.vm_test {
        let (test_nix, test_py) =
            flake::vm_test(&model, &layout.source_label).map_err(internal("the VM test"))?;
        files.push(GeneratedFile::owned(
            shown_dir.join(flake::vm_test_file_name(&model.name)),
            test_nix,
        ));
        files.push(GeneratedFile::owned(
            shown_dir.join(flake::vm_test_script_name(&model.name)),
            test_py,
        ));
    }
    if selection.vm_test && selection.project_files {
        let to_out = relative(&desc_dir, &out_dir);
        let flake_layout = flake::FlakeLayout {
            flake_source_label: relative(&desc_dir, &desc_abs),
            to_out: if to_out.is_empty() {
                String::new()
            } else {
                format!("{to_out}/")
            },
        };
        let text = flake::flake_nix(&model, &flake_layout).map_err(internal("flake.nix"))?;
        files.push(GeneratedFile::owned(shown_desc_dir.join("flake.nix"), text));
        let lock = flake::flake_lock(&model).map_err(|e| {
            Failure::Internal(format!(
                "internal error: writing flake.lock failed: {e}\nThis is a bug in app2nix; please report it."
            ))
        })?;
        files.push(GeneratedFile {
            path: shown_desc_dir.join("flake.lock"),
            text: lock,
            seed: true,
        });
    }
    // secrets.nix lives with the encrypted files, where `agenix -e` is run.
    let secrets_dir = desc_dir.join(&model.secrets_dir);
    let secrets = render::secrets_nix(&model, &relative(&secrets_dir, &desc_abs))
        .map_err(internal("secrets.nix"))?;
    if let Some(text) = secrets.filter(|_| selection.project_files) {
        files.push(GeneratedFile::owned(
            shown_desc_dir.join(&model.secrets_dir).join("secrets.nix"),
            text,
        ));
    }
    output::finish_all(&mut files).map_err(|e| Failure::Internal(e.to_string()))?;
    output::stamp_all(&mut files, &output::generation(&source));
    Ok((model, files))
}

/// Whether a flake in `flake_dir` can refer to files in `dir`: Nix copies the flake's directory,
/// or its whole git repository when it has one, and nothing outside.
fn flake_can_read(flake_dir: &Path, dir: &Path) -> bool {
    let root = flake_dir
        .ancestors()
        .find(|a| a.join(".git").exists())
        .unwrap_or(flake_dir);
    dir.starts_with(root)
}

/// `p` made absolute against the current directory and normalized lexically.
fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// `to` relative to the directory `from` (both absolute), `/`-separated; `""` when equal.
fn relative(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), f.len() - common).collect();
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b")), "");
        assert_eq!(
            relative(Path::new("/r/modules"), Path::new("/r/examples/x")),
            "../examples/x"
        );
        assert_eq!(
            relative(
                Path::new("/r/examples/x"),
                Path::new("/r/examples/x/app2nix.toml")
            ),
            "app2nix.toml"
        );
    }
}
