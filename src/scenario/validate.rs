//! Checks a parsed scenario for what serde cannot: names Kubernetes would reject, references
//! to things not declared, duplicates, and values the model cannot run. The first problem is
//! reported, at the position of the offending value, saying what was expected.

use super::echo::{self, quoted};
use super::limits::{self, *};
use super::locate::{Doc, Seg, Seg::*};
use super::schema::*;
use super::version::{parse_expect_key, Version};
use super::ScenarioError;
use crate::kube::object::JobType;
use crate::kube::object::NodeSelectorOperator;
use crate::kube::validation::{
    aggregate, field_invalid, is_dns1123_label, is_dns1123_subdomain, is_valid_label_value,
};
use crate::kube::Quantity;
use crate::models::harvester::data_init;
use crate::models::harvester::upgrade::{job_name, repo_vm_name};
use std::collections::{BTreeMap, BTreeSet};

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

/// The controllers (`Reconciler::name`) a process may run, in any version and with any
/// feature, for `CrashAfterWrite`'s `controller` (`sim/topology.rs` says which run where in
/// a given world; its test keeps this list in step).
pub fn controllers_of(process: &str) -> &'static [&'static str] {
    match process {
        "harvester" => &[
            "migrationAnnotationController",
            "resourceQuotaController",
            "upgrade-controller",
        ],
        "cattle-cluster-agent" => &["resourceQuotaSyncController"],
        "virt-controller" => &[
            "migration-controller",
            "virt-controller-vm",
            "virt-controller-vmi",
            "evacuation-controller",
        ],
        "kube-controller-manager" => &["resourcequota-controller"],
        "kubelet" => &["kubelet"],
        "kube-scheduler" => &["scheduler"],
        "rke2-server" => &["deploy"],
        "longhorn-manager" => &["longhorn-volume"],
        p if p.starts_with("virt-handler-") => &["virt-handler-vm"],
        _ => &[],
    }
}

/// Every process name `CrashAfterWrite` accepts in this scenario: those `RestartProcess`
/// accepts, and the controller processes an install adds (RKE2's deploy controller,
/// Longhorn), which a record run of `hunt --crash-points` sees writing. Not the upgrade's
/// `upgrade-jobs`: it stands for the jobs' shell scripts and the host's reboot unit
/// (`upgrade_node.sh` `reboot_if_job_succeed` installs a systemd service that reboots the
/// node once the job's container exits 0), not a controller whose reconcile can be cut
/// between two writes.
pub fn crashable_processes(scn: &Scenario) -> Vec<String> {
    let mut p = known_processes(scn);
    if scn.bootstrap.is_some() {
        p.extend(["rke2-server".into(), "longhorn-manager".into()]);
    }
    p
}

/// Every process name `RestartProcess` accepts in this scenario.
pub fn known_processes(scn: &Scenario) -> Vec<String> {
    let per_node = scn.nodes.iter().map(|n| format!("virt-handler-{}", n.name));
    CLUSTER_PROCESSES
        .iter()
        .map(|p| p.to_string())
        .chain(per_node)
        .collect()
}

