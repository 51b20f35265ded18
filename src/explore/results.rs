//! Sweep results: the JSON Lines file (one line per run, flushed as it is reported, so an
//! interrupted sweep loses nothing already reported), `--resume`, `merge`, and the summary
//! a sweep prints. The summary depends only on the set of results, so four merged shards
//! summarize exactly as one whole run.

use super::sweep::SeedResult;
use crate::scenario::SeedRange;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write;

/// One line of a results file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultLine {
    /// The scenario's name.
    pub scenario: String,
    /// The modelled version.
    pub version: String,
    /// The strategy, as displayed (`pct (depth 3)`).
    pub strategy: String,
    /// The run's result (its fields are the line's, flattened).
    #[serde(flatten)]
    pub result: SeedResult,
}

/// Which sweep a line belongs to; every line of a file, and every file merged, must agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepId {
    /// The scenario's name.
    pub scenario: String,
    /// The modelled version.
    pub version: String,
    /// The strategy, as displayed (`pct (depth 3)`).
    pub strategy: String,
}

/// The format a results file's first line names.
pub const RESULTS_FORMAT: &str = "hvsim.results/2";

/// The K-th of N disjoint slices of a sweep's seeds (1-based), written `K/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shard {
    /// Which slice, from 1.
    pub k: u64,
    /// How many slices.
    pub n: u64,
}

impl Shard {
    /// Reads `K/N` with `1 <= K <= N`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard takes K/N with 1 <= K <= N, such as 2/4, not \"{s}\"");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether `seed` of `range` falls in this shard (as [`super::sweep::shard_seeds`]).
    pub fn holds(self, range: SeedRange, seed: u64) -> bool {
        seed >= range.start && seed < range.end && (seed - range.start) % self.n == self.k - 1
    }

    /// How many seeds of `range` this shard has.
    pub fn len(self, range: SeedRange) -> u64 {
        let total = range.end - range.start;
        total / self.n + u64::from(total % self.n >= self.k)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl Serialize for Shard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Shard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Shard::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The first line of a results file, `{"sweep":{...}}`: which sweep wrote it. `--out`,
/// `--resume` and `merge` compare it with the command, so files of different sweeps never mix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepHeader {
    /// `hvsim.results/2` (`RESULTS_FORMAT`).
    pub format: String,
    /// The scenario's name.
    pub scenario: String,
    /// The modelled version.
    pub version: String,
    /// As displayed: `pct (depth 3)` names the depth too.
    pub strategy: String,
    /// The whole sweep's seeds (a shard runs only its slice of them).
    pub seeds: SeedRange,
    /// The slice with `--shard`, else `None`.
    pub shard: Option<Shard>,
    /// The scenario's sometimes-assertions, so a merged summary lists them all.
    #[serde(default)]
    pub sometimes: Vec<String>,
    /// The scenario as the command named it and the strategy's `run` arguments, for the
    /// `reproduce` line (not part of the sweep's identity).
    #[serde(default)]
    pub file: String,
    /// See `file`.
    #[serde(default)]
    pub run_args: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine {
    sweep: SweepHeader,
}

impl SweepHeader {
    /// The sweep's identity as result lines carry it.
    pub fn id(&self) -> SweepId {
        SweepId {
            scenario: self.scenario.clone(),
            version: self.version.clone(),
            strategy: self.strategy.clone(),
        }
    }

    /// The same sweep: scenario, version, strategy (and depth), seeds and shard.
    pub fn same_sweep(&self, o: &SweepHeader) -> bool {
        (
            &self.scenario,
            &self.version,
            &self.strategy,
            self.seeds,
            self.shard,
        ) == (&o.scenario, &o.version, &o.strategy, o.seeds, o.shard)
    }

    /// `NAME VERSION STRATEGY, seeds A..B[, shard K/N]`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} {}, seeds {}{}",
            self.scenario,
            self.version,
            self.strategy,
            self.seeds,
            self.shard
                .map(|s| format!(", shard {s}"))
                .unwrap_or_default()
        )
    }

    /// `hvsim run ...` for `seed`.
    pub fn reproduce(&self, seed: u64) -> String {
        format!(
            "hvsim run {} --seed {seed} --version {}{}",
            self.file, self.version, self.run_args
        )
    }
}

/// A results file as read.
#[derive(Clone, Debug, Default)]
pub struct ResultsFile {
    /// `None` for a file written before headers (format 1).
    pub header: Option<SweepHeader>,
    /// The sweep the file's lines belong to (from the header, or else the first line).
    pub id: Option<SweepId>,
    /// One result per line, in file order.
    pub results: Vec<SeedResult>,
}

