//! A GitHub Actions workflow as read, with positions: triggers, permissions, env at every
//! level, jobs with their expanded matrix, steps with their `with`, `env` and `run`.
//!
//! Only the shape is read here; what the steps publish is worked out by the image finder
//! (`find.rs`). Nothing is evaluated: values are kept as written.

use std::path::Path;

use super::yaml::{self, Kind, Node};
use super::{Entry, Job, Permissions, SetupError, Step, Trigger, Unexpressed, Workflow};

/// Most matrix combinations kept per job (GitHub runs at most 256).
pub const MAX_MATRIX: usize = 256;

/// Reads the workflow at `path` (relative to the root) from its text; `unexpressed` gets
/// what cannot be read statically (a matrix built by an expression).
pub fn parse(
    path: &Path,
    text: &str,
    unexpressed: &mut Vec<Unexpressed>,
) -> Result<Workflow, SetupError> {
    parse_with_doc(path, text, unexpressed).map(|(wf, _)| wf)
}

/// [`parse`], also returning the YAML document.
pub fn parse_with_doc(
    path: &Path,
    text: &str,
    unexpressed: &mut Vec<Unexpressed>,
) -> Result<(Workflow, Option<Node>), SetupError> {
    let doc = yaml::parse_one(text).map_err(|e| SetupError::Yaml {
        file: path.to_path_buf(),
        line: e.line,
        col: e.col,
        message: e.message,
    })?;
    let mut wf = Workflow {
        file: path.to_path_buf(),
        name: None,
        on: Vec::new(),
        permissions: None,
        env: Vec::new(),
        jobs: Vec::new(),
    };
    let Some(doc) = doc else {
        return Ok((wf, None));
    };
    if doc.as_map().is_none() {
        return Err(SetupError::Yaml {
            file: path.to_path_buf(),
            line: doc.line,
            col: doc.col,
            message: "a workflow is a mapping".into(),
        });
    }
    wf.name = doc.get("name").and_then(Node::as_str).map(str::to_string);
    // YAML 1.1 readers turn a bare `on` key into `true`; saphyr keeps the text.
    if let Some(on) = doc.get("on").or_else(|| doc.get("true")) {
        wf.on = triggers(on);
    }
    wf.permissions = doc.get("permissions").map(permissions);
    wf.env = entries(doc.get("env"));
    if let Some(jobs) = doc.get("jobs").and_then(Node::as_map) {
        for (k, v) in jobs {
            let Some(id) = k.as_str() else { continue };
            wf.jobs.push(job(path, id, k, v, unexpressed));
        }
    }
    Ok((wf, Some(doc)))
}

/// The `key: scalar` pairs of a mapping, in order; nested values are kept as their text.
pub fn entries(node: Option<&Node>) -> Vec<Entry> {
    let Some(pairs) = node.and_then(Node::as_map) else {
        return Vec::new();
    };
    pairs
        .iter()
        .filter_map(|(k, v)| {
            let key = k.as_str()?.to_string();
            Some(entry(key, v))
        })
        .collect()
}

/// An entry for `key` holding `v` (a collection as its flow text, for display only).
pub fn entry(key: String, v: &Node) -> Entry {
    let value = match &v.kind {
        Kind::Scalar(s) => s.clone(),
        _ => flow_text(v),
    };
    Entry {
        key,
        value,
        line: v.line,
        col: v.col,
        range: v.range.clone(),
    }
}

