//! What the CLI's integration tests share: the real binary, run with some
//! input, and its JSON Lines read back.
// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The `redflag` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_redflag"))
}

/// Runs `cmd` with `stdin` as its input and collects its exit status and
/// output. The process may exit before reading its input (a usage error):
/// a broken pipe here is not a failure of the test.
pub fn run_cmd(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn redflag");
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

/// Standard output read as JSON values, one per line.
pub fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// Asserts that the command exited with 0, showing its stderr if not.
pub fn succeeded(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