/// Reads a results file. A last line cut short by an interruption is ignored; any other bad
/// line is an error naming the file and line.
pub fn read_results(path: &str) -> Result<(Option<SweepId>, Vec<SeedResult>), String> {
    read_file(path).map(|f| (f.id, f.results))
}

/// Reads a results file, its header too.
pub fn read_file(path: &str) -> Result<ResultsFile, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("{path}: cannot read the results file: {e}"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{path}: not a results file (not UTF-8 text)"))?;
    let text_ends_in_newline = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let mut f = ResultsFile::default();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let last = i + 1 == lines.len();
        if i == 0 && line.starts_with("{\"sweep\":") {
            match serde_json::from_str::<HeaderLine>(line) {
                Ok(h) => {
                    f.id = Some(h.sweep.id());
                    f.header = Some(h.sweep);
                    continue;
                }
                Err(_) if last && !text_ends_in_newline => break,
                Err(e) => return Err(format!("{path}:1: not a results header: {e}")),
            }
        }
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
        match &f.id {
            None => f.id = Some(this),
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
        f.results.push(parsed.result);
    }
    Ok(f)
}

/// Appends result lines to a results file (see [`ResultsWriter::open`]).
pub struct ResultsWriter {
    file: File,
    id: SweepId,
    path: String,
    /// The file was made (or emptied) by this writer: [`ResultsWriter::discard`] removes it.
    created: bool,
}

impl ResultsWriter {
    /// Opens `path` for the sweep `header`. The file is a journal, written line by line so an
    /// interrupted sweep loses nothing already reported.
    ///
    /// Without `resume` the file starts anew with the header, but an existing non-empty file
    /// is only replaced if it holds the same sweep, or with `force`. With `resume` the file's
    /// header must be this sweep's; the runs already in it are returned (to be skipped) and
    /// new lines are appended after the last complete one. A missing or empty file is
    /// started anew.
    pub fn open(
        path: &str,
        header: &SweepHeader,
        resume: bool,
        force: bool,
    ) -> Result<(ResultsWriter, Vec<SeedResult>), String> {
        let existing = std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        let id = header.id();
        let cannot = |e: std::io::Error| format!("{path}: cannot write the results file: {e}");
        if resume && existing {
            let f = read_file(path)?;
            let Some(fh) = f.header else {
                return Err(format!(
                    "{path}: --resume: the file has no sweep header (an older results file), so it cannot be told to be this sweep ({})",
                    header.describe()
                ));
            };
            if !fh.same_sweep(header) {
                return Err(format!(
                    "{path}: --resume of another sweep: the file holds {}, this command is {}",
                    fh.describe(),
                    header.describe()
                ));
            }
            // Drop a partial last line so the next line starts clean.
            let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
            let keep = bytes
                .iter()
                .rposition(|&b| b == b'\n')
                .map(|p| p + 1)
                .unwrap_or(0);
            let file = OpenOptions::new().write(true).open(path).map_err(cannot)?;
            if keep < bytes.len() {
                file.set_len(keep as u64).map_err(cannot)?;
            }
            drop(file);
            let file = OpenOptions::new().append(true).open(path).map_err(cannot)?;
            let w = ResultsWriter {
                file,
                id,
                path: path.to_string(),
                created: false,
            };
            return Ok((w, f.results));
        }
        if existing && !force {
            match read_file(path) {
                Ok(ResultsFile {
                    header: Some(fh), ..
                }) if fh.same_sweep(header) => {}
                Ok(ResultsFile {
                    header: Some(fh), ..
                }) => {
                    return Err(format!(
                        "{path}: holds the results of another sweep ({}), this sweep is {}; give another --out, or --force to replace it",
                        fh.describe(),
                        header.describe()
                    ))
                }
                Ok(_) => {
                    return Err(format!(
                        "{path}: holds results without a sweep header (an older results file); give another --out, or --force to replace it"
                    ))
                }
                Err(_) => {
                    return Err(format!(
                        "{path}: exists and is not a results file; give another --out, or --force to replace it"
                    ))
                }
            }
        }
        let mut file = File::create(path).map_err(cannot)?;
        let mut line = serde_json::to_string(&HeaderLine {
            sweep: header.clone(),
        })
        .expect("serializable");
        line.push('\n');
        if let Err(e) = file.write_all(line.as_bytes()).and_then(|_| file.flush()) {
            let _ = std::fs::remove_file(path);
            return Err(cannot(e));
        }
        let w = ResultsWriter {
            file,
            id,
            path: path.to_string(),
            created: true,
        };
        Ok((w, Vec::new()))
    }

