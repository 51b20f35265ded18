//! Checks a parsed scenario for what serde cannot: names Kubernetes would reject, references
//! to things not declared, duplicates, and values the model cannot run. The first problem is
//! reported, at the position of the offending value, saying what was expected.

use super::locate::{Doc, Seg, Seg::*};
use super::schema::*;
use super::version::{parse_expect_key, Version};
use super::ScenarioError;
use crate::kube::validation::{
    aggregate, field_invalid, is_dns1123_label, is_dns1123_subdomain, is_valid_label_value,
};

/// The most nodes, and the most host-page sessions, a scenario may have: each is a process
/// with a `u16` actor id, and 10,000 of each stays well within 65,535.
const MAX_NODES: usize = 10_000;

/// Controller processes that run once per cluster. `virt-handler` runs per node and is named
/// `virt-handler-<node>`.
const CLUSTER_PROCESSES: &[&str] = &[
    "harvester",
    "cattle-cluster-agent",
    "virt-controller",
    "kube-controller-manager",
    "kubelet",
    "kube-scheduler",
];

/// Every process name `RestartProcess` accepts in this scenario.
pub fn known_processes(scn: &Scenario) -> Vec<String> {
    let per_node = scn.nodes.iter().map(|n| format!("virt-handler-{}", n.name));
    CLUSTER_PROCESSES
        .iter()
        .map(|p| p.to_string())
        .chain(per_node)
        .collect()
}

pub fn validate(scn: &Scenario, file: &str, text: &str) -> Result<(), ScenarioError> {
    let v = Validator {
        scn,
        file,
        doc: Doc::parse(text),
    };
    v.nodes()?;
    v.cpus()?;
    v.namespaces()?;
    v.vms()?;
    v.upgrade()?;
    v.timeline()?;
    v.invariants()?;
    v.run_limits()?;
    v.expectations()
}

struct Validator<'a> {
    scn: &'a Scenario,
    file: &'a str,
    doc: Doc,
}

type Checked = Result<(), ScenarioError>;

