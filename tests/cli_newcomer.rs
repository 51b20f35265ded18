//! The newcomer's commands: `list`, `new`, `completions`, and "did you mean" for a
//! misspelled scenario, subcommand or version.

mod common;
use common::*;

use std::path::PathBuf;

fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hvsim-cli-new-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn list_names_each_bundled_scenario_with_its_description_and_expected_versions() {
    let (code, out, _) = hvsim(&["list"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with("  quota-race-agent-restart "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        lines[i].ends_with("  expect v1.4.1, v1.4.2"),
        "{}",
        lines[i]
    );
    assert_eq!(
        lines[i + 1].trim(),
        "cattle-cluster-agent restarts around a live migration in a namespace whose quota is 80%+ used"
    );
}

#[test]
fn list_ends_with_the_known_harvester_versions() {
    let (_, out, _) = hvsim(&["list"]);
    assert_eq!(
        out.lines().last(),
        Some("Harvester versions: v1.2.0, v1.2.1, v1.2.2, v1.3.0, v1.3.1, v1.3.2, v1.4.0, v1.4.1, v1.4.2, v1.4.3, v1.5.0, v1.5.1, v1.6.0, v1.6.1, v1.7.0")
    );
}

#[test]
fn new_writes_a_skeleton_that_run_runs() {
    let dir = fresh_dir("runs");
    let (code, out, err) = hvsim_in(&dir, &["new", "my-scenario"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "wrote my-scenario.ron; run it with: hvsim run my-scenario.ron\n"
    );
    let (code, out, err) = hvsim_in(&dir, &["run", "my-scenario.ron"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("scenario my-scenario, harvester v1.4.1, seed 0\n"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn new_refuses_to_overwrite_an_existing_file_with_exit_2() {
    let dir = fresh_dir("exists");
    std::fs::write(dir.join("mine.ron"), "precious").unwrap();
    let (code, out, err) = hvsim_in(&dir, &["new", "mine"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "error: mine.ron: already exists; hvsim new never overwrites a file\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("mine.ron")).unwrap(),
        "precious"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn new_refuses_a_name_no_scenario_may_have() {
    let dir = fresh_dir("badname");
    let (code, _, err) = hvsim_in(&dir, &["new", "two words"]);
    assert_eq!(code, 2);
    assert_eq!(err, "error: two words.ron: NAME: scenario name \"two words\" is not usable as a file name, expected letters, digits, '.', '_' or '-', not starting with '.'\n");
    assert!(!dir.join("two words.ron").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_print_a_script_for_bash_zsh_and_fish() {
    for (shell, marker) in [
        ("bash", "complete -F _hvsim"),
        ("zsh", "#compdef hvsim"),
        ("fish", "complete -c hvsim"),
    ] {
        let (code, out, err) = hvsim(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains(marker), "{shell}: {out}");
        assert!(out.contains("explore"), "{shell}");
    }
}

#[test]
fn a_misspelled_bundled_scenario_gets_did_you_mean() {
    let (code, _, err) = hvsim(&["run", "quota-race-agent-restrt"]);
    assert_eq!(code, 2);
    assert_eq!(err, "error: quota-race-agent-restrt:1:1: cannot read the scenario file: No such file or directory (os error 2); did you mean quota-race-agent-restart?\n");
}

#[test]
fn a_misspelled_version_gets_did_you_mean_after_the_known_ones() {
    let (code, _, err) = hvsim(&["run", "quota-race-agent-restart", "--version", "v1.4.9"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: quota-race-agent-restart: --version: unknown Harvester version \"v1.4.9\", expected one of v1.2.0,"),
        "{err}"
    );
    assert!(err.ends_with(", v1.7.0; did you mean v1.4.3?\n"), "{err}");
}

#[test]
fn a_misspelled_subcommand_gets_clap_s_suggestion() {
    let (code, _, err) = hvsim(&["lst"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: unrecognized subcommand 'lst'"),
        "{err}"
    );
    assert!(err.contains("'list'"), "{err}");
}
