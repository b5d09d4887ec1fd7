//! Shell scripts a deployment runs (`entrypoint.sh`, `prestart.sh`, `boot.sh`, `upgrade.sh`, a
//! Dockerfile's `RUN` line, a Procfile's chain): their simple commands in order, each with its
//! line, whether it is the script's final `exec`, the branch it sits in and the directory it
//! runs in. The script's own variables (`WORKERS=${WORKERS:-1}`) are resolved to their
//! defaults, so `--workers $WORKERS` reads `--workers 1`; a required one (`${X:?}`) stays
//! `$X`.
//!
//! It calls [`crate::shell::words`] only. Parsing is deliberately partial: compound commands
//! (`if`, `while`, `for`, `case`, functions) are followed for their structure, not evaluated.

use std::collections::BTreeMap;

/// One simple command of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Simple {
    /// 1-based line where it starts.
    pub(super) line: usize,
    /// Its words, variables resolved; leading assignments removed.
    pub(super) words: Vec<String>,
    /// Leading assignments (`DEBUG=False cmd`), resolved.
    pub(super) assigns: Vec<(String, String)>,
    /// Written `exec cmd`.
    pub(super) exec: bool,
    /// The innermost `if`/`case` condition it depends on, as written (`else` branches are
    /// marked `not …`).
    pub(super) condition: Option<String>,
    /// Inside a loop (a retry loop around a migration, say).
    pub(super) in_loop: bool,
    /// The directory after the script's `cd`s, as written (relative or absolute).
    pub(super) cwd: String,
    /// The statement as written (for the report).
    pub(super) text: String,
}

/// A script read.
#[derive(Debug, Clone, Default)]
pub(super) struct Script {
    /// Its simple commands, in order.
    pub(super) commands: Vec<Simple>,
    /// Variables it exports (`export A=b`), resolved, with their lines.
    pub(super) exports: Vec<(String, String, usize)>,
    /// Variables it assigns for itself (`WORKERS=${WORKERS:-1}`): the container's knobs, read
    /// by the script, not by the app.
    pub(super) vars: Vec<String>,
}

impl Script {
    /// The command the script ends in: its last `exec`, else its last command that is not
    /// shell plumbing (`echo`, `exit`…).
    pub(super) fn final_command(&self) -> Option<usize> {
        if let Some(i) = self.commands.iter().rposition(|c| c.exec) {
            return Some(i);
        }
        None
    }
}

/// Read a script.
pub(super) fn read(text: &str) -> Script {
    let mut reader = Reader::default();
    for (line, stmt) in statements(text) {
        reader.statement(line, &stmt);
    }
    Script {
        vars: reader.vars.keys().cloned().collect(),
        commands: reader.commands,
        exports: reader.exports,
    }
}

/// Statements with their first line: continuation lines joined, comments dropped, split at
/// `;`, `&&`, `||`, `|` and newlines outside quotes and `$(…)`.
fn statements(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 1;
    let mut line = 1;
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    let mut depth = 0usize; // $( … ) and ` … `
    let mut at_word_start = true;
    let push = |cur: &mut String, out: &mut Vec<(usize, String)>, start: usize| {
        let s = cur.trim().to_string();
        if !s.is_empty() {
            out.push((start, s));
        }
        cur.clear();
    };
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == '\\' && q == '"' {
                cur.push(c);
                if let Some(n) = chars.next() {
                    if n == '\n' {
                        line += 1;
                    }
                    cur.push(n);
                }
                continue;
            }
            if c == '\n' {
                line += 1;
            }
            if c == q {
                quote = None;
            }
            cur.push(c);
            continue;
        }
        match c {
            '\\' if chars.peek() == Some(&'\n') => {
                chars.next();
                line += 1;
                cur.push(' ');
            }
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '\'' | '"' => {
                quote = Some(c);
                cur.push(c);
            }
            '#' if at_word_start && depth == 0 => {
                while let Some(&n) = chars.peek() {
                    if n == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            '$' if chars.peek() == Some(&'(') => {
                depth += 1;
                cur.push(c);
                cur.push('(');
                chars.next();
            }
            '(' if depth > 0 => {
                depth += 1;
                cur.push(c);
            }
            ')' if depth > 0 => {
                depth -= 1;
                cur.push(c);
            }
            '\n' if depth == 0 => {
                push(&mut cur, &mut out, start);
                line += 1;
                start = line;
            }
            ';' | '&' | '|' if depth == 0 => {
                // `;;` ends a case branch; `&&`, `||`, `|`, `&` separate commands too.
                while chars.peek().is_some_and(|n| *n == c) {
                    chars.next();
                }
                push(&mut cur, &mut out, start);
                start = line;
            }
            c => {
                if c == '\n' {
                    line += 1;
                }
                cur.push(c);
            }
        }
        at_word_start = cur.is_empty() || cur.ends_with(char::is_whitespace);
    }
    push(&mut cur, &mut out, start);
    out
}

