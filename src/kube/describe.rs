//! One timeline line per API request: what changed, or the error the server returned.

use crate::kube::labels::StrMap;
use crate::kube::object::MigrationState;
use crate::kube::{ApiRecord, Body, Obj, ResourceList};

fn list_diff(out: &mut Vec<String>, what: &str, a: &ResourceList, b: &ResourceList) {
    if a == b {
        return;
    }
    let mut parts = Vec::new();
    for r in crate::kube::Resource::ALL {
        let (x, y) = (a.get(r), b.get(r));
        if x != y {
            let f = |q: Option<crate::kube::Quantity>| {
                q.map(|q| r.fmt_quantity(q)).unwrap_or_else(|| "-".into())
            };
            parts.push(format!("{} {}→{}", r.name(), f(x), f(y)));
        }
    }
    out.push(format!("{what} {}", parts.join(", ")));
}

fn map_diff(out: &mut Vec<String>, what: &str, a: &StrMap, b: &StrMap) {
    for (k, v) in b {
        if a.get(k) != Some(v) {
            out.push(format!("+{what} {k}={v}"));
        }
    }
    for k in a.keys() {
        if !b.contains_key(k) {
            out.push(format!("-{what} {k}"));
        }
    }
}

fn ms_text(m: &Option<Box<MigrationState>>) -> String {
    match m {
        None => "none".into(),
        Some(m) => {
            let stage = if m.completed {
                "completed"
            } else if m.failed {
                "failed"
            } else if m.start_timestamp.is_some() {
                "started"
            } else if m.target_node_address.is_some() {
                "target ready"
            } else {
                "handed off"
            };
            format!("{} → {} {stage}", m.source_node, m.target_node)
        }
    }
}

fn body_diff(out: &mut Vec<String>, a: &Obj, b: &Obj) {
    match (&a.body, &b.body) {
        (Body::ResourceQuota(x), Body::ResourceQuota(y)) => {
            list_diff(out, "spec.hard", &x.spec_hard, &y.spec_hard);
            list_diff(out, "status.hard", &x.status_hard, &y.status_hard);
            list_diff(out, "status.used", &x.status_used, &y.status_used);
        }
        (Body::Pod(x), Body::Pod(y)) => {
            if x.node != y.node {
                out.push(format!("bound to {}", y.node.as_deref().unwrap_or("-")));
            }
            if x.phase != y.phase || x.ready != y.ready {
                out.push(format!(
                    "phase {:?}→{:?}{}",
                    x.phase,
                    y.phase,
                    if y.ready { " ready" } else { "" }
                ));
            }
            if !x.unschedulable && y.unschedulable {
                out.push("condition PodScheduled=False (Unschedulable)".into());
            }
        }
        (Body::Node(x), Body::Node(y)) => {
            if x.drain_taint != y.drain_taint {
                out.push(format!(
                    "{}taint kubevirt.io/drain=draining:NoSchedule",
                    if y.drain_taint { "+" } else { "-" }
                ));
            }
            if x.unschedulable != y.unschedulable {
                out.push(format!("spec.unschedulable {}", y.unschedulable));
            }
            if x.ready != y.ready {
                out.push(format!("Ready {}", y.ready));
            }
        }
        (Body::Upgrade(x), Body::Upgrade(y)) => {
            for ((n, s), (_, t)) in x.nodes.iter().zip(y.nodes.iter()) {
                if s != t {
                    out.push(format!("node {n} {}→{}", s.name(), t.name()));
                }
            }
            if x.state != y.state {
                out.push(format!("state {}→{}", x.state, y.state));
            }
            if x.restore != y.restore {
                let names: Vec<String> = y
                    .restore
                    .iter()
                    .map(|(ns, n)| format!("{ns}/{n}"))
                    .collect();
                out.push(format!("restore [{}]", names.join(", ")));
            }
        }
        (Body::Job(x), Body::Job(y)) if x.complete != y.complete => {
            out.push("status.succeeded 1".into());
        }
        (Body::VirtualMachineInstanceMigration(x), Body::VirtualMachineInstanceMigration(y)) => {
            if x.phase != y.phase {
                out.push(format!("phase {}→{}", x.phase.name(), y.phase.name()));
            }
            if x.rejected_by_quota != y.rejected_by_quota {
                out.push(format!(
                    "{}condition migrationRejectedByResourceQuota",
                    if y.rejected_by_quota { "+" } else { "-" }
                ));
            }
            if x.failure_reason != y.failure_reason {
                if let Some(r) = &y.failure_reason {
                    out.push(format!("failureReason {r:?}"));
                }
            }
        }
        (Body::VirtualMachine(x), Body::VirtualMachine(y)) => vm_diff(out, x, y),
        (Body::PersistentVolumeClaim(x), Body::PersistentVolumeClaim(y)) if x.phase != y.phase => {
            out.push(format!("phase {:?}→{:?}", x.phase, y.phase));
        }
        (Body::Setting(x), Body::Setting(y)) => {
            if x.default != y.default {
                out.push(format!("default {:?}→{:?}", x.default, y.default));
            }
            if x.value != y.value {
                out.push(format!("value {:?}→{:?}", x.value, y.value));
            }
        }
        (Body::Addon(x), Body::Addon(y)) if x.applied != y.applied => {
            out.push("spec.checksum recorded (applied)".into());
        }
        (Body::VirtualMachineInstance(x), Body::VirtualMachineInstance(y)) => {
            if x.node != y.node {
                out.push(format!("status.nodeName {}→{}", x.node, y.node));
            }
            if x.migration_state != y.migration_state {
                out.push(format!("migrationState {}", ms_text(&y.migration_state)));
            }
            if x.phase != y.phase {
                out.push(format!("phase {:?}→{:?}", x.phase, y.phase));
            }
        }
        _ => {}
    }
}

