//! A unified diff of one file (`--- a/path`, `+++ b/path`, `@@` hunks with three lines of
//! context), as `git apply` and `patch -p1` read it: what `cargo xtask bump --dry-run` prints.
//!
//! The edits of a bump touch a few lines of small files, so a longest-common-subsequence table
//! over the lines between the common prefix and suffix is plenty.

const CONTEXT: usize = 3;
/// Cells of the alignment table, beyond which the changed middle is shown replaced wholesale.
const MAX_TABLE: usize = 16 << 20;

/// The diff turning `before` into `after`; empty when they are equal.
pub fn unified(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let a: Vec<&str> = before.split_inclusive('\n').collect();
    let b: Vec<&str> = after.split_inclusive('\n').collect();
    let ops = edit_script(&a, &b);
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    for hunk in hunks(&ops) {
        render_hunk(&mut out, &ops[hunk.0..hunk.1], &a, &b);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Line `a[i]` == `b[j]`.
    Same(usize, usize),
    Delete(usize),
    Insert(usize),
}

fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix =
        a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    if ma.len().saturating_mul(mb.len()) > MAX_TABLE {
        // Too big to align line by line: show the changed middle as replaced wholesale.
        let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Same(i, i)).collect();
        ops.extend((prefix..a.len() - suffix).map(Op::Delete));
        ops.extend((prefix..b.len() - suffix).map(Op::Insert));
        let (a0, b0) = (a.len() - suffix, b.len() - suffix);
        ops.extend((0..suffix).map(|k| Op::Same(a0 + k, b0 + k)));
        return ops;
    }
    // lcs[i][j]: length of the longest common subsequence of ma[i..] and mb[j..].
    let mut lcs = vec![vec![0u32; mb.len() + 1]; ma.len() + 1];
    for i in (0..ma.len()).rev() {
        for j in (0..mb.len()).rev() {
            lcs[i][j] = if ma[i] == mb[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Same(i, i)).collect();
    let (mut i, mut j) = (0, 0);
    while i < ma.len() || j < mb.len() {
        if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
            ops.push(Op::Same(prefix + i, prefix + j));
            (i, j) = (i + 1, j + 1);
        } else if j < mb.len() && (i == ma.len() || lcs[i][j + 1] > lcs[i + 1][j]) {
            ops.push(Op::Insert(prefix + j));
            j += 1;
        } else {
            ops.push(Op::Delete(prefix + i));
            i += 1;
        }
    }
    let (a0, b0) = (a.len() - suffix, b.len() - suffix);
    ops.extend((0..suffix).map(|k| Op::Same(a0 + k, b0 + k)));
    ops
}

/// Ranges of `ops` that form hunks: each change with up to three lines of context on either
/// side, merged when the context of two changes would touch.
fn hunks(ops: &[Op]) -> Vec<(usize, usize)> {
    let changes: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(k, _)| k)
        .collect();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for k in changes {
        let start = k.saturating_sub(CONTEXT);
        let end = (k + 1 + CONTEXT).min(ops.len());
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => out.push((start, end)),
        }
    }
    out
}

fn render_hunk(out: &mut String, ops: &[Op], a: &[&str], b: &[&str]) {
    let old_lines = ops.iter().filter(|op| !matches!(op, Op::Insert(_))).count();
    let new_lines = ops.iter().filter(|op| !matches!(op, Op::Delete(_))).count();
    // The first line of each side in this hunk, 1-based.
    let old_start = ops.iter().find_map(|op| match op {
        Op::Same(i, _) | Op::Delete(i) => Some(*i + 1),
        Op::Insert(_) => None,
    });
    let new_start = ops.iter().find_map(|op| match op {
        Op::Same(_, j) | Op::Insert(j) => Some(*j + 1),
        Op::Delete(_) => None,
    });
    // With three lines of context a side has no line in a hunk only when that file is empty,
    // and then the hunk starts "after line 0".
    let (old_start, new_start) = (old_start.unwrap_or(0), new_start.unwrap_or(0));
    out.push_str(&format!("@@ -{old_start},{old_lines} +{new_start},{new_lines} @@\n"));
    for op in ops {
        let (mark, line) = match *op {
            Op::Same(i, _) => (' ', a[i]),
            Op::Delete(i) => ('-', a[i]),
            Op::Insert(j) => ('+', b[j]),
        };
        out.push(mark);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(before: &str, after: &str, expected: &str) {
        assert_eq!(unified("f.txt", before, after), expected);
    }

    #[test]
    fn one_line_changed() {
        check(
            "1\n2\n3\n4\n5\n6\n7\n8\n",
            "1\n2\n3\n4\nfive\n6\n7\n8\n",
            "--- a/f.txt\n+++ b/f.txt\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
        );
    }

    #[test]
    fn separate_and_merged_hunks() {
        let before: String = (1..=20).map(|n| format!("{n}\n")).collect();
        let after = before.replace("\n2\n", "\ntwo\n").replace("\n19\n", "\nnineteen\n");
        let expected = "--- a/f.txt\n+++ b/f.txt\n\
                        @@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n\
                        @@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+nineteen\n 20\n";
        check(&before, &after, expected);
        let after = before.replace("\n5\n", "\nfive\n").replace("\n10\n", "\nten\n");
        let diff = unified("f.txt", &before, &after);
        assert_eq!(diff.matches("@@ -").count(), 1, "{diff}");
        assert!(diff.contains("@@ -2,12 +2,12 @@"), "{diff}");
    }

    #[test]
    fn insertions_and_deletions() {
        check(
            "a\nb\n",
            "a\nx\ny\nb\n",
            "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,4 @@\n a\n+x\n+y\n b\n",
        );
        check("a\nb\nc\n", "a\nc\n", "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,2 @@\n a\n-b\n c\n");
        check("", "new\n", "--- a/f.txt\n+++ b/f.txt\n@@ -0,0 +1,1 @@\n+new\n");
        check("old\n", "", "--- a/f.txt\n+++ b/f.txt\n@@ -1,1 +0,0 @@\n-old\n");
        check("same\n", "same\n", "");
    }

    #[test]
    fn missing_final_newline() {
        check(
            "a\nb",
            "a\nc",
            "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n\
             +c\n\\ No newline at end of file\n",
        );
    }
}
