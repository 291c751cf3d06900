//! `infrapipe graph`: the pipeline drawn from the model. The default example's diagrams are
//! snapshots, and README.md embeds the Mermaid one, checked like the golden template.

mod common;

use infrapipe::graph::{Graph, LinkKind};

fn graph(args: &[&str]) -> String {
    let mut all = vec!["graph", "-c", common::EXAMPLE];
    all.extend_from_slice(args);
    let (code, out, err) = common::run(&all);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn mermaid_graph_of_the_default_example() {
    insta::assert_snapshot!(graph(&[]));
}

#[test]
fn dot_graph_of_the_default_example() {
    insta::assert_snapshot!(graph(&["--format", "dot"]));
}

const BEGIN: &str = "<!-- infrapipe graph -c examples/infrapipe.yaml: begin -->\n";
const END: &str = "<!-- infrapipe graph: end -->";

#[test]
fn readme_embeds_the_current_mermaid_graph() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let block = format!("```mermaid\n{}```\n", graph(&[]));
    let (Some(start), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md lacks the markers {BEGIN:?} ... {END:?}");
    };
    let embedded = &readme[start + BEGIN.len()..end];
    if embedded == block {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!(
            "{}{block}{}",
            &readme[..start + BEGIN.len()],
            &readme[end..]
        );
        std::fs::write("README.md", updated).expect("write README.md");
        return;
    }
    panic!(
        "README.md's pipeline diagram is stale. Refresh it with:\n  UPDATE_README=1 cargo test --test graph\nthen review and commit the diff."
    );
}

const WIDE: &str = "collectors:\n  mode: cloudwatch\n  instance_tags: {Team: sre}\nanalytics:\n  query_principals: ['arn:aws:iam::123456789012:role/Analysts']\n";

#[test]
fn every_model_edge_is_a_grant_arrow_from_its_actors_role() {
    let p = common::pipeline(&format!("{}{WIDE}", common::MINIMAL));
    let g = Graph::of(&p);
    for e in &p.edges {
        let role = e.from.role_logical_id();
        let drawn = g
            .links
            .iter()
            .filter(|l| l.kind == LinkKind::Grant && l.from == role)
            .count();
        let edges = p.edges.iter().filter(|x| x.from == e.from).count();
        assert_eq!(drawn, edges, "{role}: {drawn} arrows for {edges} edges");
    }
}

#[test]
fn every_role_is_drawn_beside_what_runs_as_it() {
    let p = common::pipeline(&format!("{}{WIDE}", common::MINIMAL));
    let g = Graph::of(&p);
    for role in &p.roles {
        let cluster = g
            .clusters
            .iter()
            .find(|c| c.nodes.iter().any(|n| n.id == role.logical_id))
            .unwrap_or_else(|| panic!("{} is not drawn", role.logical_id));
        let user = g
            .links
            .iter()
            .find(|l| l.kind == LinkKind::RunsAs && l.to == role.logical_id)
            .unwrap_or_else(|| panic!("nothing runs as {}", role.logical_id));
        assert!(
            cluster.nodes.iter().any(|n| n.id == user.from),
            "{} is drawn apart from {}",
            role.logical_id,
            user.from
        );
    }
}

#[test]
fn every_link_joins_drawn_nodes() {
    let p = common::pipeline(&format!("{}{WIDE}", common::MINIMAL));
    let g = Graph::of(&p);
    let ids: Vec<&str> = g
        .clusters
        .iter()
        .flat_map(|c| &c.nodes)
        .map(|n| n.id.as_str())
        .collect();
    for l in &g.links {
        assert!(
            ids.contains(&l.from.as_str()) && ids.contains(&l.to.as_str()),
            "{} -> {} names a node that is not drawn",
            l.from,
            l.to
        );
    }
}

#[test]
fn graph_json_wraps_the_diagram() {
    let (code, out, err) =
        common::run(&["--json", "graph", "-c", common::EXAMPLE, "--format", "dot"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(doc["format"], "dot");
    assert!(
        doc["diagram"]
            .as_str()
            .is_some_and(|d| d.starts_with("digraph infrapipe {"))
    );
}

#[test]
fn each_chat_channel_is_a_node_the_alerts_topic_feeds() {
    let p = common::pipeline(&format!("{}{}", common::MINIMAL, common::CHAT_CHANNELS));
    let dot = Graph::of(&p).dot();
    assert!(
        dot.contains(
            "SlackChannel1 [label=\"AWS Chatbot: Slack channel\\ninfra-monitoring-prod-slack-1\""
        ),
        "{dot}"
    );
    assert!(
        dot.contains("AlertsTopic -> SlackChannel1 [label=\"chat\"]"),
        "{dot}"
    );
    assert!(
        dot.contains("AlertsTopic -> TeamsChannel1 [label=\"chat\"]"),
        "{dot}"
    );
}
