//! Exploration strategies, each a [`Choices`] source: what answers a run gets decides
//! which schedule it explores.
//!
//! * `random`: ChaCha8 per seed, uniform answers.
//! * `pct`: priority-based scheduling after Burckhardt et al. (ASPLOS'10), adapted to a
//!   discrete-event world. Each actor (process) gets a random priority; a high-priority
//!   actor's delays (watch deliveries to it, its reconciles, its restarts, its pods) are
//!   answered at the low end of their range and a low-priority actor's at the high end, so
//!   the run systematically lets some components race ahead while others lag with stale
//!   caches. At `d - 1` change points, chosen uniformly among the first `horizon` decisions,
//!   the actor being decided for drops to the lowest priorities. Ties, window times and
//!   candidates stay uniform.
//! * `swarm`: each seed first draws its "weather" (TigerBeetle's `options_swarm`, Groce et
//!   al. ISSTA'12): per delay kind, uniform / short / long answers; per fault kind of the
//!   scenario, whether it happens and how many extra faults of that kind the run adds.
//! * `exhaustive`: the bounded depth-first enumeration of [`super::exhaustive`]. Its runs are
//!   not seeded but numbered by the enumeration (from 1); run K's answers depend on the
//!   scenario (the decisions earlier runs made), so they come from [`Strategy::run_choices`].

use super::exhaustive::{plan_of_run, DfsChoices};
use crate::engine::{Answer, Choice, ChoiceKind, Choices, Recorded, SeededChoices};
use crate::scenario::{Scenario, Version};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::fmt;

/// How a sweep's runs get their answers (see the module documentation).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Strategy {
    /// ChaCha8 per seed, uniform answers.
    Random,
    /// Priority-based scheduling (PCT).
    Pct {
        /// Priorities change at `depth - 1` points of the run.
        depth: u32,
    },
    /// Per-seed weather: short, long or uniform delays, and extra faults, per kind.
    Swarm,
    /// At most `bound` branching decisions per run.
    Exhaustive {
        /// Most branching decisions per run.
        bound: usize,
    },
}

/// `--bound`'s default: the most branching decisions per exhaustive run.
pub const DEFAULT_BOUND: usize = 12;

impl Strategy {
    /// `s` with its parameters: `depth` for pct, `bound` for exhaustive.
    pub fn parse_with(s: &str, depth: u32, bound: usize) -> Result<Strategy, String> {
        match Strategy::parse(s, depth)? {
            Strategy::Exhaustive { .. } => Ok(Strategy::Exhaustive { bound }),
            other => Ok(other),
        }
    }

    /// `s` with PCT's `depth` and exhaustive's default bound.
    pub fn parse(s: &str, depth: u32) -> Result<Strategy, String> {
        match s {
            "random" => Ok(Strategy::Random),
            "pct" => Ok(Strategy::Pct {
                depth: depth.max(1),
            }),
            "swarm" => Ok(Strategy::Swarm),
            "exhaustive" => Ok(Strategy::Exhaustive {
                bound: DEFAULT_BOUND,
            }),
            other => Err(format!(
                "unknown strategy \"{other}\", expected one of random, pct, swarm, exhaustive"
            )),
        }
    }