pub fn validate(scn: &Scenario, file: &str, doc: &Doc) -> Result<(), ScenarioError> {
    let v = Validator {
        scn,
        file,
        doc,
        names: Names::default(),
    };
    v.sizes()?;
    let v = Validator {
        names: Names::of(scn),
        ..v
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

/// Every declared name, looked up once per reference: validation stays near-linear in the
/// input (100,000 VMs, 100,000 actions).
#[derive(Default)]
struct Names<'a> {
    nodes: BTreeSet<&'a str>,
    namespaces: BTreeSet<&'a str>,
    /// Each VM name with the indices of the VMs that have it.
    vms: BTreeMap<&'a str, Vec<usize>>,
    processes: BTreeSet<String>,
    /// Each session with the timeline index of its first `OpenHostPage`.
    sessions: BTreeMap<&'a str, usize>,
}

impl<'a> Names<'a> {
    fn of(scn: &'a Scenario) -> Names<'a> {
        let mut n = Names {
            nodes: scn.nodes.iter().map(|x| x.name.as_str()).collect(),
            namespaces: scn.namespaces.iter().map(|x| x.name.as_str()).collect(),
            processes: known_processes(scn).into_iter().collect(),
            ..Names::default()
        };
        for (i, vm) in scn.vms.iter().enumerate() {
            n.vms.entry(vm.name.as_str()).or_default().push(i);
        }
        for (i, st) in scn.timeline.iter().enumerate() {
            if let Some(session) = st.action.opens_session() {
                n.sessions.entry(session).or_insert(i);
            }
        }
        n
    }
}

struct Validator<'a> {
    scn: &'a Scenario,
    file: &'a str,
    doc: &'a Doc,
    names: Names<'a>,
}

type Checked = Result<(), ScenarioError>;

impl Validator<'_> {
    fn fail(&self, path: &[Seg], message: String) -> Checked {
        Err(self.error(path, message))
    }

    fn error(&self, path: &[Seg], message: String) -> ScenarioError {
        ScenarioError::new(self.file, Some(self.doc.near(path)), message)
    }

    /// The sizes of the scenario's lists and strings, within `limits`.
    fn sizes(&self) -> Checked {
        let scn = self.scn;
        let lists: [(&str, usize, usize); 8] = [
            ("nodes", scn.nodes.len(), MAX_NODES),
            ("namespaces", scn.namespaces.len(), MAX_NAMESPACES),
            ("vms", scn.vms.len(), MAX_VMS),
            ("timeline", scn.timeline.len(), MAX_TIMELINE_STEPS),
            ("invariants", scn.invariants.len(), MAX_LIST),
            ("sometimes", scn.sometimes.len(), MAX_LIST),
            ("expect", scn.expect.len(), MAX_LIST),
            (
                "upgrade.order",
                scn.upgrade.as_ref().map_or(0, |u| u.order.len()),
                MAX_LIST,
            ),
        ];
        for (field, len, max) in lists {
            if len > max {
                let path: Vec<Seg> = match field {
                    "upgrade.order" => vec![Field("upgrade"), Field("order"), Index(max)],
                    "expect" => vec![Field("expect")],
                    f => vec![Field(f), Index(max)],
                };
                return self.fail(
                    &path,
                    format!(
                        "{len} entries in {field}, over hvsim's limit of {max}, expected at most {max}"
                    ),
                );
            }
        }
        // The name becomes a file name (`NAME.repro.ron`): no path separators, no controls.
        let name_ok = !scn.name.is_empty()
            && !scn.name.starts_with('.')
            && scn
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !name_ok {
            return self.fail(
                &[Field("name")],
                format!(
                    "scenario name {} is not usable as a file name, expected letters, digits, '.', '_' or '-', not starting with '.'",
                    quoted(&scn.name)
                ),
            );
        }
        if scn.name.chars().count() > MAX_NAME_CHARS {
            return self.fail(
                &[Field("name")],
                format!(
                    "scenario name {} is longer than {MAX_NAME_CHARS} characters, expected a shorter name",
                    quoted(&scn.name)
                ),
            );
        }
        if scn.description.chars().count() > MAX_DESCRIPTION_CHARS {
            return self.fail(
                &[Field("description")],
                format!(
                    "the description is longer than {MAX_DESCRIPTION_CHARS} characters, expected a shorter one"
                ),
            );
        }
        Ok(())
    }

    /// A quantity within `(0, max]` whole units.
    fn quantity(&self, path: &[Seg], what: &str, q: Quantity, max: i64, memory: bool) -> Checked {
        if q.is_zero() {
            return self.fail(
                path,
                format!("{what} is zero, expected a quantity above zero"),
            );
        }
        if q > Quantity::from_units(max) {
            let max = limits::shown(max, memory);
            let shown = if memory {
                q.fmt_binary()
            } else {
                q.fmt_decimal()
            };
            return self.fail(
                path,
                format!("{what} is {shown}, over hvsim's limit of {max}, expected at most {max}"),
            );
        }
        Ok(())
    }

    fn nodes(&self) -> Checked {
        if self.scn.nodes.is_empty() {
            return self.fail(
                &[Field("nodes")],
                "no nodes, expected at least one node".into(),
            );
        }
        let mut seen = BTreeSet::new();
        let (mut cpu, mut memory) = (0i64, 0i64);
        for (i, node) in self.scn.nodes.iter().enumerate() {
            let at = [Field("nodes"), Index(i), Field("name")];
            let errs = is_dns1123_subdomain(&node.name);
            if !errs.is_empty() {
                return self.fail(
                    &at,
                    invalid_name("node", &node.name, "metadata.name", &errs),
                );
            }
            // virt-handler labels a VMI with its node's name (`kubevirt.io/nodeName`).
            let errs = is_valid_label_value(&node.name);
            if !errs.is_empty() {
                return self.fail(
                    &at,
                    invalid_name("node", &node.name, "metadata.labels", &errs),
                );
            }
            if !seen.insert(node.name.as_str()) {
                return self.fail(
                    &at,
                    format!(
                        "duplicate node name {}, expected each node once",
                        quoted(&node.name)
                    ),
                );
            }
            let field = |f| [Field("nodes"), Index(i), Field(f)];
            let name = quoted(&node.name);
            self.quantity(
                &field("cpu"),
                &format!("node {name} cpu"),
                node.cpu,
                MAX_NODE_CPU,
                false,
            )?;
            self.quantity(
                &field("memory"),
                &format!("node {name} memory"),
                node.memory,
                MAX_NODE_MEMORY,
                true,
            )?;
            cpu += node.cpu.value();
            memory += node.memory.value();
            if cpu > MAX_TOTAL_CPU || memory > MAX_TOTAL_MEMORY {
                return self.fail(&[Field("nodes"), Index(i)], total_over("nodes"));
            }
        }
        Ok(())
    }

    fn cpus(&self) -> Checked {
        let names = crate::models::cpu::catalogue_names();
        for (i, node) in self.scn.nodes.iter().enumerate() {
            if let Some(m) = &node.cpu_model {
                if m.chars().count() > MAX_NAME_CHARS {
                    return self.fail(
                        &[Field("nodes"), Index(i), Field("cpu_model")],
                        format!("CPU model {} is longer than {MAX_NAME_CHARS} characters, expected a model name", quoted(m)),
                    );
                }
                if node.cpu_features.is_none() && !names.contains(&m.as_str()) {
                    return self.fail(
                        &[Field("nodes"), Index(i), Field("cpu_model")],
                        format!(
                            "unknown CPU model {}, {} (or give cpu_features)",
                            quoted(m),
                            one_of("catalogue models", names.iter())
                        ),
                    );
                }
            }
            if let Some(features) = &node.cpu_features {
                if features.len() > MAX_CPU_FEATURES {
                    return self.fail(
                        &[Field("nodes"), Index(i), Field("cpu_features"), Index(MAX_CPU_FEATURES)],
                        format!("{} CPU features, over hvsim's limit of {MAX_CPU_FEATURES}, expected at most {MAX_CPU_FEATURES}", features.len()),
                    );
                }
                if let Some(j) = features
                    .iter()
                    .position(|f| f.chars().count() > MAX_NAME_CHARS)
                {
                    return self.fail(
                        &[Field("nodes"), Index(i), Field("cpu_features"), Index(j)],
                        format!("CPU feature {} is longer than {MAX_NAME_CHARS} characters, expected a feature name", quoted(&features[j])),
                    );
                }
            }
            if let Some(v) = &node.cpu_vendor {
                if !["Intel", "AMD"].contains(&v.as_str()) {
                    return self.fail(
                        &[Field("nodes"), Index(i), Field("cpu_vendor")],
                        format!(
                            "unknown CPU vendor {}, expected \"Intel\" or \"AMD\"",
                            quoted(v)
                        ),
                    );
                }
            }
        }
        let node_models: BTreeSet<&str> = self
            .scn
            .nodes
            .iter()
            .filter_map(|n| n.cpu_model.as_deref())
            .collect();
        for (i, vm) in self.scn.vms.iter().enumerate() {
            let Some(m) = &vm.cpu_model else { continue };
            if m == "host-model"
                || m == "host-passthrough"
                || names.contains(&m.as_str())
                || node_models.contains(m.as_str())
            {
                continue;
            }
            return self.fail(
                &[Field("vms"), Index(i), Field("cpu_model")],
                format!(
                    "unknown CPU model {}, expected \"host-model\", \"host-passthrough\" or a named model: {}",
                    quoted(m),
                    names.join(", ")
                ),
            );
        }
        Ok(())
    }

    fn upgrade(&self) -> Checked {
        let Some(u) = &self.scn.upgrade else {
            return Ok(());
        };
        if let Some(m) = self.scn.harvester.upgrade_unmodelled() {
            return self.fail(&[Field("harvester")], m);
        }
        for key in self.scn.expect.keys() {
            if let Some(m) = parse_expect_key(key)
                .ok()
                .and_then(|(v, _)| v.upgrade_unmodelled())
            {
                return self.fail(&[Field("expect"), Key(key)], m);
            }
        }
        let at = [Field("upgrade"), Field("name")];
        // The Upgrade object's name, also the value of its label `harvesterhci.io/upgrade`
        // on the jobs and the repo VM.
        let errs = is_dns1123_subdomain(&u.name);
        if !errs.is_empty() {
            return self.fail(
                &at,
                invalid_name("upgrade", &u.name, "metadata.name", &errs),
            );
        }
        let errs = is_valid_label_value(&u.name);
        if !errs.is_empty() {
            return self.fail(
                &at,
                invalid_name("upgrade", &u.name, "metadata.labels", &errs),
            );
        }
        let repo = repo_vm_name(&u.name);
        let errs = [is_dns1123_subdomain(&repo), is_valid_label_value(&repo)].concat();
        if !errs.is_empty() {
            return self.fail(
                &at,
                format!(
                    "upgrade name {} gives the repo VM the name {}, which is invalid: {}",
                    quoted(&u.name),
                    quoted(&repo),
                    aggregate(&errs)
                ),
            );
        }
        for n in &self.scn.nodes {
            let job = job_name(&u.name, JobType::PostDrain, &n.name);
            let errs = is_dns1123_subdomain(&job);
            if !errs.is_empty() {
                return self.fail(
                    &at,
                    format!(
                        "upgrade name {} gives node {} the job name {}, which is invalid: {}",
                        quoted(&u.name),
                        quoted(&n.name),
                        quoted(&job),
                        aggregate(&errs)
                    ),
                );
            }
        }
        let nodes = &self.names.nodes;
        if !nodes.contains(u.repo_node.as_str()) {
            return self.fail(
                &[Field("upgrade"), Field("repo_node")],
                format!(
                    "repo_node {} is not a node of the scenario, {}",
                    quoted(&u.repo_node),
                    one_of("nodes", self.scn.nodes.iter().map(|n| &n.name))
                ),
            );
        }
        let mut seen = BTreeSet::new();
        for (j, n) in u.order.iter().enumerate() {
            let at = [Field("upgrade"), Field("order"), Index(j)];
            if !nodes.contains(n.as_str()) {
                return self.fail(
                    &at,
                    format!(
                        "order names {}, which is not a node, {}",
                        quoted(n),
                        one_of("nodes", self.scn.nodes.iter().map(|n| &n.name))
                    ),
                );
            }
            if !seen.insert(n.as_str()) {
                return self.fail(
                    &at,
                    format!("order names {} twice, expected each node once", quoted(n)),
                );
            }
        }
        if !u.order.is_empty() && u.order.len() != self.scn.nodes.len() {
            return self.fail(
                &[Field("upgrade"), Field("order")],
                format!(
                    "order lists {} of the {} nodes, expected every node once",
                    u.order.len(),
                    self.scn.nodes.len()
                ),
            );
        }
        Ok(())
    }

    fn namespaces(&self) -> Checked {
        let mut seen = BTreeSet::new();
        for (i, ns) in self.scn.namespaces.iter().enumerate() {
            let at = [Field("namespaces"), Index(i), Field("name")];
            let errs = is_dns1123_label(&ns.name);
            if !errs.is_empty() {
                return self.fail(
                    &at,
                    invalid_name("namespace", &ns.name, "metadata.name", &errs),
                );
            }
            if !seen.insert(ns.name.as_str()) {
                return self.fail(
                    &at,
                    format!(
                        "duplicate namespace name {}, expected each namespace once",
                        quoted(&ns.name)
                    ),
                );
            }
            for (field, quota) in [
                ("quota", &ns.quota),
                ("project_default", &ns.project_default),
            ] {
                let Some(q) = quota else { continue };
                if q.cpu.is_none() && q.memory.is_none() {
                    return self.fail(
                        &[Field("namespaces"), Index(i), Field(field)],
                        format!(
                            "namespace {} {field} sets neither cpu nor memory, expected at least one",
                            quoted(&ns.name)
                        ),
                    );
                }
                let what = format!("namespace {} {field}", quoted(&ns.name));
                self.quota(
                    &[Field("namespaces"), Index(i), Field(field)],
                    &what,
                    q.cpu,
                    q.memory,
                )?;
            }
        }
        Ok(())
    }

    /// A quota's cpu and memory within the quota limits (zero is a valid quota).
    fn quota(
        &self,
        at: &[Seg],
        what: &str,
        cpu: Option<Quantity>,
        memory: Option<Quantity>,
    ) -> Checked {
        for (field, q, max, mem) in [
            ("cpu", cpu, MAX_QUOTA_CPU, false),
            ("memory", memory, MAX_QUOTA_MEMORY, true),
        ] {
            let Some(q) = q else { continue };
            if q > Quantity::from_units(max) {
                let mut path = at.to_vec();
                path.push(Field(field));
                let max = limits::shown(max, mem);
                return self.fail(
                    &path,
                    format!(
                        "{what} {field} is over hvsim's limit of {max}, expected at most {max}"
                    ),
                );
            }
        }
        Ok(())
    }

    fn vms(&self) -> Checked {
        let scn = self.scn;
        let mut seen = BTreeSet::new();
        let (mut cpu, mut memory) = (0i64, 0i64);
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
            if !seen.insert((vm.namespace.as_str(), vm.name.as_str())) {
                return self.fail(
                    &at("name"),
                    format!(
                        "duplicate VM name {} in namespace {}, expected each VM once per namespace",
                        quoted(&vm.name),
                        quoted(&vm.namespace)
                    ),
                );
            }
            // Harvester's data init creates `harvester-public` (on every modelled version).
            if !self.names.namespaces.contains(vm.namespace.as_str())
                && vm.namespace != data_init::PUBLIC_NAMESPACE
            {
                let declared = one_of("namespaces", scn.namespaces.iter().map(|n| &n.name));
                return self.fail(
                    &at("namespace"),
                    format!(
                        "VM {} is in unknown namespace {}, {declared}",
                        quoted(&vm.name),
                        quoted(&vm.namespace)
                    ),
                );
            }
            if !self.names.nodes.contains(vm.node.as_str()) {
                let declared = one_of("nodes", scn.nodes.iter().map(|n| &n.name));
                return self.fail(
                    &at("node"),
                    format!(
                        "VM {} is on unknown node {}, {declared}",
                        quoted(&vm.name),
                        quoted(&vm.node)
                    ),
                );
            }
            for (t, term) in vm.node_affinity.iter().flatten().enumerate() {
                for (e, r) in term.iter().enumerate() {
                    let path = [
                        Field("vms"),
                        Index(i),
                        Field("node_affinity"),
                        Index(t),
                        Index(e),
                    ];
                    let with_values = matches!(
                        r.operator,
                        NodeSelectorOperator::In | NodeSelectorOperator::NotIn
                    );
                    if with_values == r.values.is_empty() {
                        return self.fail(
                            &path,
                            format!(
                                "node affinity of VM \"{}\": operator {:?} on \"{}\" {}",
                                vm.name,
                                r.operator,
                                r.key,
                                if with_values {
                                    "has no values, expected at least one"
                                } else {
                                    "has values, expected none"
                                }
                            ),
                        );
                    }
                }
            }
            if vm.node_affinity.as_ref().is_some_and(|t| t.is_empty()) {
                return self.fail(
                    &at("node_affinity"),
                    format!(
                        "node affinity of VM \"{}\" has no node selector terms, expected at least one",
                        vm.name
                    ),
                );
            }
            for (field, q, max, mem) in [
                ("cpu", vm.cpu, MAX_VM_CPU, false),
                ("memory", vm.memory, MAX_VM_MEMORY, true),
            ] {
                if q.is_zero() {
                    return self.fail(
                        &at(field),
                        format!(
                            "VM {} has zero {field}, expected a quantity above zero",
                            quoted(&vm.name)
                        ),
                    );
                }
                let what = format!("VM {} {field}", quoted(&vm.name));
                self.quantity(&at(field), &what, q, max, mem)?;
            }
            cpu += vm.cpu.value();
            memory += vm.memory.value();
            if cpu > MAX_TOTAL_CPU || memory > MAX_TOTAL_MEMORY {
                return self.fail(&[Field("vms"), Index(i)], total_over("VMs"));
            }
        }
        Ok(())
    }

    fn timeline(&self) -> Checked {
        // Harvester does not support downgrades: no version this file runs may be later
        // than an `UpgradeHarvester`'s `to`.
        let latest_run = std::iter::once(self.scn.harvester)
            .chain(
                self.scn
                    .expect
                    .keys()
                    .filter_map(|v| Version::parse(v).ok()),
            )
            .max();
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
            self.action(i, &step.action, latest_run)?;
        }
        Ok(())
    }

    /// The VM a timeline action names: declared, and declared once.
    fn declared_vm(&self, i: usize, what: &str, vm: &str) -> Result<&VmSpec, ScenarioError> {
        let scn = self.scn;
        let at = [Field("timeline"), Index(i), Field("action"), Field("vm")];
        let found = self.names.vms.get(vm).map_or(&[][..], |v| v.as_slice());
        match found {
            [] => {
                let declared = one_of("VMs", scn.vms.iter().map(|v| &v.name));
                Err(self.error(
                    &at,
                    format!("{what} of unknown VM {}, {declared}", quoted(vm)),
                ))
            }
            [one] => Ok(&scn.vms[*one]),
            several => {
                let in_ns = list(several.iter().map(|&j| &scn.vms[j].namespace));
                Err(self.error(
                    &at,
                    format!(
                        "{what} of VM {}, which is in more than one namespace ({in_ns}), expected a VM name declared once",
                        quoted(vm)
                    ),
                ))
            }
        }
    }

    fn action(&self, i: usize, action: &Action, latest_run: Option<Version>) -> Checked {
        let scn = self.scn;
        let at = |field| [Field("timeline"), Index(i), Field("action"), Field(field)];
        match action {
            Action::StopVm { vm }
            | Action::StartVm { vm }
            | Action::RestartVm { vm }
            | Action::CancelMigration { vm } => {
                let what = match action {
                    Action::StopVm { .. } => "StopVm",
                    Action::StartVm { .. } => "StartVm",
                    Action::RestartVm { .. } => "RestartVm",
                    _ => "CancelMigration",
                };
                self.declared_vm(i, what, vm)?;
            }
            Action::CordonNode { node }
            | Action::UncordonNode { node }
            | Action::DrainNode { node } => {
                let what = match action {
                    Action::CordonNode { .. } => "CordonNode",
                    Action::UncordonNode { .. } => "UncordonNode",
                    _ => "DrainNode",
                };
                if !self.names.nodes.contains(node.as_str()) {
                    let declared = one_of("nodes", scn.nodes.iter().map(|n| &n.name));
                    return self.fail(
                        &at("node"),
                        format!("{what} of unknown node {}, {declared}", quoted(node)),
                    );
                }
            }
            Action::Migrate { vm, target } => {
                let source = self.declared_vm(i, "Migrate", vm)?;
                if let Some(target) = target {
                    if !self.names.nodes.contains(target.as_str()) {
                        let declared = one_of("nodes", scn.nodes.iter().map(|n| &n.name));
                        return self.fail(
                            &at("target"),
                            format!("Migrate to unknown node {}, {declared}", quoted(target)),
                        );
                    }
                    if target == &source.node {
                        return self.fail(
                            &at("target"),
                            format!(
                                "Migrate of VM {} to node {}, where it already runs, expected another node",
                                quoted(vm),
                                quoted(target)
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
                if !self.names.namespaces.contains(namespace.as_str()) {
                    let declared = one_of("namespaces", scn.namespaces.iter().map(|n| &n.name));
                    return self.fail(
                        &at("namespace"),
                        format!(
                            "SetQuota of unknown namespace {}, {declared}",
                            quoted(namespace)
                        ),
                    );
                }
                if cpu.is_none() && memory.is_none() {
                    return self.fail(
                        &[Field("timeline"), Index(i), Field("action")],
                        format!("SetQuota of namespace {} sets neither cpu nor memory, expected at least one", quoted(namespace)),
                    );
                }
                let what = format!("SetQuota of namespace {}", quoted(namespace));
                self.quota(
                    &[Field("timeline"), Index(i), Field("action")],
                    &what,
                    *cpu,
                    *memory,
                )?;
            }
            Action::RestartProcess { process } | Action::LagWatches { process, .. } => {
                let what = match action {
                    Action::LagWatches { .. } => "LagWatches",
                    _ => "RestartProcess",
                };
                if !self.names.processes.contains(process.as_str()) {
                    return self.fail(
                        &at("process"),
                        format!(
                            "{what} of unknown process {}, {}",
                            quoted(process),
                            one_of("processes", known_processes(scn).iter())
                        ),
                    );
                }
                if let Action::LagWatches { during, .. } = action {
                    if *during == crate::engine::SimDuration::ZERO {
                        return self.fail(
                            &at("during"),
                            "LagWatches during 0s, expected a duration above zero".into(),
                        );
                    }
                }
            }
            Action::CrashAfterWrite {
                process,
                controller,
                write,
                reconcile,
            } => {
                if !self.names.processes.contains(process.as_str())
                    && !crashable_processes(scn).contains(process)
                {
                    return self.fail(
                        &at("process"),
                        format!(
                            "CrashAfterWrite of unknown process {}, {}",
                            quoted(process),
                            one_of("processes", crashable_processes(scn).iter())
                        ),
                    );
                }
                if let Some(c) = controller {
                    let known = controllers_of(process);
                    if !known.contains(&c.as_str()) {
                        return self.fail(
                            &at("controller"),
                            format!(
                                "CrashAfterWrite of unknown controller {} of process {}, {}",
                                quoted(c),
                                quoted(process),
                                one_of("controllers", known.iter())
                            ),
                        );
                    }
                }
                if *write == 0 {
                    return self.fail(
                        &at("write"),
                        "CrashAfterWrite after write 0, expected a write from 1 (the first accepted API write of a reconcile)".into(),
                    );
                }
                if *reconcile == Some(0) {
                    return self.fail(
                        &at("reconcile"),
                        "CrashAfterWrite on reconcile 0, expected a reconcile from 1 (the first that makes the write)".into(),
                    );
                }
            }
            Action::OpenHostPage { node, session, .. } => self.host_page(i, node, session)?,
            Action::ReloadPage { session } => self.reload_page(i, session)?,
            Action::RestartAgent => {}
            Action::UpgradeHarvester { to } => {
                // `to` is a known version (the loader parses it).
                if let Some(from) = latest_run.filter(|v| v > to) {
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
        let mut seen = BTreeSet::new();
        for (i, inv) in self.scn.invariants.iter().enumerate() {
            let at = [Field("invariants"), Index(i)];
            if !seen.insert(inv.name()) {
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
        let mut seen = BTreeSet::new();
        for (i, s) in self.scn.sometimes.iter().enumerate() {
            if !seen.insert(s.name()) {
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
        // Every host page is a session: a process with a u16 actor id (`kube::ActorId`),
        // beside every node's virt-handler and the cluster's twenty or so others.
        let pages = (self.scn.timeline.iter())
            .filter(|t| t.action.opens_session().is_some())
            .count();
        if pages > MAX_NODES {
            return self.fail(
                &[Field("timeline")],
                format!("{pages} host pages, expected at most {MAX_NODES}"),
            );
        }
        if self.scn.budget > MAX_BUDGET {
            return self.fail(
                &[Field("budget")],
                format!(
                    "budget of {} events, expected at most {MAX_BUDGET} (the engine's ceiling on a run's length)",
                    self.scn.budget
                ),
            );
        }
        Ok(())
    }

    fn expectations(&self) -> Checked {
        let declared: Vec<&str> = self.scn.invariants.iter().map(|i| i.name()).collect();
        for (version, expectation) in &self.scn.expect {
            match parse_expect_key(version) {
                Err(message) => {
                    return self.fail(
                        &[Field("expect"), Key(version)],
                        echo::within(&message, version),
                    )
                }
                Ok((_, Some(_))) if self.scn.upgrade.is_none() => {
                    return self.fail(
                        &[Field("expect"), Key(version)],
                        format!("{} names a repo VM policy but the scenario has no upgrade section, expected a plain version", quoted(version)),
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
                            "Violates names undeclared invariant {}, {}",
                            quoted(name),
                            one_of("invariants", declared.iter())
                        ),
                    );
                }
            }
        }
        Ok(())
    }
}

fn total_over(what: &str) -> String {
    format!(
        "the scenario's {what} together have more than {MAX_TOTAL_CPU} CPUs or {} of memory, over hvsim's limit, expected less",
        limits::shown(MAX_TOTAL_MEMORY, true)
    )
}

/// How the API server refuses an object's name: `VM name "X" is invalid: metadata.name:
/// Invalid value: "X": a lowercase RFC 1123 subdomain must ...`.
fn invalid_name(what: &str, name: &str, path: &str, errs: &[String]) -> String {
    let short = echo::shortened(name);
    let detail: Vec<String> = errs
        .iter()
        .map(|e| field_invalid(path, &short, e))
        .collect();
    format!(
        "{what} name {} is invalid: {}",
        quoted(name),
        aggregate(&detail)
    )
}

/// `expected one of "a", "b"`, or that the scenario declares no `what`.
fn one_of<S: AsRef<str>>(what: &str, declared: impl Iterator<Item = S>) -> String {
    let shown = list(declared);
    if shown.is_empty() {
        format!("and the scenario declares no {what}")
    } else {
        format!("expected one of {shown}")
    }
}

/// How many names a list in a message shows.
const LIST_SHOWN: usize = 20;

/// `"a", "b"`; past `LIST_SHOWN` names, `... and 9980 more`.
fn list<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    let mut shown = Vec::new();
    let mut more = 0usize;
    for s in items {
        if shown.len() < LIST_SHOWN {
            shown.push(quoted(s.as_ref()));
        } else {
            more += 1;
        }
    }
    let mut text = shown.join(", ");
    if more > 0 {
        text += &format!(" and {more} more");
    }
    text
}

/// The UI's host pages: sessions opened by `OpenHostPage`, reloaded by `ReloadPage`, judged by
/// `HostViewFresh`.
impl Validator<'_> {
    fn host_page(&self, i: usize, node: &str, session: &str) -> Checked {
        let scn = self.scn;
        let at = |field| [Field("timeline"), Index(i), Field("action"), Field(field)];
        if !self.names.nodes.contains(node) {
            let declared = one_of("nodes", scn.nodes.iter().map(|n| &n.name));
            return self.fail(
                &at("node"),
                format!("OpenHostPage of unknown node {}, {declared}", quoted(node)),
            );
        }
        if session.chars().count() > MAX_NAME_CHARS {
            return self.fail(
                &at("session"),
                format!(
                    "session name {} is longer than {MAX_NAME_CHARS} characters, expected a shorter name",
                    quoted(session)
                ),
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
        if session == "user" || self.names.processes.contains(session) {
            return self.fail(
                &at("session"),
                format!(
                    "session {} has the name of a process, expected a name no process or user has",
                    quoted(session)
                ),
            );
        }
        if self.names.sessions.get(session).is_some_and(|&j| j < i) {
            return self.fail(
                &at("session"),
                format!(
                    "duplicate session {}, expected each session opened once (ReloadPage reloads it)",
                    quoted(session)
                ),
            );
        }
        Ok(())
    }

    fn reload_page(&self, i: usize, session: &str) -> Checked {
        let timeline = &self.scn.timeline;
        let Some(&open) = self.names.sessions.get(session) else {
            return self.fail(
                &[
                    Field("timeline"),
                    Index(i),
                    Field("action"),
                    Field("session"),
                ],
                format!(
                    "ReloadPage of unknown session {}, {}",
                    quoted(session),
                    one_of(
                        "sessions",
                        self.scn
                            .timeline
                            .iter()
                            .filter_map(|st| st.action.opens_session())
                    )
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
                    "ReloadPage of session {} at {earliest}, not after its OpenHostPage at {opened}, expected a time after {opened}",
                    quoted(session)
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
        if self.names.sessions.is_empty() {
            return self.fail(
                &[Field("invariants"), Index(i)],
                "HostViewFresh with no OpenHostPage in the timeline, expected at least one host page to check"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_in_a_message_is_cut_with_a_count() {
        let names: Vec<String> = (0..10_000).map(|i| format!("n{i}")).collect();
        let text = one_of("nodes", names.iter());
        assert!(text.ends_with(r#""n19" and 9980 more"#), "{text}");
    }

    #[test]
    fn a_huge_name_is_echoed_cut_in_the_api_servers_text_too() {
        let name = "A".repeat(1_000_000);
        let m = invalid_name("VM", &name, "metadata.name", &is_dns1123_subdomain(&name));
        assert!(m.len() < 1500, "{} bytes", m.len());
        assert!(m.contains("…(999920 more bytes)"));
        assert!(m.contains("must be no more than 253 characters"));
    }
}
