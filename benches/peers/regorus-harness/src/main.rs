//! The Rego side of guifan's peer benchmark: evaluates `data.items.violations` of a policy over
//! one YAML or JSON file and prints each violation as a JSON line.
//!
//! ```sh
//! regorus-harness POLICY.rego INPUT.{yaml,yml,json}
//! ```
//!
//! The whole file is the policy's `input`; the violations are a set, printed in regorus's set
//! order (sorted), one JSON object per line. Exit code 0 when it ran (with or without
//! violations), 2 when the policy or the input cannot be read or evaluated.

use std::io::Write;
use std::process::ExitCode;

use regorus::{Engine, Value};

const RULE: &str = "data.items.violations";

/// What goes wrong is told in words: the harness only reports it and stops.
type Result<T> = std::result::Result<T, String>;

fn run(policy: &str, input: &str) -> Result<()> {
    let mut engine = Engine::new();
    engine
        .add_policy_from_file(policy)
        .map_err(|e| format!("{policy}: {e}"))?;
    let text = std::fs::read_to_string(input).map_err(|e| format!("{input}: {e}"))?;
    // Which parser reads the input is chosen by its extension, as guifan chooses.
    let value = if input.ends_with(".json") {
        Value::from_json_str(&text)
    } else {
        Value::from_yaml_str(&text)
    }
    .map_err(|e| format!("{input}: {e}"))?;
    engine.set_input(value);
    let violations = engine
        .eval_rule(RULE.to_string())
        .map_err(|e| format!("{RULE}: {e}"))?;
    let set = violations
        .as_set()
        .map_err(|e| format!("{RULE} is not a set: {e}"))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for violation in set.iter() {
        let line = serde_json::to_string(violation).map_err(|e| e.to_string())?;
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [policy, input] = args.as_slice() else {
        eprintln!("usage: regorus-harness POLICY.rego INPUT.{{yaml,yml,json}}");
        return ExitCode::from(2);
    };
    match run(policy, input) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("regorus-harness: {message}");
            ExitCode::from(2)
        }
    }
}