    /// The strategy's name as `--strategy` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Random => "random",
            Strategy::Pct { .. } => "pct",
            Strategy::Swarm => "swarm",
            Strategy::Exhaustive { .. } => "exhaustive",
        }
    }

    /// The `hvsim run` arguments that select this strategy (empty for random).
    pub fn run_args(self) -> String {
        match self {
            Strategy::Random => String::new(),
            Strategy::Pct { depth } => format!(" --strategy pct --depth {depth}"),
            Strategy::Swarm => " --strategy swarm".to_string(),
            Strategy::Exhaustive { bound } => format!(" --strategy exhaustive --bound {bound}"),
        }
    }

    /// Whether a run is a seed (random, pct, swarm), so seeds can be swept.
    pub fn is_seeded(self) -> bool {
        !matches!(self, Strategy::Exhaustive { .. })
    }

    /// The choice source for one seed of a seeded strategy.
    ///
    /// # Panics
    /// For exhaustive, whose runs are not seeds: use [`Strategy::run_choices`]. Sweeps
    /// take seeded strategies only ([`Strategy::is_seeded`]).
    pub fn choices(self, seed: u64) -> Box<dyn Choices> {
        match self {
            Strategy::Random => Box::new(SeededChoices::new(seed)),
            Strategy::Pct { depth } => Box::new(PctChoices::new(seed, depth, PCT_HORIZON)),
            Strategy::Swarm => Box::new(SwarmChoices::new(seed)),
            Strategy::Exhaustive { .. } => {
                panic!("exhaustive runs are numbered, not seeded: use Strategy::run_choices")
            }
        }
    }

    /// The choice source for one seed, as [`Strategy::choices`], writing no answer down:
    /// for a run nobody will replay or shrink from its answers (a sweep's seed; a seed
    /// that breaks something is run again, recorded, to be shrunk).
    ///
    /// # Panics
    /// For exhaustive, as [`Strategy::choices`].
    pub fn unrecorded_choices(self, seed: u64) -> Box<dyn Choices> {
        match self {
            Strategy::Random => Box::new(SeededChoices::new(seed).unrecorded()),
            Strategy::Pct { depth } => {
                Box::new(PctChoices::new(seed, depth, PCT_HORIZON).unrecorded())
            }
            Strategy::Swarm => Box::new(SwarmChoices::new(seed).unrecorded()),
            Strategy::Exhaustive { .. } => {
                panic!("exhaustive runs are numbered, not seeded: use Strategy::run_choices")
            }
        }
    }

    /// The choice source for run `n` of `scn` on `version`: seed `n` of a seeded strategy,
    /// run `n` (from 1) of the exhaustive enumeration; recording its answers when `record`
    /// (the run is to be shrunk), else writing none down. The error says why there is no
    /// such run.
    pub fn run_choices(
        self,
        scn: &Scenario,
        version: Version,
        n: u64,
        record: bool,
    ) -> Result<Box<dyn Choices>, String> {
        let Strategy::Exhaustive { bound } = self else {
            return Ok(if record {
                self.choices(n)
            } else {
                self.unrecorded_choices(n)
            });
        };
        if n == 0 {
            return Err("exhaustive runs are numbered from 1, not 0".into());
        }
        match plan_of_run(scn, version, bound, n) {
            Ok(plan) if record => Ok(Box::new(DfsChoices::new(plan, bound))),
            Ok(plan) => Ok(Box::new(DfsChoices::new(plan, bound).unrecorded())),
            Err(runs) => Err(format!(
                "run {n}: the exhaustive enumeration with bound {bound} has {runs} runs"
            )),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Pct { depth } => write!(f, "pct (depth {depth})"),
            Strategy::Exhaustive { bound } => write!(f, "exhaustive (bound {bound})"),
            s => f.write_str(s.name()),
        }
    }
}

/// Change points fall among the first this many decisions (a bundled run makes a few hundred).
pub const PCT_HORIZON: u64 = 400;

fn is_delay(kind: ChoiceKind) -> bool {
    matches!(
        kind,
        ChoiceKind::WatchLatency
            | ChoiceKind::Reconcile
            | ChoiceKind::Restart
            | ChoiceKind::PodStart
            | ChoiceKind::Transfer
            | ChoiceKind::PodCleanup
            | ChoiceKind::Operation
    )
}

/// PCT's rule: actor priorities, and the change points at which the actor being decided for drops.
pub struct Pct {
    rng: ChaCha8Rng,
    /// Actor -> priority; higher runs first. Change points assign 0..d-1, initial ones d..
    prio: BTreeMap<u32, u64>,
    change_points: Vec<u64>,
    lowered: u64,
    picks: u64,
}

/// PCT's answers, recorded.
pub type PctChoices = Recorded<Pct>;

impl PctChoices {
    /// PCT for `seed` with `depth - 1` change points among the first `horizon` decisions.
    pub fn new(seed: u64, depth: u32, horizon: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut change_points: Vec<u64> = (1..depth)
            .map(|_| rng.random_range(1..=horizon.max(1)))
            .collect();
        change_points.sort_unstable();
        Recorded::with(Pct {
            rng,
            prio: BTreeMap::new(),
            change_points,
            lowered: 0,
            picks: 0,
        })
    }
}

impl Pct {
    fn priority(&mut self, actor: u32) -> u64 {
        let base = self.change_points.len() as u64 + 1;
        let rng = &mut self.rng;
        *self
            .prio
            .entry(actor)
            .or_insert_with(|| base + rng.random_range(0..1_000_000))
    }
}

