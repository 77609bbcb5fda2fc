//! Hostile and careless inputs at the file-system boundary, run through the built binary:
//! packs that name files outside themselves, `--output` onto inputs, devices and FIFOs, modes,
//! oversize streams, line endings, encodings and odd directory trees. Each case asserts the
//! exit code, the message and the position (or the finding), and ends within seconds.

use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A run of the binary: exit code and both streams.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// No case may hang: a run still going after this is killed and the case fails.
const DEADLINE: Duration = Duration::from_secs(5);

/// The secret that a hostile pack tries to print, set in the environment of every run.
const SECRET: &str = "s3cr3t-token-8f2e";

fn guifan_in(directory: &Path, arguments: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_guifan"));
    command
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .env("GUIFAN_TEST_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    run_with_deadline(command, stdin)
}

fn run_with_deadline(mut command: Command, stdin: Option<Vec<u8>>) -> Run {
    let started = Instant::now();
    let mut child = command.spawn().expect("guifan starts");
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin");
        // a reader that stops early closes the pipe: that is not an error here
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).to_string()
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("guifan {command:?} did not end within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    Run {
        code: status.code(),
        stdout: out.join().expect("stdout read"),
        stderr: err.join().expect("stderr read"),
    }
}

/// `text` says `expected`, whatever miette's wrapping: the diagnostics are wrapped at 80
/// columns (breaking at spaces, hyphens and slashes, continued after `│`), so both are
/// compared without white space and frame characters.
fn says(text: &str, expected: &str) -> bool {
    let squash = |text: &str| -> String {
        text.chars()
            .filter(|character| !character.is_whitespace() && *character != '│')
            .collect()
    };
    squash(text).contains(&squash(expected))
}

fn crate_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A copy of the minimal pack in `directory/pack`, its manifest edited by `edit`.
fn minimal_pack(directory: &Path, edit: impl FnOnce(String) -> String) -> PathBuf {
    let pack = directory.join("pack");
    std::fs::create_dir_all(&pack).expect("pack directory");
    for name in ["pack.yaml", "schema.yaml"] {
        std::fs::copy(
            crate_file(&format!("tests/packs/minimal/{name}")),
            pack.join(name),
        )
        .expect("pack file copied");
    }
    let manifest = std::fs::read_to_string(pack.join("pack.yaml")).expect("manifest");
    std::fs::write(pack.join("pack.yaml"), edit(manifest)).expect("manifest written");
    pack
}

/// The line `schema: schema.yaml` of the minimal pack's manifest replaced.
fn with_schema(written: &str) -> impl FnOnce(String) -> String + '_ {
    move |manifest| {
        assert!(manifest.contains("\nschema: schema.yaml\n"));
        manifest.replace("\nschema: schema.yaml\n", &format!("\nschema: {written}\n"))
    }
}

/// The 1-based line of the first line of `file` that starts with `prefix`.
fn line_of(file: &Path, prefix: &str) -> usize {
    std::fs::read_to_string(file)
        .expect("reads")
        .lines()
        .position(|line| line.starts_with(prefix))
        .expect("the line is there")
        + 1
}