#[derive(Default)]
struct Reader {
    commands: Vec<Simple>,
    exports: Vec<(String, String, usize)>,
    vars: BTreeMap<String, String>,
    /// Open compound commands: `if` conditions (`Some`) and loops (`None`).
    blocks: Vec<Block>,
    cwd: String,
}

#[derive(Debug, Clone)]
enum Block {
    If(String),
    Loop,
    Case(String),
    Brace,
}

impl Reader {
    fn statement(&mut self, line: usize, stmt: &str) {
        let mut s = stmt.trim();
        // Keywords that open or continue a compound command, possibly before a command on the
        // same statement (`then echo x`, `do flask db upgrade`).
        loop {
            let (kw, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
            match kw {
                "if" | "elif" => {
                    let cond = rest.trim_end_matches("then").trim().to_string();
                    if kw == "elif" {
                        self.blocks.pop();
                    }
                    self.blocks.push(Block::If(cond));
                    return;
                }
                "then" | "do" | "{" => {
                    s = rest.trim();
                    if kw == "{" {
                        self.blocks.push(Block::Brace);
                    }
                    if s.is_empty() {
                        return;
                    }
                }
                "else" => {
                    if let Some(Block::If(c)) = self.blocks.pop() {
                        self.blocks.push(Block::If(format!("not {c}")));
                    }
                    s = rest.trim();
                    if s.is_empty() {
                        return;
                    }
                }
                "fi" | "done" | "esac" | "}" => {
                    self.blocks.pop();
                    s = rest.trim();
                    if s.is_empty() {
                        return;
                    }
                }
                "while" | "until" | "for" | "select" => {
                    self.blocks.push(Block::Loop);
                    return;
                }
                "case" => {
                    self.blocks
                        .push(Block::Case(rest.trim_end_matches("in").trim().to_string()));
                    return;
                }
                _ => break,
            }
        }
        // A case branch's pattern (`start)`): the rest of the statement is its command.
        if let Some(Block::Case(_)) = self.blocks.last()
            && let Some((pat, rest)) = s.split_once(')')
            && !pat.contains(char::is_whitespace)
        {
            s = rest.trim();
            if s.is_empty() {
                return;
            }
        }
        // A function definition `name() {`: its body is read like the rest.
        if s.ends_with('{') && s.contains("()") {
            self.blocks.push(Block::Brace);
            return;
        }
        self.simple(line, s);
    }

    fn simple(&mut self, line: usize, s: &str) {
        let expanded = self.expand(s);
        let mut words = crate::shell::words(&expanded);
        let mut exec = false;
        let mut assigns = Vec::new();
        loop {
            match words.first().map(String::as_str) {
                Some("exec") => {
                    exec = true;
                    words.remove(0);
                }
                // `eval $COMMAND`: the variable's words, already expanded.
                Some("eval") => {
                    words.remove(0);
                }
                Some("export") | Some("readonly") | Some("declare") | Some("local") => {
                    words.remove(0);
                    for w in &words {
                        if let Some((k, v)) = w.split_once('=')
                            && is_name(k)
                        {
                            self.vars.insert(k.to_string(), v.to_string());
                            self.exports.push((k.to_string(), v.to_string(), line));
                        }
                    }
                    return;
                }
                Some(w) if w.split_once('=').is_some_and(|(k, _)| is_name(k)) => {
                    let (k, v) = w.split_once('=').unwrap_or_default();
                    assigns.push((k.to_string(), v.to_string()));
                    words.remove(0);
                }
                _ => break,
            }
        }
        if words.is_empty() {
            // Plain assignments set the script's variables.
            for (k, v) in assigns {
                self.vars.insert(k, v);
            }
            return;
        }
        if words[0] == "cd" {
            let to = words.get(1).cloned().unwrap_or_default();
            self.cwd = if to.starts_with('/') || self.cwd.is_empty() {
                to
            } else {
                format!("{}/{to}", self.cwd)
            };
            return;
        }
        let condition = self.blocks.iter().rev().find_map(|b| match b {
            Block::If(c) | Block::Case(c) => Some(c.clone()),
            _ => None,
        });
        let in_loop = self.blocks.iter().any(|b| matches!(b, Block::Loop));
        self.commands.push(Simple {
            line,
            words,
            assigns,
            exec,
            condition,
            in_loop,
            cwd: self.cwd.clone(),
            text: s.to_string(),
        });
    }

    /// `${X:-d}`, `${X-d}`, `${X}`, `$X` resolved from the script's variables, else to their
    /// default; `${X:?msg}` and unknown `$X` stay as `$X`.
    fn expand(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        let mut in_single = false;
        while let Some(i) = rest.find(['$', '\'']) {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(after) = tail.strip_prefix('\'') {
                in_single = !in_single;
                out.push('\'');
                rest = after;
                continue;
            }
            if in_single {
                out.push('$');
                rest = &tail[1..];
                continue;
            }
            if let Some(body) = tail.strip_prefix("${")
                && let Some(end) = body.find('}')
            {
                let inner = &body[..end];
                let name_end = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let (name, op) = inner.split_at(name_end);
                let value = match (self.vars.get(name), op) {
                    (Some(v), _) => v.clone(),
                    (None, op) if op.starts_with(":-") || op.starts_with('-') => op
                        .trim_start_matches(':')
                        .trim_start_matches('-')
                        .to_string(),
                    _ => format!("${name}"),
                };
                out.push_str(&value);
                rest = &body[end + 1..];
                continue;
            }
            let name: String = tail[1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            match self.vars.get(&name) {
                Some(v) if !name.is_empty() => out.push_str(v),
                _ => {
                    out.push('$');
                    out.push_str(&name);
                }
            }
            rest = &tail[1 + name.len()..];
        }
        out.push_str(rest);
        out
    }
}

/// A shell variable name.
fn is_name(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entrypoint_with_defaults_and_a_final_exec() {
        let s = read(
            "#!/bin/bash\nset -euo pipefail\nWORKERS=${WORKERS:-1}\nWORKER_CLASS=${WORKER_CLASS:-gevent}\n\
             if [[ \"$SKIP_DB_PING\" == \"false\" ]]; then\n  python ping.py\nfi\n# migrate\nflask db upgrade\n\
             exec gunicorn 'app:create_app()' \\\n    --workers $WORKERS \\\n    --worker-class \"$WORKER_CLASS\"\n",
        );
        let words: Vec<Vec<String>> = s.commands.iter().map(|c| c.words.clone()).collect();
        assert_eq!(words[0], ["set", "-euo", "pipefail"]);
        assert_eq!(words[1], ["python", "ping.py"]);
        assert_eq!(
            s.commands[1].condition.as_deref(),
            Some("[[ \"$SKIP_DB_PING\" == \"false\" ]]")
        );
        assert_eq!(words[2], ["flask", "db", "upgrade"]);
        assert_eq!(s.commands[2].line, 9);
        let last = &s.commands[s.final_command().expect("exec")];
        assert_eq!(
            last.words,
            [
                "gunicorn",
                "app:create_app()",
                "--workers",
                "1",
                "--worker-class",
                "gevent"
            ]
        );
        assert_eq!(last.line, 10);
    }

    #[test]
    fn chains_loops_branches_and_cd() {
        let s = read(
            "while true; do\n  flask db upgrade\n  if [[ \"$?\" == \"0\" ]]; then break; fi\n  sleep 5\ndone\n\
             cd backend && alembic upgrade head\nDEBUG=False SECRET_KEY=x ./manage.py collectstatic\n\
             if [[ \"$USE_GUNICORN\" == \"True\" ]]; then\n gunicorn a:b\nelse\n python manage.py runserver\nfi\n",
        );
        let c = &s.commands;
        assert!(c[0].in_loop && c[0].words == ["flask", "db", "upgrade"]);
        let alembic = c.iter().find(|x| x.words[0] == "alembic").expect("alembic");
        assert_eq!(alembic.cwd, "backend");
        let collect = c
            .iter()
            .find(|x| x.words.iter().any(|w| w == "collectstatic"))
            .expect("collect");
        assert_eq!(
            collect.assigns,
            [
                ("DEBUG".to_string(), "False".to_string()),
                ("SECRET_KEY".to_string(), "x".to_string())
            ]
        );
        let run = c
            .iter()
            .find(|x| x.words.iter().any(|w| w == "runserver"))
            .expect("runserver");
        assert!(
            run.condition
                .as_deref()
                .is_some_and(|x| x.starts_with("not "))
        );
    }

    #[test]
    fn required_variables_stay_references() {
        let s = read("exec app --key ${KEY:?set KEY} --port ${PORT:-8000} $UNKNOWN\n");
        assert_eq!(
            s.commands[0].words,
            ["app", "--key", "$KEY", "--port", "8000", "$UNKNOWN"]
        );
    }
}