impl Validator<'_> {
    fn fail(&self, path: &[Seg], message: String) -> Checked {
        Err(ScenarioError::new(self.file, self.doc.at(path), message))
    }

    fn nodes(&self) -> Checked {
        if self.scn.nodes.is_empty() {
            return self.fail(
                &[Field("nodes")],
                "no nodes, expected at least one node".into(),
            );
        }
        for (i, node) in self.scn.nodes.iter().enumerate() {
            let at = [Field("nodes"), Index(i), Field("name")];
            let errs = is_dns1123_subdomain(&node.name);
            if !errs.is_empty() {
                return self.fail(
                    &at,
                    invalid_name("node", &node.name, "metadata.name", &errs),
                );
            }
            if self.scn.nodes[..i].iter().any(|n| n.name == node.name) {
                return self.fail(
                    &at,
                    format!(
                        "duplicate node name \"{}\", expected each node once",
                        node.name
                    ),
                );
            }
        }
        Ok(())
    }

    fn cpus(&self) -> Checked {
        let names = crate::models::cpu::catalogue_names();
        for (i, node) in self.scn.nodes.iter().enumerate() {
            if let Some(m) = &node.cpu_model {
                if node.cpu_features.is_none() && !names.contains(&m.as_str()) {
                    return self.fail(
                        &[Field("nodes"), Index(i), Field("cpu_model")],
                        format!(
                            "unknown CPU model \"{m}\", {} (or give cpu_features)",
                            one_of("catalogue models", names.iter())
                        ),
                    );
                }
            }
            if let Some(v) = &node.cpu_vendor {
                if !["Intel", "AMD"].contains(&v.as_str()) {
                    return self.fail(
                        &[Field("nodes"), Index(i), Field("cpu_vendor")],
                        format!("unknown CPU vendor \"{v}\", expected \"Intel\" or \"AMD\""),
                    );
                }
            }
        }
        for (i, vm) in self.scn.vms.iter().enumerate() {
            let Some(m) = &vm.cpu_model else { continue };
            if m == "host-model" || m == "host-passthrough" || names.contains(&m.as_str()) {
                continue;
            }
            let known = self
                .scn
                .nodes
                .iter()
                .any(|n| n.cpu_model.as_deref() == Some(m.as_str()));
            if !known {
                return self.fail(
                    &[Field("vms"), Index(i), Field("cpu_model")],
                    format!(
                        "unknown CPU model \"{m}\", expected \"host-model\", \"host-passthrough\" or a named model: {}",
                        names.join(", ")
                    ),
                );
            }
        }
        Ok(())
    }

    fn upgrade(&self) -> Checked {
        let Some(u) = &self.scn.upgrade else {
            return Ok(());
        };
        let nodes: Vec<&str> = self.scn.nodes.iter().map(|n| n.name.as_str()).collect();
        if !nodes.contains(&u.repo_node.as_str()) {
            return self.fail(
                &[Field("upgrade"), Field("repo_node")],
                format!(
                    "repo_node \"{}\" is not a node of the scenario, {}",
                    u.repo_node,
                    one_of("nodes", nodes.iter())
                ),
            );
        }
        for (j, n) in u.order.iter().enumerate() {
            let at = [Field("upgrade"), Field("order"), Index(j)];
            if !nodes.contains(&n.as_str()) {
                return self.fail(
                    &at,
                    format!(
                        "order names \"{n}\", which is not a node, {}",
                        one_of("nodes", nodes.iter())
                    ),
                );
            }
            if u.order[..j].contains(n) {
                return self.fail(
                    &at,
                    format!("order names \"{n}\" twice, expected each node once"),
                );
            }
        }
        if !u.order.is_empty() && u.order.len() != nodes.len() {
            return self.fail(
                &[Field("upgrade"), Field("order")],
                format!(
                    "order lists {} of the {} nodes, expected every node once",
                    u.order.len(),
                    nodes.len()
                ),
            );
        }
        Ok(())
    }

    fn namespaces(&self) -> Checked {
        for (i, ns) in self.scn.namespaces.iter().enumerate() {
            let at = [Field("namespaces"), Index(i), Field("name")];
            let errs = is_dns1123_label(&ns.name);
            if !errs.is_empty() {
                return self.fail(
                    &at,
                    invalid_name("namespace", &ns.name, "metadata.name", &errs),
                );
            }
            if self.scn.namespaces[..i].iter().any(|n| n.name == ns.name) {
                return self.fail(
                    &at,
                    format!(
                        "duplicate namespace name \"{}\", expected each namespace once",
                        ns.name
                    ),
                );
            }
            for (field, quota) in [
                ("quota", &ns.quota),
                ("project_default", &ns.project_default),
            ] {
                if quota.is_some_and(|q| q.cpu.is_none() && q.memory.is_none()) {
                    return self.fail(
                        &[Field("namespaces"), Index(i), Field(field)],
                        format!(
                            "namespace \"{}\" {field} sets neither cpu nor memory, expected at least one",
                            ns.name
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    fn vms(&self) -> Checked {
        let scn = self.scn;
        for (i, vm) in scn.vms.iter().enumerate() {
            let at = |field| [Field("vms"), Index(i), Field(field)];
            let errs = is_dns1123_subdomain(&vm.name);
            if !errs.is_empty() {
                return self.fail(
                    &at("name"),
                    invalid_name("VM", &vm.name, "metadata.name", &errs),
                );
            }
            // KubeVirt labels the VM's pods with its name (`vm.kubevirt.io/name`), so a name the
            // API server accepts for the VM can still be refused on its virt-launcher pod.
            let errs = is_valid_label_value(&vm.name);
            if !errs.is_empty() {
                return self.fail(
                    &at("name"),
                    invalid_name("VM", &vm.name, "metadata.labels", &errs),
                );
            }
            if scn.vms[..i]
                .iter()
                .any(|v| v.name == vm.name && v.namespace == vm.namespace)
            {
                return self.fail(
                    &at("name"),
                    format!(
                        "duplicate VM name \"{}\" in namespace \"{}\", expected each VM once per namespace",
                        vm.name, vm.namespace
                    ),
                );
            }
            if !scn.namespaces.iter().any(|n| n.name == vm.namespace) {
                let declared = one_of("namespaces", scn.namespaces.iter().map(|n| &n.name));
                return self.fail(
                    &at("namespace"),
                    format!(
                        "VM \"{}\" is in unknown namespace \"{}\", {declared}",
                        vm.name, vm.namespace
                    ),
                );
            }
            if !scn.nodes.iter().any(|n| n.name == vm.node) {
                let declared = one_of("nodes", scn.nodes.iter().map(|n| &n.name));
                return self.fail(
                    &at("node"),
                    format!(
                        "VM \"{}\" is on unknown node \"{}\", {declared}",
                        vm.name, vm.node
                    ),
                );
            }
            for (field, q) in [("cpu", vm.cpu), ("memory", vm.memory)] {
                if q.is_zero() {
                    return self.fail(
                        &at(field),
                        format!(
                            "VM \"{}\" has zero {field}, expected a quantity above zero",
                            vm.name
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    fn timeline(&self) -> Checked {
        for (i, step) in self.scn.timeline.iter().enumerate() {
            match (step.at, step.within) {
                (Some(_), Some(_)) => {
                    return self.fail(
                        &[Field("timeline"), Index(i), Field("within")],
                        "a timeline step with both at and within, expected exactly one of them"
                            .into(),
                    )
                }
                (None, None) => {
                    return self.fail(
                        &[Field("timeline"), Index(i)],
                        "a timeline step with neither at nor within, expected exactly one of them"
                            .into(),
                    )
                }
                _ => {}
            }
            self.action(i, &step.action)?;
        }
        Ok(())
    }

    fn action(&self, i: usize, action: &Action) -> Checked {
        let scn = self.scn;
        let at = |field| [Field("timeline"), Index(i), Field("action"), Field(field)];
        match action {
            Action::Migrate { vm, target } => {
                let found: Vec<&VmSpec> = scn.vms.iter().filter(|v| &v.name == vm).collect();
                let source = match found.as_slice() {
                    [] => {
                        let declared = one_of("VMs", scn.vms.iter().map(|v| &v.name));
                        return self.fail(
                            &at("vm"),
                            format!("Migrate of unknown VM \"{vm}\", {declared}"),
                        );
                    }
                    [one] => one,
                    several => {
                        let in_ns = quoted(several.iter().map(|v| &v.namespace));
                        return self.fail(
                            &at("vm"),
                            format!(
                                "Migrate of VM \"{vm}\", which is in more than one namespace ({in_ns}), expected a VM name declared once"
                            ),
                        );
                    }
                };
                if let Some(target) = target {
                    if !scn.nodes.iter().any(|n| &n.name == target) {
                        let declared = one_of("nodes", scn.nodes.iter().map(|n| &n.name));
                        return self.fail(
                            &at("target"),
                            format!("Migrate to unknown node \"{target}\", {declared}"),
                        );
                    }
                    if target == &source.node {
                        return self.fail(
                            &at("target"),
                            format!(
                                "Migrate of VM \"{vm}\" to node \"{target}\", where it already runs, expected another node"
                            ),
                        );
                    }
                }
            }
            Action::SetQuota {
                namespace,
                cpu,
                memory,
            } => {
                if !scn.namespaces.iter().any(|n| &n.name == namespace) {
                    let declared = one_of("namespaces", scn.namespaces.iter().map(|n| &n.name));
                    return self.fail(
                        &at("namespace"),
                        format!("SetQuota of unknown namespace \"{namespace}\", {declared}"),
                    );
                }
                if cpu.is_none() && memory.is_none() {
                    return self.fail(
                        &[Field("timeline"), Index(i), Field("action")],
                        format!("SetQuota of namespace \"{namespace}\" sets neither cpu nor memory, expected at least one"),
                    );
                }
            }
            Action::RestartProcess { process } => {
                let known = known_processes(scn);
                if !known.contains(process) {
                    return self.fail(
                        &at("process"),
                        format!(
                            "RestartProcess of unknown process \"{process}\", {}",
                            one_of("processes", known.iter())
                        ),
                    );
                }
            }
            Action::OpenHostPage { node, session, .. } => self.host_page(i, node, session)?,
            Action::ReloadPage { session } => self.reload_page(i, session)?,
            Action::RestartAgent => {}
            Action::UpgradeHarvester { to } => {
                // `to` is a known version (the loader parses it). Harvester does not support
                // downgrades, so no version this file runs may be later than `to`.
                let runs = std::iter::once(scn.harvester)
                    .chain(scn.expect.keys().filter_map(|v| Version::parse(v).ok()));
                if let Some(from) = runs.filter(|v| v > to).max() {
                    return self.fail(
                        &at("to"),
                        format!(
                            "UpgradeHarvester to {to} from {from} is a downgrade, which Harvester does not support, expected {from} or later"
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    fn invariants(&self) -> Checked {
        for (i, inv) in self.scn.invariants.iter().enumerate() {
            let at = [Field("invariants"), Index(i)];
            if self.scn.invariants[..i]
                .iter()
                .any(|o| o.name() == inv.name())
            {
                return self.fail(
                    &at,
                    format!(
                        "duplicate invariant \"{}\", expected each invariant once",
                        inv.name()
                    ),
                );
            }
            if let InvariantSpec::MigrationCompletes { within } = inv {
                if within.micros() == 0 {
                    return self.fail(
                        &[Field("invariants"), Index(i), Field("within")],
                        "MigrationCompletes within 0s, expected a bound above zero".into(),
                    );
                }
            }
            if let InvariantSpec::HostViewFresh { within } = inv {
                self.host_view_fresh(i, *within)?;
            }
        }
        for (i, s) in self.scn.sometimes.iter().enumerate() {
            if self.scn.sometimes[..i].iter().any(|o| o.name() == s.name()) {
                return self.fail(
                    &[Field("sometimes"), Index(i)],
                    format!(
                        "duplicate sometimes property \"{}\", expected each property once",
                        s.name()
                    ),
                );
            }
        }
        Ok(())
    }

    fn run_limits(&self) -> Checked {
        if self.scn.calm.micros() == 0 {
            return self.fail(
                &[Field("calm")],
                "calm of 0s, expected a duration above zero".into(),
            );
        }
        if self.scn.budget == 0 {
            return self.fail(
                &[Field("budget")],
                "budget of 0 events, expected at least one".into(),
            );
        }
        // Every node runs a virt-handler and every host page is a session: each a process
        // with a u16 actor id (`kube::ActorId`), beside the cluster's twenty or so others.
        let pages = (self.scn.timeline.iter())
            .filter(|t| matches!(t.action, Action::OpenHostPage { .. }))
            .count();
        for (what, n, field) in [
            ("nodes", self.scn.nodes.len(), "nodes"),
            ("host pages", pages, "timeline"),
        ] {
            if n > MAX_NODES {
                return self.fail(
                    &[Field(field)],
                    format!("{n} {what}, expected at most {MAX_NODES}"),
                );
            }
        }
        if self.scn.budget > crate::engine::MAX_BUDGET {
            return self.fail(
                &[Field("budget")],
                format!(
                    "budget of {} events, expected at most {} (the engine's ceiling on a run's length)",
                    self.scn.budget,
                    crate::engine::MAX_BUDGET
                ),
            );
        }
        Ok(())
    }

    fn expectations(&self) -> Checked {
        let declared: Vec<&str> = self.scn.invariants.iter().map(|i| i.name()).collect();
        for (version, expectation) in &self.scn.expect {
            match parse_expect_key(version) {
                Err(message) => return self.fail(&[Field("expect"), Key(version)], message),
                Ok((_, Some(_))) if self.scn.upgrade.is_none() => {
                    return self.fail(
                        &[Field("expect"), Key(version)],
                        format!("\"{version}\" names a repo VM policy but the scenario has no upgrade section, expected a plain version"),
                    )
                }
                Ok(_) => {}
            }
            let Expectation::Violates { invariants, .. } = expectation else {
                continue;
            };
            let at = |j| {
                [
                    Field("expect"),
                    Entry(version),
                    Field("invariants"),
                    Index(j),
                ]
            };
            if invariants.is_empty() {
                return self.fail(
                    &[Field("expect"), Entry(version), Field("invariants")],
                    format!(
                        "Violates for {version} names no invariant, {}",
                        one_of("invariants", declared.iter())
                    ),
                );
            }
            for (j, name) in invariants.iter().enumerate() {
                if !declared.contains(&name.as_str()) {
                    return self.fail(
                        &at(j),
                        format!(
                            "Violates names undeclared invariant \"{name}\", {}",
                            one_of("invariants", declared.iter())
                        ),
                    );
                }
            }
        }
        Ok(())
    }
}

/// How the API server refuses an object's name: `VM name "X" is invalid: metadata.name:
/// Invalid value: "X": a lowercase RFC 1123 subdomain must ...`.
fn invalid_name(what: &str, name: &str, path: &str, errs: &[String]) -> String {
    let detail: Vec<String> = errs.iter().map(|e| field_invalid(path, name, e)).collect();
    format!("{what} name \"{name}\" is invalid: {}", aggregate(&detail))
}

/// `expected one of "a", "b"`, or that the scenario declares no `what`.
fn one_of<S: AsRef<str>>(what: &str, declared: impl Iterator<Item = S>) -> String {
    let list = quoted(declared);
    if list.is_empty() {
        format!("and the scenario declares no {what}")
    } else {
        format!("expected one of {list}")
    }
}

/// `"a", "b"`.
fn quoted<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    items
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The UI's host pages: sessions opened by `OpenHostPage`, reloaded by `ReloadPage`, judged by
/// `HostViewFresh`.
impl Validator<'_> {
    /// Each `OpenHostPage` with its timeline index and session name.
    fn sessions(&self) -> impl Iterator<Item = (usize, &String)> {
        self.scn
            .timeline
            .iter()
            .enumerate()
            .filter_map(|(i, st)| match &st.action {
                Action::OpenHostPage { session, .. } => Some((i, session)),
                _ => None,
            })
    }

    fn host_page(&self, i: usize, node: &str, session: &str) -> Checked {
        let scn = self.scn;
        let at = |field| [Field("timeline"), Index(i), Field("action"), Field(field)];
        if !scn.nodes.iter().any(|n| n.name == node) {
            let declared = one_of("nodes", scn.nodes.iter().map(|n| &n.name));
            return self.fail(
                &at("node"),
                format!("OpenHostPage of unknown node \"{node}\", {declared}"),
            );
        }
        if session.is_empty() {
            return self.fail(
                &at("session"),
                "OpenHostPage with an empty session name, expected a name for the browser session"
                    .into(),
            );
        }
        // The session is an actor of the timeline: a process's name would make both ambiguous.
        if session == "user" || known_processes(scn).iter().any(|p| p == session) {
            return self.fail(
                &at("session"),
                format!(
                    "session \"{session}\" has the name of a process, expected a name no process or user has"
                ),
            );
        }
        if self.sessions().any(|(j, s)| j < i && s == session) {
            return self.fail(
                &at("session"),
                format!(
                    "duplicate session \"{session}\", expected each session opened once (ReloadPage reloads it)"
                ),
            );
        }
        Ok(())
    }

    fn reload_page(&self, i: usize, session: &str) -> Checked {
        let timeline = &self.scn.timeline;
        let Some((open, _)) = self.sessions().find(|(_, s)| *s == session) else {
            return self.fail(
                &[
                    Field("timeline"),
                    Index(i),
                    Field("action"),
                    Field("session"),
                ],
                format!(
                    "ReloadPage of unknown session \"{session}\", {}",
                    one_of("sessions", self.sessions().map(|(_, s)| s))
                ),
            );
        };
        let (earliest, field) = match (timeline[i].at, timeline[i].within) {
            (Some(a), _) => (a, "at"),
            (None, Some(w)) => (w.0, "within"),
            (None, None) => return Ok(()),
        };
        let opened = match (timeline[open].at, timeline[open].within) {
            (Some(a), _) => a,
            (None, Some(w)) => w.1,
            (None, None) => return Ok(()),
        };
        if earliest <= opened {
            return self.fail(
                &[Field("timeline"), Index(i), Field(field)],
                format!(
                    "ReloadPage of session \"{session}\" at {earliest}, not after its OpenHostPage at {opened}, expected a time after {opened}"
                ),
            );
        }
        Ok(())
    }

    fn host_view_fresh(&self, i: usize, within: crate::engine::SimDuration) -> Checked {
        if within.micros() == 0 {
            return self.fail(
                &[Field("invariants"), Index(i), Field("within")],
                "HostViewFresh within 0s, expected a bound above zero".into(),
            );
        }
        if self.sessions().next().is_none() {
            return self.fail(
                &[Field("invariants"), Index(i)],
                "HostViewFresh with no OpenHostPage in the timeline, expected at least one host page to check"
                    .into(),
            );
        }
        Ok(())
    }
}