/// A dossier of the minimal pack with one finding, on line `3 + padding` column 21.
fn minimal_dossier(padding: usize) -> String {
    let mut text = String::new();
    for index in 0..padding {
        text.push_str(&format!("# comment {index}\n"));
    }
    text.push_str(
        "items:\n  - name: 食品经营许可\n    promised_limit: 30\n    statutory_limit: 20\n",
    );
    text
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

fn assert_refused_load(run: &Run, position: &str, reason: &str) {
    assert_eq!(run.code, Some(2), "{}", run.all());
    let all = run.all();
    assert!(says(&all, position), "no `{position}` in:\n{all}");
    assert!(says(&all, reason), "no `{reason}` in:\n{all}");
    assert!(!says(&all, SECRET), "the secret was printed:\n{all}");
    assert!(!says(&all, "root:x:0:0"), "/etc/passwd was printed:\n{all}");
}

// ─── packs are confined data ────────────────────────────────────────────────────────────────

#[test]
fn schema_naming_proc_self_environ_is_refused_without_showing_it() {
    let directory = tempfile::tempdir().expect("tempdir");
    minimal_pack(directory.path(), with_schema("/proc/self/environ"));
    let run = guifan_in(directory.path(), &["pack", "lint", "pack"], None);
    assert_refused_load(
        &run,
        "pack/pack.yaml:7:9: cannot read the schema `/proc/self/environ`",
        "an absolute path",
    );
}

#[test]
fn include_climbing_to_etc_passwd_is_refused_at_the_include() {
    let directory = tempfile::tempdir().expect("tempdir");
    let escape = "../../../../../../../../../../etc/passwd";
    let pack = minimal_pack(directory.path(), |manifest| {
        format!("{manifest}include: [{escape}]\n")
    });
    let line = line_of(&pack.join("pack.yaml"), "include:");
    let run = guifan_in(directory.path(), &["pack", "lint", "pack"], None);
    assert_refused_load(
        &run,
        &format!("pack/pack.yaml:{line}:11: cannot read the included file `{escape}`"),
        "`..` leads out of the pack directory",
    );
}

#[test]
fn schema_in_the_home_directory_is_refused_by_name() {
    let directory = tempfile::tempdir().expect("tempdir");
    minimal_pack(directory.path(), with_schema("~/.git-credentials"));
    let run = guifan_in(directory.path(), &["pack", "lint", "pack"], None);
    assert_refused_load(
        &run,
        "pack/pack.yaml:7:9: cannot read the schema `~/.git-credentials`",
        "`~` is not expanded",
    );
}

#[test]
fn symbolic_link_leading_out_of_the_pack_is_refused_without_showing_its_target() {
    let directory = tempfile::tempdir().expect("tempdir");
    let outside = directory.path().join("outside.yaml");
    // YAML that does not parse: read, it would be quoted in the syntax error
    std::fs::write(&outside, format!("token: [{SECRET}\n")).expect("outside file");
    let pack = minimal_pack(directory.path(), with_schema("linked.yaml"));
    symlink(&outside, pack.join("linked.yaml"));
    let run = guifan_in(directory.path(), &["pack", "lint", "pack"], None);
    assert_refused_load(
        &run,
        "pack/pack.yaml:7:9: cannot read the schema `linked.yaml`",
        "a symbolic link that leads out of the pack directory",
    );
}

#[test]
fn include_through_a_linked_directory_leading_out_is_refused() {
    let directory = tempfile::tempdir().expect("tempdir");
    let elsewhere = directory.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("directory");
    std::fs::write(elsewhere.join("rules.yaml"), format!("rules: [{SECRET}\n")).expect("file");
    let pack = minimal_pack(directory.path(), |manifest| {
        format!("{manifest}include: [shared/rules.yaml]\n")
    });
    symlink(&elsewhere, pack.join("shared"));
    let line = line_of(&pack.join("pack.yaml"), "include:");
    let run = guifan_in(directory.path(), &["pack", "lint", "pack"], None);
    assert_refused_load(
        &run,
        &format!("pack/pack.yaml:{line}:11: cannot read the included file `shared/rules.yaml`"),
        "leads out of the pack directory",
    );
}

#[test]
fn schema_naming_dev_zero_is_refused_at_once() {
    let directory = tempfile::tempdir().expect("tempdir");
    minimal_pack(directory.path(), with_schema("/dev/zero"));
    let run = guifan_in(directory.path(), &["pack", "lint", "pack"], None);
    assert_refused_load(
        &run,
        "pack/pack.yaml:7:9: cannot read the schema `/dev/zero`",
        "an absolute path",
    );
}

#[test]
fn schema_that_is_a_fifo_inside_the_pack_is_refused_without_waiting() {
    let directory = tempfile::tempdir().expect("tempdir");
    let pack = minimal_pack(directory.path(), with_schema("pipe.yaml"));
    mkfifo(&pack.join("pipe.yaml"));
    let run = guifan_in(directory.path(), &["pack", "lint", "pack"], None);
    assert_refused_load(
        &run,
        "pack/pack.yaml:7:9: cannot read the schema `pipe.yaml`",
        "not a regular file (a device, FIFO or socket)",
    );
}

#[test]
fn pack_file_over_the_size_limit_is_refused() {
    let directory = tempfile::tempdir().expect("tempdir");
    let pack = minimal_pack(directory.path(), |manifest| {
        format!("{manifest}include: [huge.yaml]\n")
    });
    let huge = vec![b'#'; 17 * 1024 * 1024];
    std::fs::write(pack.join("huge.yaml"), huge).expect("huge file");
    let line = line_of(&pack.join("pack.yaml"), "include:");
    let run = guifan_in(directory.path(), &["pack", "lint", "pack"], None);
    assert_refused_load(
        &run,
        &format!("pack/pack.yaml:{line}:11: cannot read the included file `huge.yaml`"),
        "larger than 16 MiB, the limit of a pack file",
    );
}

#[test]
fn remote_ref_in_the_schema_is_a_located_load_error_without_fetching() {
    let directory = tempfile::tempdir().expect("tempdir");
    let pack = minimal_pack(directory.path(), |manifest| manifest);
    let schema = std::fs::read_to_string(pack.join("schema.yaml")).expect("schema");
    let schema = schema.replace(
        "        name: {type: string}\n",
        "        name: {$ref: \"https://example.invalid/name.json\"}\n",
    );
    std::fs::write(pack.join("schema.yaml"), schema).expect("schema written");
    let line = line_of(&pack.join("schema.yaml"), "        name:");
    let run = guifan_in(directory.path(), &["pack", "lint", "pack"], None);
    assert_refused_load(
        &run,
        &format!(
            "pack/schema.yaml:{line}:22: the schema refers to `https://example.invalid/name.json`"
        ),
        "guifan never fetches a schema",
    );
}

#[test]
fn schema_with_a_utf8_byte_order_mark_is_read() {
    let directory = tempfile::tempdir().expect("tempdir");
    let pack = minimal_pack(directory.path(), |manifest| manifest);
    let schema = std::fs::read(pack.join("schema.yaml")).expect("schema");
    std::fs::write(
        pack.join("schema.yaml"),
        [b"\xEF\xBB\xBF".as_slice(), &schema].concat(),
    )
    .expect("schema written");
    std::fs::write(directory.path().join("d.yaml"), minimal_dossier(0)).expect("dossier");
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "--format", "json", "d.yaml"],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(run.stdout.contains("\"line\": 3,"), "{}", run.stdout);
    assert!(run.stdout.contains("\"column\": 21,"), "{}", run.stdout);
}

