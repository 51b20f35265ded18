//! Sweep results: the JSON Lines file (one line per run, flushed as it is reported, so an
//! interrupted sweep loses nothing already reported), `--resume`, `merge`, and the summary
//! a sweep prints. The summary depends only on the set of results, so four merged shards
//! summarize exactly as one whole run.

use super::sweep::SeedResult;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};

/// One line of a results file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultLine {
    pub scenario: String,
    pub version: String,
    pub strategy: String,
    #[serde(flatten)]
    pub result: SeedResult,
}

/// Which sweep a file belongs to; every line of a file, and every file merged, must agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepId {
    pub scenario: String,
    pub version: String,
    pub strategy: String,
}

/// Reads a results file. A last line cut short by an interruption is ignored; any other bad
/// line is an error naming the file and line.
pub fn read_results(path: &str) -> Result<(Option<SweepId>, Vec<SeedResult>), String> {
    let f = File::open(path).map_err(|e| format!("{path}: cannot read the results file: {e}"))?;
    let lines: Vec<String> = BufReader::new(f)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{path}: cannot read the results file: {e}"))?;
    let text_ends_in_newline = std::fs::read(path)
        .map(|b| b.last() == Some(&b'\n'))
        .unwrap_or(true);
    let mut id: Option<SweepId> = None;
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let last = i + 1 == lines.len();
        let parsed: ResultLine = match serde_json::from_str(line) {
            Ok(p) => p,
            Err(_) if last && !text_ends_in_newline => break,
            Err(e) => return Err(format!("{path}:{}: not a results line: {e}", i + 1)),
        };
        let this = SweepId {
            scenario: parsed.scenario,
            version: parsed.version,
            strategy: parsed.strategy,
        };
        match &id {
            None => id = Some(this),
            Some(prev) if *prev != this => {
                return Err(format!(
                    "{path}:{}: line is from another sweep ({} {} {}), expected {} {} {}",
                    i + 1,
                    this.scenario,
                    this.version,
                    this.strategy,
                    prev.scenario,
                    prev.version,
                    prev.strategy
                ))
            }
            Some(_) => {}
        }
        out.push(parsed.result);
    }
    Ok((id, out))
}

pub struct ResultsWriter {
    file: File,
    id: SweepId,
}

impl ResultsWriter {
    /// Opens `path` for a sweep. Without `resume` the file starts empty; with it, the runs
    /// already in it are returned (to be skipped) and new lines are appended after the last
    /// complete one.
    pub fn open(
        path: &str,
        id: SweepId,
        resume: bool,
    ) -> Result<(ResultsWriter, Vec<SeedResult>), String> {
        let mut done = Vec::new();
        if resume && std::path::Path::new(path).exists() {
            let (file_id, results) = read_results(path)?;
            if let Some(f) = file_id {
                if f != id {
                    return Err(format!(
                        "{path}: --resume of another sweep: the file holds {} {} {}, this sweep is {} {} {}",
                        f.scenario, f.version, f.strategy, id.scenario, id.version, id.strategy
                    ));
                }
            }
            done = results;
            // Drop a partial last line so the next line starts clean.
            let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
            let keep = bytes
                .iter()
                .rposition(|&b| b == b'\n')
                .map(|p| p + 1)
                .unwrap_or(0);
            if keep < bytes.len() {
                let f = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| format!("{path}: {e}"))?;
                f.set_len(keep as u64).map_err(|e| format!("{path}: {e}"))?;
            }
        }
        let file = if resume {
            OpenOptions::new().create(true).append(true).open(path)
        } else {
            File::create(path)
        }
        .map_err(|e| format!("{path}: cannot write the results file: {e}"))?;
        Ok((ResultsWriter { file, id }, done))
    }

    pub fn write(&mut self, r: &SeedResult) -> std::io::Result<()> {
        let line = ResultLine {
            scenario: self.id.scenario.clone(),
            version: self.id.version.clone(),
            strategy: self.id.strategy.clone(),
            result: r.clone(),
        };
        let mut s = serde_json::to_string(&line).expect("serializable");
        s.push('\n');
        self.file.write_all(s.as_bytes())?;
        self.file.flush()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct InvariantStats {
    pub runs: u64,
    pub first_seed: u64,
    pub first_message: String,
    /// The seed that failed in the fewest steps (ties: the lower seed).
    pub fastest_seed: u64,
    pub fastest_steps: u64,
}

/// What a sweep found, independent of order, jobs and sharding.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Summary {
    pub runs: u64,
    pub events: u64,
    pub violating: u64,
    pub by_invariant: BTreeMap<String, InvariantStats>,
    pub sometimes: BTreeMap<String, u64>,
}