    /// Appends one run's result as a line and flushes it.
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

    /// The command failed: remove the file if this writer made it (a resumed file keeps
    /// what it held).
    pub fn discard(self) {
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// What a sweep found for one invariant.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct InvariantStats {
    /// How many runs violated it.
    pub runs: u64,
    /// The lowest seed that violated it.
    pub first_seed: u64,
    /// The violation's message on that seed.
    pub first_message: String,
    /// The seed that failed in the fewest steps (ties: the lower seed).
    pub fastest_seed: u64,
    /// Steps that run took to fail.
    pub fastest_steps: u64,
}

/// What a sweep found, independent of order, jobs and sharding.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Summary {
    /// Runs done.
    pub runs: u64,
    /// Simulated events over all runs.
    pub events: u64,
    /// Runs that violated some invariant.
    pub violating: u64,
    /// Per invariant violated: what the sweep found for it.
    pub by_invariant: BTreeMap<String, InvariantStats>,
    /// Per sometimes-assertion: in how many runs it was reached.
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

/// `hvsim merge`: a sharded sweep's files joined.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The sweep's header without a shard: the whole sweep.
    pub header: SweepHeader,
    /// Every run's result, in seed order.
    pub results: Vec<SeedResult>,
}

/// `hvsim merge`: joins the results files of one sweep's shards. Every file must have a
/// header of the same sweep (scenario, version, strategy, seeds, number of shards), each
/// shard must be given once, none may be missing, and each must hold every seed of its
/// shard: only then is the merged summary the whole sweep's.
pub fn merge(paths: &[String]) -> Result<Merged, String> {
    let mut first: Option<(String, SweepHeader)> = None;
    let mut by_shard: BTreeMap<u64, String> = BTreeMap::new();
    let mut all: BTreeMap<u64, SeedResult> = BTreeMap::new();
    for p in paths {
        let f = read_file(p)?;
        let Some(h) = f.header else {
            return Err(format!(
                "{p}: no sweep header (an older results file): merge cannot tell which shard it is"
            ));
        };
        let shard = h.shard.unwrap_or(Shard { k: 1, n: 1 });
        match &first {
            None => first = Some((p.clone(), h.clone())),
            Some((fp, fh)) => {
                let n0 = fh.shard.map_or(1, |s| s.n);
                let whole = SweepHeader {
                    shard: None,
                    ..h.clone()
                };
                let whole0 = SweepHeader {
                    shard: None,
                    ..fh.clone()
                };
                if !whole.same_sweep(&whole0) || shard.n != n0 {
                    return Err(format!(
                        "{p}: from another sweep ({}), expected one like {fp} ({})",
                        h.describe(),
                        fh.describe()
                    ));
                }
            }
        }
        if let Some(q) = by_shard.insert(shard.k, p.clone()) {
            return Err(format!(
                "{p}: shard {shard} overlaps {q}, which holds the same shard"
            ));
        }
        let range = h.seeds;
        let mut got = 0u64;
        for r in f.results {
            if !shard.holds(range, r.seed) {
                return Err(format!(
                    "{p}: seed {} is not in shard {shard} of seeds {range}",
                    r.seed
                ));
            }
            if let std::collections::btree_map::Entry::Vacant(e) = all.entry(r.seed) {
                got += 1;
                e.insert(r);
            }
        }
        let want = shard.len(range);
        if got < want {
            let first_missing = (range.start..range.end)
                .find(|&s| shard.holds(range, s) && !all.contains_key(&s))
                .unwrap_or(range.start);
            return Err(format!(
                "{p}: shard {shard} is incomplete: {} of its {want} seeds missing (first: seed {first_missing}); finish it with explore --resume",
                want - got
            ));
        }
    }
    let (_, h) = first.ok_or_else(|| "merge needs at least one results file".to_string())?;
    let n = h.shard.map_or(1, |s| s.n);
    let missing: Vec<String> = (1..=n)
        .filter(|k| !by_shard.contains_key(k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "shards missing from {}: {}; merge needs all {n}",
            h.describe().split(", shard").next().unwrap_or_default(),
            missing.join(", ")
        ));
    }
    Ok(Merged {
        header: SweepHeader { shard: None, ..h },
        results: all.into_values().collect(),
    })
}