// ─── no file is lost ────────────────────────────────────────────────────────────────────────

/// A directory with the minimal pack and a dossier `d.yaml` with one finding.
fn checked_directory() -> tempfile::TempDir {
    let directory = tempfile::tempdir().expect("tempdir");
    minimal_pack(directory.path(), |manifest| manifest);
    std::fs::write(directory.path().join("d.yaml"), minimal_dossier(0)).expect("dossier");
    directory
}

#[test]
fn output_onto_a_hard_link_of_the_input_is_refused() {
    let directory = checked_directory();
    std::fs::hard_link(
        directory.path().join("d.yaml"),
        directory.path().join("same.yaml"),
    )
    .expect("hard link");
    let run = guifan_in(
        directory.path(),
        &[
            "check",
            "--pack",
            "pack",
            "--format",
            "json",
            "--output",
            "same.yaml",
            "d.yaml",
        ],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(&run.stderr, "--output same.yaml is the input d.yaml"),
        "{}",
        run.stderr
    );
    let kept = std::fs::read_to_string(directory.path().join("d.yaml")).expect("dossier");
    assert_eq!(kept, minimal_dossier(0));
}

#[test]
fn output_onto_the_input_by_another_name_is_refused() {
    let directory = checked_directory();
    std::fs::create_dir(directory.path().join("sub")).expect("sub");
    let run = guifan_in(
        directory.path(),
        &[
            "check",
            "--pack",
            "pack",
            "--format",
            "json",
            "--output",
            "./sub/../d.yaml",
            "d.yaml",
        ],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(&run.stderr, "--output ./sub/../d.yaml is the input d.yaml"),
        "{}",
        run.stderr
    );
    let kept = std::fs::read_to_string(directory.path().join("d.yaml")).expect("dossier");
    assert_eq!(kept, minimal_dossier(0));
}

