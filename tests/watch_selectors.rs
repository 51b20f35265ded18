//! Selecting watches: a node's virt-handler lists and watches only the VMIs labelled with
//! its node or migrating to it (KubeVirt `pkg/virt-handler` informers), and the API server
//! turns a change that moves a VMI out of that selection into DELETED with the state it
//! had (k8s.io/apiserver `cacheWatcher.convertToWatchEvent`).

mod common;

use common::{load, v, QUOTA_RACE};
use hvsim::check::run;
use hvsim::engine::{SeededChoices, Trace, TraceCat};

/// The watch deliveries to each virt-handler in seed 0 of the quota race on v1.4.2 (vm1
/// migrates from node-1): (handler, verb, object, resourceVersion), in order.
fn deliveries() -> Vec<(String, String, String, u64)> {
    let out = run(
        &load(QUOTA_RACE),
        v("v1.4.2"),
        Box::new(SeededChoices::new(0)),
        Trace::full(),
    );
    out.trace
        .iter()
        .filter(|r| r.cat == TraceCat::Deliver && r.actor.starts_with("virt-handler-"))
        .map(|r| {
            let mut w = r.text.split(' ');
            let (_, verb, _, obj) = (w.next(), w.next(), w.next(), w.next());
            (
                r.actor.to_string(),
                verb.unwrap().to_string(),
                obj.unwrap().to_string(),
                r.resource_version,
            )
        })
        .collect()
}

#[test]
fn a_virt_handler_receives_only_the_vmis_on_or_migrating_to_its_node() {
    let d = deliveries();
    let mut seen: Vec<(&str, &str)> = d.iter().map(|(h, _, o, _)| (&h[..], &o[..])).collect();
    seen.sort();
    seen.dedup();
    // vm1's writes reach its source's and its target's handlers, not node-3's (vm2,
    // also on node-1, is not written after the LIST).
    assert_eq!(
        seen,
        [
            ("virt-handler-node-1", "ns1/vm1"),
            ("virt-handler-node-2", "ns1/vm1"),
        ],
        "{d:#?}"
    );
}

#[test]
fn a_vmi_that_leaves_the_node_arrives_deleted_with_the_state_it_had() {
    let d = deliveries();
    let src: Vec<&(String, String, String, u64)> = d
        .iter()
        .filter(|(h, _, o, _)| h == "virt-handler-node-1" && o == "ns1/vm1")
        .collect();
    let at = src
        .iter()
        .position(|(_, verb, _, _)| verb == "DELETED")
        .expect("vm1 left node-1's selection");
    assert!(at > 0, "{src:#?}");
    // The state it had: the last one this handler was sent, not the write that moved it.
    assert_eq!(src[at].3, src[at - 1].3, "{src:#?}");
    let moved = d
        .iter()
        .find(|(h, _, o, rv)| h == "virt-handler-node-2" && o == "ns1/vm1" && *rv > src[at].3)
        .expect("the target's handler saw the write that moved it");
    assert_eq!(moved.1, "MODIFIED");
    // Nothing more of it reaches the source's handler.
    assert_eq!(at, src.len() - 1, "{src:#?}");
}
