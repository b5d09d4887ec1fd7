//! The readers of the deployment files `import` understands, keeping line numbers for the
//! report: systemd units, nginx configuration, `.env` files and Compose files (YAML), plus the
//! shell-word splitting units and Procfiles use.
//!
//! Each reader lives beside its mapper (in [`super`]'s per-kind files); this module keeps their
//! public paths (`import::parse::…`) in one place. It owns nothing and calls nothing.

pub use super::compose::{Yaml, yaml};
pub use super::env::{EnvEntry, dotenv};
pub use super::nginx::{Directive, nginx};
pub use super::systemd::{UnitEntry, systemd_unit};
pub use crate::shell::words;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_shell_quoting() {
        assert_eq!(words(r#"a "b c" 'd e' f\ g"#), ["a", "b c", "d e", "f g"]);
    }
}