#[test]
fn output_onto_stdin_redirected_from_a_file_is_refused() {
    let directory = checked_directory();
    let mut command = Command::new(env!("CARGO_BIN_EXE_guifan"));
    command
        .args([
            "check", "--pack", "pack", "--format", "json", "--output", "d.yaml", "-",
        ])
        .current_dir(directory.path())
        .stdin(std::fs::File::open(directory.path().join("d.yaml")).expect("opens"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let run = run_with_deadline(command, None);
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(&run.stderr, "--output d.yaml is the standard input"),
        "{}",
        run.stderr
    );
    let kept = std::fs::read_to_string(directory.path().join("d.yaml")).expect("dossier");
    assert_eq!(kept, minimal_dossier(0));
}

#[test]
fn pack_doc_output_onto_the_manifest_is_refused() {
    let directory = checked_directory();
    let manifest = std::fs::read_to_string(directory.path().join("pack/pack.yaml")).expect("m");
    let run = guifan_in(
        directory.path(),
        &["pack", "doc", "pack", "--output", "pack/pack.yaml"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(
            &run.stderr,
            "--output pack/pack.yaml is the pack file pack/pack.yaml"
        ),
        "{}",
        run.stderr
    );
    let kept = std::fs::read_to_string(directory.path().join("pack/pack.yaml")).expect("m");
    assert_eq!(kept, manifest);
}

#[test]
fn check_output_onto_the_pack_schema_is_refused() {
    let directory = checked_directory();
    let run = guifan_in(
        directory.path(),
        &[
            "check",
            "--pack",
            "pack",
            "--output",
            "pack/schema.yaml",
            "d.yaml",
        ],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(
            &run.stderr,
            "--output pack/schema.yaml is the pack file pack/schema.yaml"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn output_to_dev_null_leaves_it_a_character_device() {
    let directory = checked_directory();
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "--output", "/dev/null", "d.yaml"],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert_eq!(run.stdout, "");
    let metadata = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(metadata.file_type().is_char_device());
}

#[test]
fn output_to_a_fifo_is_written_into_the_fifo() {
    let directory = checked_directory();
    let fifo = directory.path().join("report.pipe");
    mkfifo(&fifo);
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::fs::File::open(reader_path)
            .and_then(|mut file| file.read_to_string(&mut text))
            .map(|_| text)
    });
    let run = guifan_in(
        directory.path(),
        &[
            "check",
            "--pack",
            "pack",
            "--format",
            "json",
            "--output",
            "report.pipe",
            "d.yaml",
        ],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(
        std::fs::symlink_metadata(&fifo)
            .expect("still there")
            .file_type()
            .is_fifo(),
        "the FIFO was replaced"
    );
    let report = reader.join().expect("reader").expect("reads the FIFO");
    assert!(report.contains("\"line\": 3,"), "{report}");
}

#[test]
fn output_through_a_link_to_dev_stdout_reaches_standard_output() {
    let directory = checked_directory();
    symlink("/dev/stdout", directory.path().join("out.json"));
    let run = guifan_in(
        directory.path(),
        &[
            "check", "--pack", "pack", "--format", "json", "--output", "out.json", "d.yaml",
        ],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(
        run.stdout.contains("\"schema_version\": 1"),
        "{}",
        run.stdout
    );
    assert!(std::fs::symlink_metadata(directory.path().join("out.json"))
        .expect("link")
        .file_type()
        .is_symlink());
}

#[test]
fn existing_output_keeps_its_mode() {
    let directory = checked_directory();
    let report = directory.path().join("report.json");
    std::fs::write(&report, "old").expect("old report");
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let run = guifan_in(
        directory.path(),
        &[
            "check",
            "--pack",
            "pack",
            "--format",
            "json",
            "--output",
            "report.json",
            "d.yaml",
        ],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.all());
    let metadata = std::fs::metadata(&report).expect("report");
    assert_eq!(metadata.permissions().mode() & 0o7777, 0o640);
    let text = std::fs::read_to_string(&report).expect("report");
    assert!(text.contains("\"column\": 21,"), "{text}");
}

#[test]
fn new_output_is_made_0644_under_the_umask() {
    let directory = checked_directory();
    let mut command = Command::new("sh");
    command
        .args([
            "-c",
            "umask 022; exec \"$0\" check --pack pack --format json --output new.json d.yaml",
            env!("CARGO_BIN_EXE_guifan"),
        ])
        .current_dir(directory.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let run = run_with_deadline(command, None);
    assert_eq!(run.code, Some(1), "{}", run.all());
    let metadata = std::fs::metadata(directory.path().join("new.json")).expect("report");
    assert_eq!(metadata.permissions().mode() & 0o7777, 0o644);
    let leftovers: Vec<_> = std::fs::read_dir(directory.path())
        .expect("lists")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// ─── the input size limit ───────────────────────────────────────────────────────────────────

#[test]
fn oversize_standard_input_stops_at_the_limit() {
    let directory = checked_directory();
    let stream = b"y\n".repeat(512 * 1024);
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "--max-input-bytes", "65536", "-"],
        Some(stream),
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(&run.stderr,
            "cannot read <stdin>: larger than the input limit of 65536 bytes (64 KiB); raise it with --max-input-bytes"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn dev_zero_as_an_input_stops_at_the_limit() {
    let directory = checked_directory();
    let run = guifan_in(
        directory.path(),
        &[
            "check",
            "--pack",
            "pack",
            "--max-input-bytes",
            "1048576",
            "/dev/zero",
        ],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(
            &run.stderr,
            "cannot read /dev/zero: larger than the input limit of 1048576 bytes (1 MiB)"
        ),
        "{}",
        run.stderr
    );
}

// ─── honest positions ───────────────────────────────────────────────────────────────────────

/// The finding's line in the JSON report and in the human report's header.
fn lines_reported(directory: &Path, file: &str) -> (String, String) {
    let json = guifan_in(
        directory,
        &["check", "--pack", "pack", "--format", "json", file],
        None,
    );
    assert_eq!(json.code, Some(1), "{}", json.all());
    let human = guifan_in(directory, &["check", "--pack", "pack", file], None);
    assert_eq!(human.code, Some(1), "{}", human.all());
    (json.stdout, human.stdout)
}

#[test]
fn cr_only_line_endings_give_the_same_line_in_json_and_human_reports() {
    let directory = checked_directory();
    let text = minimal_dossier(6).replace('\n', "\r");
    std::fs::write(directory.path().join("cr.yaml"), text).expect("dossier");
    let (json, human) = lines_reported(directory.path(), "cr.yaml");
    assert!(json.contains("\"line\": 9,"), "{json}");
    assert!(json.contains("\"column\": 21,"), "{json}");
    assert!(human.contains("╭─[cr.yaml:9:21]"), "{human}");
    assert!(human.contains(" 9 │     promised_limit: 30"), "{human}");
}

#[test]
fn mixed_line_endings_give_the_same_line_in_json_and_human_reports() {
    let directory = checked_directory();
    let endings = ["\r", "\r\n", "\n"];
    let text: String = minimal_dossier(6)
        .lines()
        .enumerate()
        .map(|(index, line)| format!("{line}{}", endings[index % 3]))
        .collect();
    std::fs::write(directory.path().join("mixed.yaml"), text).expect("dossier");
    let (json, human) = lines_reported(directory.path(), "mixed.yaml");
    assert!(json.contains("\"line\": 9,"), "{json}");
    assert!(human.contains("╭─[mixed.yaml:9:21]"), "{human}");
}

#[test]
fn invalid_utf8_is_reported_with_line_column_and_the_bytes() {
    let directory = checked_directory();
    let mut bytes = minimal_dossier(0).into_bytes();
    // `食品经营许可` on line 2 loses the last byte of its first character
    let start = bytes
        .windows(3)
        .position(|window| window == "食".as_bytes())
        .expect("食");
    bytes.remove(start + 2);
    std::fs::write(directory.path().join("bad.yaml"), bytes).expect("dossier");
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "bad.yaml"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(
            &run.stderr,
            "bad.yaml:2:11: not UTF-8 text: found the bytes \\xE9\\xA3"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn utf16_with_a_byte_order_mark_is_refused_by_name() {
    let directory = checked_directory();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in minimal_dossier(0).encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    std::fs::write(directory.path().join("wide.yaml"), bytes).expect("dossier");
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "wide.yaml"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(&run.stderr,
            "wide.yaml:1:1: the file is UTF-16 (little-endian) text, by its byte-order mark FF FE; guifan reads UTF-8"
        ),
        "{}",
        run.stderr
    );
    assert!(
        says(&run.stderr, "iconv -f UTF-16 -t UTF-8"),
        "{}",
        run.stderr
    );
}

// ─── directories ────────────────────────────────────────────────────────────────────────────

/// A directory `dossiers/` beside the minimal pack.
fn dossier_directory() -> (tempfile::TempDir, PathBuf) {
    let directory = checked_directory();
    let dossiers = directory.path().join("dossiers");
    std::fs::create_dir(&dossiers).expect("dossiers");
    (directory, dossiers)
}

#[test]
fn symlinked_dossier_inside_a_directory_is_followed() {
    let (directory, dossiers) = dossier_directory();
    std::fs::write(dossiers.join("real.txt"), minimal_dossier(0)).expect("dossier");
    symlink("real.txt", dossiers.join("linked.yaml"));
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "--format", "json", "dossiers"],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(
        run.stdout.contains("\"file\": \"dossiers/linked.yaml\""),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\"line\": 3,"), "{}", run.stdout);
    assert!(run.stdout.contains("\"files\": 1"), "{}", run.stdout);
}

#[test]
fn symlinked_dossier_leading_out_of_the_directory_is_reported_not_read() {
    let (directory, dossiers) = dossier_directory();
    std::fs::write(
        directory.path().join("secret.yaml"),
        format!("k: [{SECRET}\n"),
    )
    .expect("f");
    symlink("../secret.yaml", dossiers.join("a.yaml"));
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "dossiers"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(
            &run.stderr,
            "cannot read dossiers/a.yaml: a symbolic link that leads out of dossiers"
        ),
        "{}",
        run.stderr
    );
    assert!(!says(&run.all(), SECRET));
}

#[test]
fn dangling_symlink_in_a_directory_is_reported() {
    let (directory, dossiers) = dossier_directory();
    std::fs::write(dossiers.join("good.yaml"), minimal_dossier(0)).expect("dossier");
    symlink("missing.yaml", dossiers.join("gone.yaml"));
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "dossiers"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(
            &run.stderr,
            "cannot read dossiers/gone.yaml: a symbolic link to a file that does not exist"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn symlink_loop_in_a_directory_is_reported() {
    let (directory, dossiers) = dossier_directory();
    std::fs::write(dossiers.join("good.yaml"), minimal_dossier(0)).expect("dossier");
    symlink(".", dossiers.join("again"));
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "dossiers"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(
            &run.stderr,
            "cannot read dossiers/again: a symbolic link back to dossiers (a loop)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn fifo_named_like_a_dossier_in_a_directory_is_reported() {
    let (directory, dossiers) = dossier_directory();
    std::fs::write(dossiers.join("good.yaml"), minimal_dossier(0)).expect("dossier");
    mkfifo(&dossiers.join("pipe.yaml"));
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "dossiers"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(
            &run.stderr,
            "cannot read dossiers/pipe.yaml: not a regular file (a device, FIFO or socket)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn empty_directory_is_exit_2_with_a_message() {
    let (directory, _dossiers) = dossier_directory();
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "dossiers"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(&run.stderr, "no .yaml/.yml/.json file under dossiers"),
        "{}",
        run.stderr
    );
}

#[test]
fn directory_with_only_text_files_is_exit_2_with_a_message() {
    let (directory, dossiers) = dossier_directory();
    std::fs::write(dossiers.join("notes.txt"), minimal_dossier(0)).expect("notes");
    std::fs::write(dossiers.join("README"), "read me").expect("readme");
    let run = guifan_in(
        directory.path(),
        &["check", "--pack", "pack", "dossiers"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        says(&run.stderr, "no .yaml/.yml/.json file under dossiers"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}
