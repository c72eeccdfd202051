//! Commands written for a person to paste into a POSIX shell: in messages ("fix it with `…`")
//! and in what a dry run shows. Every argument is quoted when a shell would split or expand it,
//! so a path with a space, a `'` or a non-ASCII letter comes back as the one argument it is.
//! (The xtask itself never runs a command through a shell: `xshell` passes each argument as one.)

use std::ffi::OsStr;

/// One argument as a shell reads back unchanged: bare when it is made of characters no shell
/// treats specially, otherwise in single quotes (a `'` inside written `'\''`).
pub fn quote(arg: impl AsRef<OsStr>) -> String {
    let arg = arg.as_ref().to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:+@,%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.into_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Arguments as one command line, each quoted as [`quote`] does.
pub fn words<S: AsRef<OsStr>>(args: &[S]) -> String {
    args.iter().map(quote).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn display_quotes_what_a_shell_would_split() {
        let args = ["a b", "it's", "plain-1.0"];
        assert_eq!(words(&args), r"'a b' 'it'\''s' plain-1.0");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("/tmp/dist"), "/tmp/dist");
    }

    /// What a shell makes of the quoted words is the arguments themselves, whatever they hold.
    #[test]
    fn a_shell_reads_back_every_argument_unchanged() {
        let args = [
            "/work/dir with spaces/ünï cødé/dist",
            "it's",
            "$HOME",
            "a*b?[c]",
            "tab\there",
            "new\nline",
            "back\\slash",
            "`date`",
            "#hash",
            "~",
            "",
            "--out=x y",
        ];
        let script = format!("printf '%s\\0' {}", words(&args));
        let out = Command::new("sh").args(["-c", &script]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let back: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_owned)
            .collect();
        assert_eq!(back, args, "{script}");
    }
}