/// A node written as YAML flow text (`[a, b]`, `{k: v}`).
pub fn flow_text(v: &Node) -> String {
    match &v.kind {
        Kind::Scalar(s) => s.clone(),
        Kind::Seq(items) => {
            let parts: Vec<String> = items.iter().map(flow_text).collect();
            format!("[{}]", parts.join(", "))
        }
        Kind::Map(pairs) => {
            let parts: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}: {}", flow_text(k), flow_text(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

fn triggers(on: &Node) -> Vec<Trigger> {
    let one = |n: &Node| {
        n.as_str().map(|s| Trigger {
            event: s.to_string(),
            line: n.line,
            col: n.col,
            branches: Vec::new(),
            tags: Vec::new(),
        })
    };
    let list = |v: &Node, key: &str| -> Vec<String> {
        match v.get(key).map(|n| &n.kind) {
            Some(Kind::Seq(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            Some(Kind::Scalar(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    match &on.kind {
        Kind::Scalar(_) => one(on).into_iter().collect(),
        Kind::Seq(items) => items.iter().filter_map(one).collect(),
        Kind::Map(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| {
                let mut t = one(k)?;
                t.branches = list(v, "branches");
                t.tags = list(v, "tags");
                Some(t)
            })
            .collect(),
    }
}

fn permissions(node: &Node) -> Permissions {
    let mut p = Permissions {
        line: node.line,
        col: node.col,
        all: None,
        scopes: Vec::new(),
    };
    match &node.kind {
        Kind::Scalar(s) => p.all = Some(s.clone()),
        Kind::Map(pairs) => {
            p.scopes = pairs
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .collect();
        }
        Kind::Seq(_) => {}
    }
    p
}

fn job(path: &Path, id: &str, key: &Node, v: &Node, unexpressed: &mut Vec<Unexpressed>) -> Job {
    let mut job = Job {
        id: id.to_string(),
        line: key.line,
        col: key.col,
        permissions: v.get("permissions").map(permissions),
        env: entries(v.get("env")),
        matrix: Vec::new(),
        steps: Vec::new(),
        if_cond: v.get("if").and_then(Node::as_str).map(str::to_string),
    };
    if let Some(m) = v.get("strategy").and_then(|s| s.get("matrix")) {
        job.matrix = matrix(path, m, unexpressed);
    }
    if let Some(steps) = v.get("steps").and_then(Node::as_seq) {
        for (index, s) in steps.iter().enumerate() {
            job.steps.push(step(index, s));
        }
    }
    job
}

fn step(index: usize, s: &Node) -> Step {
    let text = |k: &str| s.get(k).and_then(Node::as_str).map(str::to_string);
    Step {
        index,
        line: s.line,
        col: s.col,
        id: text("id"),
        name: text("name"),
        uses: text("uses"),
        with: entries(s.get("with")),
        env: entries(s.get("env")),
        run: s.get("run").map(|r| entry("run".into(), r)),
        if_cond: text("if"),
    }
}

/// The matrix combinations: the cartesian product of the list keys, then `include`
/// entries (merged into every combination they extend without overwriting an original
/// key, else added), minus `exclude` matches; at most [`MAX_MATRIX`].
fn matrix(path: &Path, m: &Node, unexpressed: &mut Vec<Unexpressed>) -> Vec<Vec<(String, String)>> {
    let Some(pairs) = m.as_map() else {
        unexpressed.push(Unexpressed {
            file: path.to_path_buf(),
            line: m.line,
            col: m.col,
            what: format!(
                "matrix built by an expression (`{}`)",
                m.as_str().unwrap_or("?")
            ),
        });
        return Vec::new();
    };
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for (k, v) in pairs {
        let Some(key) = k.as_str() else { continue };
        match key {
            "include" => include = v.as_seq().map(<[Node]>::to_vec).unwrap_or_default(),
            "exclude" => exclude = v.as_seq().map(<[Node]>::to_vec).unwrap_or_default(),
            _ => {
                let values: Vec<String> = match &v.kind {
                    Kind::Seq(items) => items.iter().map(flow_text).collect(),
                    _ => {
                        unexpressed.push(Unexpressed {
                            file: path.to_path_buf(),
                            line: v.line,
                            col: v.col,
                            what: format!("matrix key `{key}` built by an expression"),
                        });
                        continue;
                    }
                };
                let mut next = Vec::new();
                for c in &combos {
                    for value in &values {
                        if next.len() >= MAX_MATRIX {
                            break;
                        }
                        let mut c = c.clone();
                        c.push((key.to_string(), value.clone()));
                        next.push(c);
                    }
                }
                combos = next;
            }
        }
    }
    let base_keys: Vec<String> = combos
        .first()
        .map(|c| c.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    combos.retain(|c| {
        !exclude.iter().any(|e| {
            e.as_map().is_some_and(|p| {
                p.iter().all(|(k, v)| {
                    c.iter()
                        .any(|(ck, cv)| Some(ck.as_str()) == k.as_str() && *cv == flow_text(v))
                })
            })
        })
    });
    if combos.len() == 1 && combos[0].is_empty() && !include.is_empty() {
        combos.clear();
    }
    for inc in &include {
        let Some(p) = inc.as_map() else { continue };
        let inc: Vec<(String, String)> = p
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), flow_text(v))))
            .collect();
        let mut extended = false;
        for c in combos.iter_mut() {
            let clashes = inc
                .iter()
                .any(|(k, v)| base_keys.contains(k) && c.iter().any(|(ck, cv)| ck == k && cv != v));
            if !clashes && !base_keys.is_empty() {
                for (k, v) in &inc {
                    match c.iter_mut().find(|(ck, _)| ck == k) {
                        Some((_, cv)) => *cv = v.clone(),
                        None => c.push((k.clone(), v.clone())),
                    }
                }
                extended = true;
            }
        }
        if !extended && combos.len() < MAX_MATRIX {
            combos.push(inc);
        }
    }
    combos.retain(|c| !c.is_empty());
    combos.truncate(MAX_MATRIX);
    combos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Workflow, Vec<Unexpressed>) {
        let mut u = Vec::new();
        let wf = parse(Path::new(".github/workflows/ci.yml"), text, &mut u).unwrap();
        (wf, u)
    }

    const WF: &str = r#"name: publish
on:
  push:
    branches: [main]
  workflow_dispatch:
permissions:
  contents: read
  packages: write
env:
  REGISTRY: ghcr.io
  IMAGE_NAME: ${{ github.repository }}-svc
jobs:
  build:
    if: github.event_name != 'pull_request'
    runs-on: ubuntu-latest
    strategy:
      matrix:
        service: [api, web]
        include:
          - service: api
            context: ./api
          - service: worker
            context: ./worker
    steps:
      - uses: actions/checkout@v4
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: ${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}
      - name: push
        run: |
          docker push "$IMAGE"
"#;

    #[test]
    fn workflow_shape_with_positions() {
        let (wf, u) = read(WF);
        assert!(u.is_empty());
        assert_eq!(wf.name.as_deref(), Some("publish"));
        let events: Vec<_> = wf.on.iter().map(|t| (t.event.as_str(), t.line)).collect();
        assert_eq!(events, [("push", 3), ("workflow_dispatch", 5)]);
        let p = wf.permissions.as_ref().unwrap();
        assert_eq!(p.scopes[1], ("packages".into(), "write".into()));
        let e = &wf.env[1];
        assert_eq!((e.key.as_str(), e.line, e.col), ("IMAGE_NAME", 11, 15));
        assert_eq!(&WF[e.range.clone()], "${{ github.repository }}-svc");
        let job = &wf.jobs[0];
        assert_eq!((job.id.as_str(), job.line, job.col), ("build", 13, 3));
        assert_eq!(
            job.if_cond.as_deref(),
            Some("github.event_name != 'pull_request'")
        );
        let steps = &job.steps;
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[1].id.as_deref(), Some("meta"));
        assert_eq!(steps[1].with[0].key, "images");
        assert_eq!(
            steps[2].run.as_ref().unwrap().value,
            "docker push \"$IMAGE\"\n"
        );
        assert_eq!(steps[2].run.as_ref().unwrap().line, 32);
    }

    #[test]
    fn matrix_include_extends_and_adds_combinations() {
        let (wf, _) = read(WF);
        let m = &wf.jobs[0].matrix;
        let show: Vec<String> = m
            .iter()
            .map(|c| {
                c.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        assert_eq!(
            show,
            [
                "service=api,context=./api",
                "service=web",
                "service=worker,context=./worker"
            ]
        );
    }

    #[test]
    fn matrix_from_an_expression_is_unexpressed() {
        let (_, u) = read(
            "on: push\njobs:\n  b:\n    strategy:\n      matrix: ${{ fromJSON(needs.a.outputs.m) }}\n",
        );
        assert_eq!(u.len(), 1);
        assert_eq!((u[0].line, u[0].col), (5, 15));
    }

    #[test]
    fn huge_matrix_is_capped() {
        let vals: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let list = vals.join(", ");
        let text = format!(
            "on: push\njobs:\n  b:\n    strategy:\n      matrix:\n        a: [{list}]\n        b: [{list}]\n        c: [{list}]\n"
        );
        let (wf, _) = read(&text);
        assert_eq!(wf.jobs[0].matrix.len(), MAX_MATRIX);
    }

    #[test]
    fn on_as_string_and_list() {
        let (wf, _) = read("on: [push, release]\njobs: {}\n");
        assert_eq!(wf.on.len(), 2);
        let (wf, _) = read("on: push\npermissions: write-all\njobs: {}\n");
        assert_eq!(wf.on[0].event, "push");
        assert_eq!(wf.permissions.unwrap().all.as_deref(), Some("write-all"));
    }
}
