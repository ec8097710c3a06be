//! The segments of `syn` on the wire belong to the `syn` call: its bare
//! SYNs, and the listener's SYN-ACKs that answer them, as a client's
//! handshake belongs to its connect; the SYN-ACKs the kernel resends later
//! are the kernel's own, after that call. Run in a lab of its own (`syn`
//! needs one), on the real kernel.

mod common;

use common::netns::run_json;
use serde_json::Value;

#[test]
fn syn_ack_answering_a_syn_call_is_labelled_with_that_call() {
    // The first SYN-ACK is resent after about a second.
    let script = "listen backlog=4\nsyn L1 x2\nsleep 2500ms\n";
    let records = run_json(&["--netns", "run", "--json", "--wire", "-"], script);
    let text: Vec<String> = records.iter().map(Value::to_string).collect();
    let text = text.join("\n");
    let syn_op = records
        .iter()
        .find(|r| r["type"] == "op" && r["call"] == "syn")
        .expect("the syn call's result");
    let seq = syn_op["seq"].clone();
    let packets: Vec<&Value> = records.iter().filter(|r| r["type"] == "packet").collect();
    let flags = |p: &Value| {
        p["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("+")
    };
    let syns: Vec<&&Value> = packets.iter().filter(|p| flags(p) == "SYN").collect();
    let syn_acks: Vec<&&Value> = packets.iter().filter(|p| flags(p) == "SYN+ACK").collect();
    assert_eq!(syns.len(), 2, "{text}");
    for p in &syns {
        assert_eq!(p["to"], "L1", "{p}");
        assert_eq!(p["cause"], seq, "the bare SYN is the syn call's: {p}");
    }
    // Two answers, then the kernel's own resends of them.
    let (first, resent): (Vec<&&&Value>, Vec<&&&Value>) =
        syn_acks.iter().partition(|p| p["kernel"].is_null());
    assert_eq!(first.len(), 2, "{text}");
    for p in &first {
        assert_eq!(p["from"], "L1", "{p}");
        assert_eq!(p["cause"], seq, "the SYN-ACK answers the syn call: {p}");
    }
    assert!(
        !resent.is_empty(),
        "a SYN-ACK was resent within 2.5 s: {text}"
    );
    for p in &resent {
        assert_eq!(p["kernel"], "SYN-ACK retransmission", "{p}");
        assert!(p["cause"].is_null(), "{p}");
        assert_eq!(p["after"], seq, "resent after the syn call: {p}");
    }
}