fn vm_diff(
    out: &mut Vec<String>,
    x: &crate::kube::object::VmBody,
    y: &crate::kube::object::VmBody,
) {
    if x.run_strategy != y.run_strategy {
        out.push(format!(
            "spec.runStrategy {}→{}",
            x.run_strategy.name(),
            y.run_strategy.name()
        ));
    }
    if x.state_change_requests != y.state_change_requests {
        let reqs: Vec<&str> = y
            .state_change_requests
            .iter()
            .map(|r| if r.start { "Start" } else { "Stop" })
            .collect();
        out.push(format!("stateChangeRequests [{}]", reqs.join(", ")));
    }
    if x.status_run_strategy != y.status_run_strategy {
        let rs = y.status_run_strategy.map_or("\"\"", |r| r.name());
        out.push(format!("status.runStrategy {rs}"));
    }
    if x.created != y.created {
        out.push(format!("created {}", y.created));
    }
    if x.ready != y.ready {
        out.push(format!("ready {}", y.ready));
    }
    if x.printable_status != y.printable_status {
        let show = |s: &str| {
            if s.is_empty() {
                "\"\"".to_string()
            } else {
                s.to_string()
            }
        };
        out.push(format!(
            "printableStatus {}→{}",
            show(&x.printable_status),
            show(&y.printable_status)
        ));
    }
}

fn summary(o: &Obj) -> String {
    match &o.body {
        Body::VirtualMachine(b) => format!(
            "runStrategy {}, cpu {}, memory {}",
            b.run_strategy.name(),
            b.cpu.fmt_decimal(),
            b.memory.fmt_binary()
        ),
        Body::Setting(b) => format!("default {:?}, value {:?}", b.default, b.value),
        Body::PersistentVolumeClaim(b) => match &b.image {
            Some(i) => format!("storageClass {}, image {i}", b.storage_class),
            None => format!("storageClass {}", b.storage_class),
        },
        Body::Opaque(b) => format!("{} {} (not modelled)", b.api_version, b.kind),
        Body::ResourceQuota(b) => format!("spec.hard {}", b.spec_hard.pretty()),
        // A pod without limits is not a virt-launcher pod (the harvester pod).
        Body::Pod(b) if b.limits.is_empty() => match &b.node {
            Some(n) => format!("on {n}, phase {:?}", b.phase),
            None => String::new(),
        },
        Body::Pod(b) => format!("limits {}", b.limits.pretty()),
        Body::VirtualMachineInstanceMigration(b) => format!("vmi {}", b.vmi_name),
        Body::Job(b) => format!("{} on {}", b.job_type.name(), b.node),
        _ => String::new(),
    }
}