impl Summary {
    /// An empty summary that reports each of `sometimes` (reached by 0 runs so far).
    pub fn new(sometimes: &[&str]) -> Summary {
        let mut s = Summary::default();
        for name in sometimes {
            s.sometimes.insert(name.to_string(), 0);
        }
        s
    }

    /// Counts one run; the caller adds each seed once. A sweep adds its results as they
    /// come, so it keeps none of them.
    pub fn add(&mut self, r: &SeedResult) {
        self.runs += 1;
        self.events += r.steps;
        for n in &r.reached {
            *self.sometimes.entry(n.clone()).or_insert(0) += 1;
        }
        let Some(inv) = &r.invariant else { return };
        self.violating += 1;
        let e = self
            .by_invariant
            .entry(inv.clone())
            .or_insert_with(|| InvariantStats {
                runs: 0,
                first_seed: r.seed,
                first_message: r.message.clone(),
                fastest_seed: r.seed,
                fastest_steps: r.steps,
            });
        e.runs += 1;
        if r.seed < e.first_seed {
            e.first_seed = r.seed;
            e.first_message = r.message.clone();
        }
        if (r.steps, r.seed) < (e.fastest_steps, e.fastest_seed) {
            e.fastest_seed = r.seed;
            e.fastest_steps = r.steps;
        }
    }
}

/// The summary of `results`, each seed counted once (its first result).
pub fn summarize(results: &[SeedResult], sometimes: &[&str]) -> Summary {
    let mut s = Summary::new(sometimes);
    let mut seen = BTreeSet::new();
    for r in results {
        if seen.insert(r.seed) {
            s.add(r);
        }
    }
    s
}

/// The summary as printed. `wall` (seconds) adds the rates; leave it out for output that
/// must be identical across machines.
pub fn render_summary(title: &str, s: &Summary, wall: Option<f64>) -> String {
    let mut o = String::new();
    let _ = write!(o, "{title}: {} runs, {} simulated events", s.runs, s.events);
    if let Some(w) = wall {
        let w = w.max(1e-9);
        let _ = write!(
            o,
            " in {w:.2} s ({:.0} runs/s, {:.0} simulated events/s)",
            s.runs as f64 / w,
            s.events as f64 / w
        );
    }
    let _ = writeln!(o);
    if s.violating == 0 {
        let _ = writeln!(o, "violations: none");
    } else {
        let _ = writeln!(o, "violations: {} of {} runs", s.violating, s.runs);
        for (inv, st) in &s.by_invariant {
            let _ = writeln!(
                o,
                "  {inv}: {} runs; first seed {}; fastest seed {} ({} steps)",
                st.runs, st.first_seed, st.fastest_seed, st.fastest_steps
            );
            let _ = writeln!(o, "    seed {}: {}", st.first_seed, st.first_message);
        }
    }
    for (name, n) in &s.sometimes {
        let _ = writeln!(o, "sometimes {name}: reached in {n} of {} runs", s.runs);
    }
    o
}

/// `hvsim merge`: joins result files of one sweep's shards.
pub fn merge(paths: &[String]) -> Result<(SweepId, Vec<SeedResult>), String> {
    let mut id: Option<SweepId> = None;
    let mut all: BTreeMap<u64, SeedResult> = BTreeMap::new();
    for p in paths {
        let (fid, results) = read_results(p)?;
        let Some(fid) = fid else { continue };
        match &id {
            None => id = Some(fid),
            Some(prev) if *prev != fid => {
                return Err(format!(
                    "{p}: from another sweep ({} {} {}), expected {} {} {}",
                    fid.scenario,
                    fid.version,
                    fid.strategy,
                    prev.scenario,
                    prev.version,
                    prev.strategy
                ))
            }
            Some(_) => {}
        }
        for r in results {
            all.entry(r.seed).or_insert(r);
        }
    }
    let id = id.ok_or_else(|| "no results in the given files".to_string())?;
    Ok((id, all.into_values().collect()))
}