impl Answer for Pct {
    fn answer(&mut self, choice: Choice, lo: u64, hi: u64) -> u64 {
        self.picks += 1;
        if let Some(v) = choice.kind.fixed_answer(lo, hi) {
            v
        } else if lo >= hi {
            lo
        } else if is_delay(choice.kind) {
            while self.change_points.first().is_some_and(|&c| c <= self.picks) {
                self.change_points.remove(0);
                // Drop the actor being decided for below everyone seen so far.
                self.priority(choice.actor);
                self.prio.insert(choice.actor, self.lowered);
                self.lowered += 1;
            }
            let p = self.priority(choice.actor);
            let top = self.change_points.len() as u64 + 1 + 1_000_000 + self.lowered;
            // High priority -> short delay. Linear in the priority's rank within [0, top).
            let span = (hi - lo) as u128;
            lo + (span * (top - p.min(top)) as u128 / top as u128) as u64
        } else {
            self.rng.random_range(lo..=hi)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Weather {
    Uniform,
    Short,
    Long,
}

/// Swarm's rule: the seed's weather per delay kind and its faults per fault kind.
pub struct Swarm {
    rng: ChaCha8Rng,
    weather: BTreeMap<ChoiceKind, Weather>,
    /// Per fault kind: (happens at all, extra faults rate in 0..=3).
    faults: BTreeMap<u32, (bool, u64)>,
}

/// Swarm's answers, recorded.
pub type SwarmChoices = Recorded<Swarm>;

impl SwarmChoices {
    /// Swarm for `seed` (its weather drawn first).
    pub fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5a4d_5741_524d);
        let mut weather = BTreeMap::new();
        for k in [
            ChoiceKind::WatchLatency,
            ChoiceKind::Reconcile,
            ChoiceKind::Restart,
            ChoiceKind::PodStart,
            ChoiceKind::Transfer,
            ChoiceKind::PodCleanup,
        ] {
            let w = match rng.random_range(0..4) {
                0 => Weather::Short,
                1 => Weather::Long,
                _ => Weather::Uniform,
            };
            weather.insert(k, w);
        }
        Recorded::with(Swarm {
            rng,
            weather,
            faults: BTreeMap::new(),
        })
    }
}

impl Swarm {
    fn fault(&mut self, kind: u32) -> (bool, u64) {
        let rng = &mut self.rng;
        *self
            .faults
            .entry(kind)
            .or_insert_with(|| (rng.random_range(0..4) != 0, rng.random_range(0..=3)))
    }
}

impl Answer for Swarm {
    fn answer(&mut self, choice: Choice, lo: u64, hi: u64) -> u64 {
        match choice.kind {
            ChoiceKind::FaultGate => u64::from(self.fault(choice.actor % 1000).0).clamp(lo, hi),
            ChoiceKind::ExtraFaults => self.fault(choice.actor % 1000).1.clamp(lo, hi),
            _ if lo >= hi => lo,
            k => {
                let quarter = (hi - lo) / 4;
                match self.weather.get(&k).copied().unwrap_or(Weather::Uniform) {
                    Weather::Uniform => self.rng.random_range(lo..=hi),
                    Weather::Short => self.rng.random_range(lo..=lo + quarter),
                    Weather::Long => self.rng.random_range(hi - quarter..=hi),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(kind: ChoiceKind, actor: u32) -> Choice {
        Choice::new(kind, actor)
    }

    #[test]
    fn pct_gives_one_actor_consistently_short_or_long_delays() {
        let mut p = PctChoices::new(1, 1, 100);
        let a: Vec<u64> = (0..5)
            .map(|_| p.pick(c(ChoiceKind::WatchLatency, 3), 0, 1000))
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]), "{a:?}");
    }

    #[test]
    fn pct_change_point_lowers_the_actor_to_the_longest_delays() {
        // depth 2: one change point within the first decision.
        let mut p = PctChoices::new(7, 2, 1);
        let v = p.pick(c(ChoiceKind::Reconcile, 5), 0, 1000);
        assert!(v >= 999, "lowered actor answers at the high end, got {v}");
    }

    #[test]
    fn swarm_keeps_one_weather_per_kind_for_the_whole_run() {
        let mut s = SwarmChoices::new(3);
        let gate1 = s.pick(c(ChoiceKind::FaultGate, 0), 0, 1);
        let gate2 = s.pick(c(ChoiceKind::FaultGate, 0), 0, 1);
        assert_eq!(gate1, gate2);
    }

    #[test]
    fn seeded_runs_keep_every_fault_and_add_none() {
        let mut s = SeededChoices::new(3);
        assert_eq!(s.pick(c(ChoiceKind::FaultGate, 0), 0, 1), 1);
        assert_eq!(s.pick(c(ChoiceKind::ExtraFaults, 0), 0, 3), 0);
    }
}