/// `POST pods ns1/virt-launcher-vm1-x: limits ... → 201`, `PUT resourcequotas ...: spec.hard ... → 200`,
/// or the error with its code.
pub fn describe_record(r: &ApiRecord) -> String {
    let key = if r.namespace.is_empty() {
        r.name.to_string()
    } else {
        format!("{}/{}", r.namespace, r.name)
    };
    // An opaque object's resource is in its body.
    let resource = match r.after.as_ref().or(r.before.as_ref()).map(|o| &o.body) {
        Some(Body::Opaque(o)) => o.resource(),
        _ => r.kind.plural().to_string(),
    };
    let head = format!("{} {} {}", r.verb.http(), resource, key);
    match &r.result {
        Err(e) => format!("{head} → {} {e}", e.code()),
        Ok(()) => {
            let mut parts = Vec::new();
            match (&r.before, &r.after) {
                (Some(a), Some(b)) if a.meta.resource_version == b.meta.resource_version => {
                    return format!("{head} → 200 unchanged");
                }
                (Some(a), Some(b)) => {
                    map_diff(
                        &mut parts,
                        "annotation",
                        &a.meta.annotations,
                        &b.meta.annotations,
                    );
                    map_diff(&mut parts, "label", &a.meta.labels, &b.meta.labels);
                    body_diff(&mut parts, a, b);
                }
                (None, Some(b)) => parts.push(summary(b)),
                _ => {}
            }
            let code = match r.verb {
                crate::kube::Verb::Create => 201,
                _ => 200,
            };
            let rv = r
                .after
                .as_ref()
                .map(|o| format!(" rv={}", o.meta.resource_version))
                .unwrap_or_default();
            parts.retain(|p| !p.is_empty());
            if parts.is_empty() {
                format!("{head} → {code}{rv}")
            } else {
                format!("{head}: {} → {code}{rv}", parts.join("; "))
            }
        }
    }
}

/// A request as a structured trace record: the text above, the object, the HTTP code, and
/// (for a write that changed something) the new resourceVersion as its flow id, which the
/// watch deliveries of that change link back to.
pub fn trace_record(
    r: &ApiRecord,
    step: u64,
    time: crate::engine::SimTime,
    actor: &str,
) -> crate::engine::TraceRec {
    use crate::kube::Verb;
    let mut t = crate::engine::TraceRec::new(
        step,
        time,
        actor,
        crate::engine::TraceCat::Write,
        describe_record(r),
    );
    let body = r.after.as_ref().or(r.before.as_ref());
    t.object = Some(match body {
        Some(o) => trace_obj(o),
        None => named(r.kind, None, &r.namespace, &r.name),
    });
    t.verb = match r.verb {
        Verb::Create => "create",
        Verb::Update | Verb::UpdateStatus => "update",
        Verb::Delete => "delete",
    };
    if r.verb == Verb::UpdateStatus {
        t.subresource = "status";
    }
    t.code = match &r.result {
        Err(e) => e.code(),
        Ok(()) if r.verb == Verb::Create => 201,
        Ok(()) => 200,
    };
    if let (Ok(()), Some(after)) = (&r.result, &r.after) {
        t.resource_version = after.meta.resource_version;
        if r.before
            .as_ref()
            .is_none_or(|b| b.meta.resource_version != after.meta.resource_version)
        {
            t.flow_id = Some(after.meta.resource_version);
        }
    }
    t
}

/// How trace records name `o`: its full kind, resource, namespace and name.
pub fn trace_obj(o: &Obj) -> crate::engine::TraceObj {
    let opaque = match &o.body {
        Body::Opaque(b) => Some(b),
        _ => None,
    };
    named(o.kind(), opaque, &o.meta.namespace, &o.meta.name)
}

fn named(
    kind: crate::kube::Kind,
    opaque: Option<&crate::kube::object::OpaqueBody>,
    namespace: &str,
    name: &str,
) -> crate::engine::TraceObj {
    let (kind, resource) = match opaque {
        Some(b) => (b.kind.clone(), b.resource()),
        None => (kind.name().to_string(), kind.plural().to_string()),
    };
    crate::engine::TraceObj {
        kind,
        resource,
        namespace: namespace.to_string(),
        name: name.to_string(),
    }
}
