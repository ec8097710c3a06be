//! A 4-tuple used again is a new connection on the wire: its SYN starts a
//! flow of its own, and its segments name the new client and the socket
//! accepted for it, never the closed ones that used the same ports before.
//! The lab runs in a namespace of its own with two ephemeral ports, so
//! every connect takes a 4-tuple an earlier one had; tcpdump, run in the
//! same namespace, is the independent count of what each connection sent.
//! Needs root (a namespace, and CAP_NET_RAW for tcpdump).

mod common;

use std::collections::BTreeMap;

use serde_json::Value;

const ROUNDS: usize = 24;

/// One segment as tcpdump read it: source port, destination port, flags.
struct Seen {
    src: String,
    dst: String,
    flags: String,
}

fn read_dump(file: &std::path::Path) -> Vec<Seen> {
    common::tcpdump::read(file, &[])
        .iter()
        .filter_map(|l| {
            // "12:00:00.000 IP 127.0.0.1.40000 > 127.0.0.1.8080: Flags [S], seq …"
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words.iter().position(|w| *w == ">")?;
            let port = |w: &str| {
                w.trim_end_matches(':')
                    .rsplit('.')
                    .next()
                    .map(str::to_string)
            };
            let flags = l.split("Flags [").nth(1)?.split(']').next()?.to_string();
            Some(Seen {
                src: port(words[at - 1])?,
                dst: port(words[at + 1])?,
                flags,
            })
        })
        .collect()
}

mod needs_root {
    use super::*;

    #[test]
    #[cfg_attr(not(ci), ignore = "needs root: a namespace and tcpdump in it")]
    fn a_reused_four_tuple_starts_a_new_flow_named_for_the_new_sockets() {
        common::require_root("tcpdump in the lab's namespace");
        let dir = std::env::temp_dir().join(format!("sockplay-reuse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("reuse.pcap");
        let mut script = String::from(
            "listen 8080 backlog=64\nsysctl ip_local_port_range=40000,40001\nsleep 2s\n",
        );
        // A reset frees the 4-tuple at once (no TIME-WAIT on either side). The
        // wire names ends from the lab as it reads each segment: the rounds
        // leave it time to read one connection before the next takes its port.
        for i in 1..=ROUNDS {
            script.push_str(&format!(
                "connect L1\naccept L1\nsend C{i} \"hi\"\nrecv A{i} 10\nclose C{i} rst\nclose A{i}\nsleep 100ms\n"
            ));
        }
        script.push_str("sleep 300ms\n");
        let text = common::netns::run_captured(
            &["run", "--json", "--wire", "-"],
            &script,
            "tcp port 8080",
            &file,
        );
        let seen = read_dump(&file);
        let _ = std::fs::remove_dir_all(&dir);

        let records: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let connect_of: BTreeMap<u64, String> = records
            .iter()
            .filter(|r| r["type"] == "op" && r["call"] == "connect")
            .map(|r| {
                (
                    r["seq"].as_u64().unwrap(),
                    r["sock"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(connect_of.len(), ROUNDS, "{text}");

        // tcpdump: each connection from its SYN on, in order; the 4-tuples are used again.
        let mut conns: Vec<(String, usize)> = Vec::new(); // (client port, segments)
        let mut current: BTreeMap<String, usize> = BTreeMap::new(); // client port → index
        for s in &seen {
            let client = if s.dst == "8080" { &s.src } else { &s.dst };
            if s.flags == "S" {
                current.insert(client.clone(), conns.len());
                conns.push((client.clone(), 0));
            }
            let Some(&i) = current.get(client) else {
                panic!("tcpdump saw a segment before its SYN on port {client}")
            };
            conns[i].1 += 1;
        }
        assert_eq!(conns.len(), ROUNDS, "one SYN per connect (tcpdump)");
        let ports: std::collections::BTreeSet<&String> = conns.iter().map(|c| &c.0).collect();
        assert!(
            ports.len() <= 2,
            "two ephemeral ports, so 4-tuples are used again: {ports:?}"
        );

        // sockplay: the wire's flows, in order of their SYNs.
        let packets: Vec<&Value> = records.iter().filter(|r| r["type"] == "packet").collect();
        let mut flows: Vec<(u64, Vec<&Value>)> = Vec::new();
        for p in &packets {
            let id = p["conn"].as_u64().unwrap();
            match flows.iter_mut().find(|(f, _)| *f == id) {
                Some((_, segs)) => segs.push(p),
                None => flows.push((id, vec![p])),
            }
        }
        assert_eq!(
            flows.len(),
            ROUNDS,
            "each SYN on a used 4-tuple starts a new flow: {text}"
        );
        for (i, ((_, segs), (port, count))) in flows.iter().zip(&conns).enumerate() {
            let n = i + 1;
            let (client, accepted) = (format!("C{n}"), format!("A{n}"));
            let first = segs[0];
            assert_eq!(
                first["flags"],
                serde_json::json!(["SYN"]),
                "flow {n} begins with its SYN"
            );
            assert_eq!(first["from"], client.as_str(), "{first}");
            assert_eq!(
                connect_of.get(&first["cause"].as_u64().unwrap()),
                Some(&client),
                "the SYN is {client}'s connect: {first}"
            );
            assert_eq!(&common::netns::port_in(&first["src"]), port, "{first}");
            assert_eq!(
                segs.len(),
                *count,
                "flow {n}: as many segments as tcpdump saw on that connection"
            );
            for p in segs {
                for end in [&p["from"], &p["to"]] {
                    let end = end.as_str().unwrap_or("");
                    assert!(
                        end == client || end == accepted || end == "L1",
                        "a segment of {client}'s connection names {end}: {p}"
                    );
                }
            }
        }
    }
}
