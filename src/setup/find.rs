//! The image finder: walks each job of a workflow step by step (once per matrix
//! combination), keeping the environment (`env` at every level, `$GITHUB_ENV` writes),
//! step outputs and metadata-action steps, and records every push: docker/build-push-action,
//! docker/bake-action, `docker push`, `docker buildx build --push` and
//! `docker buildx imagetools create`. Pushes of one name merge into one
//! [`PublishedImage`] (per-arch legs add their platforms); references pushed with the same
//! tags become the primary image's `also`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::expr::{self, Scope, Text, UNKNOWN, Value};
use super::shell::{self, DockerKind};
use super::workflow;
use super::yaml::{Kind, Node};
use super::{
    Definition, DefinitionForm, Entry, PublishedImage, RepoContext, SetupError, Unexpressed,
    Workflow, WorkflowRead,
};

/// Reads one workflow; `root` (when given) lets bake files be read.
pub(super) fn read_workflow(
    root: Option<&Path>,
    path: &Path,
    text: &str,
    ctx: &RepoContext,
) -> Result<WorkflowRead, SetupError> {
    let mut unexpressed = Vec::new();
    let (wf, doc) = workflow::parse_with_doc(path, text, &mut unexpressed)?;
    let mut finder = Finder {
        root,
        path,
        text,
        ctx,
        wf: &wf,
        doc: doc.as_ref(),
        pushes: Vec::new(),
        unexpressed: RefCell::new(unexpressed),
        needs: HashMap::new(),
        group: 0,
    };
    finder.run();
    let images = finder.merge();
    let unexpressed = finder.unexpressed.into_inner();
    Ok(WorkflowRead {
        workflow: wf,
        images,
        unexpressed,
    })
}

/// How a definition's text spells the name.
pub(super) fn classify(raw: &str) -> DefinitionForm {
    let lower = raw.to_ascii_lowercase();
    if lower.contains(",,")
        || lower.contains("tolower")
        || (lower.contains("tr ") && (lower.contains("[:upper:]") || lower.contains("a-z")))
    {
        DefinitionForm::ShellLowercase
    } else if lower.contains("format(") {
        DefinitionForm::FormatCall
    } else if lower.contains("github.repository") || lower.contains("github.event.repository") {
        DefinitionForm::GithubRepository
    } else if lower.contains("steps.") {
        DefinitionForm::StepOutput
    } else if lower.contains("matrix.") {
        DefinitionForm::MatrixValue
    } else if lower.contains("env.") || raw.contains('$') {
        DefinitionForm::EnvVar
    } else if raw.contains("${{") {
        DefinitionForm::Other("expression".into())
    } else {
        DefinitionForm::Literal
    }
}

/// Registry and path of a reference without tag or digest (`acme/app` is on docker.io).
pub(super) fn split_reference(reference: &str) -> (String, String, Option<String>) {
    let (name, _digest) = reference.split_once('@').unwrap_or((reference, ""));
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], Some(name[slash + i + 1..].to_string())),
        None => (name, None),
    };
    let (first, rest) = name.split_once('/').unwrap_or(("", name));
    if first.contains('.') || first.contains(':') || first == "localhost" {
        (first.to_string(), rest.to_string(), tag)
    } else if name.contains('/') {
        ("docker.io".to_string(), name.to_string(), tag)
    } else {
        ("docker.io".to_string(), format!("library/{name}"), tag)
    }
}

/// One push of one reference.
#[derive(Debug, Clone)]
struct Push {
    /// The reference without tag, as evaluated.
    name: Text,
    /// Tag rules: metadata-action lines.
    rules: Vec<String>,
    flavor: Vec<String>,
    platforms: Vec<String>,
    context: Option<String>,
    dockerfile: Option<String>,
    target: Option<String>,
    build_args: Vec<(String, String)>,
    /// References pushed together share a group.
    group: usize,
    /// A manifest list assembled by `imagetools create` (its tags are the final ones).
    merged: bool,
    /// Pushed by digest only (a per-arch leg).
    by_digest: bool,
    /// Where it is pushed.
    site: Definition,
}

/// Build inputs of one build.
#[derive(Debug, Clone, Default)]
struct Build {
    platforms: Vec<String>,
    context: Option<String>,
    dockerfile: Option<String>,
    target: Option<String>,
    build_args: Vec<(String, String)>,
    /// Definitions of the names it was built under (`docker build -t`), for a later push.
    defs: Vec<(Definition, String)>,
}

/// A metadata-action step.
#[derive(Debug, Clone)]
struct Meta {
    images: Vec<Text>,
    rules: Vec<String>,
    flavor: Vec<String>,
}

struct Finder<'a> {
    root: Option<&'a Path>,
    path: &'a Path,
    text: &'a str,
    ctx: &'a RepoContext,
    wf: &'a Workflow,
    doc: Option<&'a Node>,
    pushes: Vec<Push>,
    unexpressed: RefCell<Vec<Unexpressed>>,
    /// `needs.JOB.outputs.X` values.
    needs: HashMap<(String, String), Text>,
    group: usize,
}

/// The state of one job run (one matrix combination).
struct JobRun<'a> {
    f: &'a Finder<'a>,
    job: usize,
    combo: &'a [(String, String)],
    step_env: &'a [Entry],
    github_env: HashMap<String, Text>,
    outputs: HashMap<(String, String), Text>,
    metas: HashMap<String, Meta>,
    /// Images built locally (`docker build -t`, build-push-action without push), by name.
    local: HashMap<String, Build>,
}

impl Finder<'_> {
    fn run(&mut self) {
        for (j, job) in self.wf.jobs.iter().enumerate() {
            let combos: Vec<Vec<(String, String)>> = if job.matrix.is_empty() {
                vec![Vec::new()]
            } else {
                job.matrix.clone()
            };
            let mut first_outputs = None;
            for combo in &combos {
                let (pushes, outs) = self.run_job(j, combo);
                self.pushes.extend(pushes);
                first_outputs.get_or_insert(outs);
            }
            for (k, v) in first_outputs.unwrap_or_default() {
                self.needs.insert((job.id.clone(), k), v);
            }
        }
    }

    /// Runs job `j` for one matrix combination: its pushes and its `outputs`.
    fn run_job(
        &mut self,
        j: usize,
        combo: &[(String, String)],
    ) -> (Vec<Push>, Vec<(String, Text)>) {
        let job = &self.wf.jobs[j];
        let mut pushes = Vec::new();
        let mut group = self.group;
        let mut run = JobRun {
            f: self,
            job: j,
            combo,
            step_env: &[],
            github_env: HashMap::new(),
            outputs: HashMap::new(),
            metas: HashMap::new(),
            local: HashMap::new(),
        };
        for step in &job.steps {
            run.step_env = &step.env;
            let uses = step.uses.as_deref().unwrap_or_default();
            let action = uses
                .split('@')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let with = |k: &str| step.with.iter().find(|e| e.key == k);
            match action.as_str() {
                "docker/metadata-action" => {
                    let meta = run.meta(with("images"), with("tags"), with("flavor"));
                    run.metas.insert(
                        step.id
                            .clone()
                            .unwrap_or_else(|| format!("#{}", step.index)),
                        meta,
                    );
                }
                "docker/build-push-action" => {
                    group += 1;
                    pushes.extend(run.build_push(step, group));
                }
                "docker/bake-action" => {
                    pushes.extend(run.bake(step, &mut group));
                }
                _ => {}
            }
            if let Some(script) = &step.run {
                let before = pushes.len();
                run.script(step.id.as_deref(), script, &mut pushes, &mut group);
                let _ = before;
            }
        }
        let outs = run.job_outputs();
        self.group = group + 1;
        (pushes, outs)
    }

    fn unexpressed(&self, line: usize, col: usize, what: String) {
        let mut u = self.unexpressed.borrow_mut();
        if !u
            .iter()
            .any(|x| x.line == line && x.col == col && x.what == what)
        {
            u.push(Unexpressed {
                file: self.path.to_path_buf(),
                line,
                col,
                what,
            });
        }
    }

    fn definition(&self, e: &Entry) -> Definition {
        let raw = self.text.get(e.range.clone()).unwrap_or(&e.value);
        Definition {
            file: self.path.to_path_buf(),
            line: e.line,
            col: e.col,
            range: e.range.clone(),
            text: raw.to_string(),
            form: classify(raw),
        }
    }

    /// The definition of a part of a `run:` script: `range` is in the script (`e.value`).
    fn script_definition(&self, e: &Entry, range: Range<usize>) -> Definition {
        let raw = e.value.get(range.clone()).unwrap_or_default().to_string();
        let fallback = Definition {
            file: self.path.to_path_buf(),
            line: e.line,
            col: e.col,
            range: e.range.clone(),
            text: raw.clone(),
            form: classify(&raw),
        };
        let Some(file_part) = self.text.get(e.range.clone()) else {
            return fallback;
        };
        // Script line k is file line e.line + k, ending the same way (the block's
        // indentation stripped).
        let k = e.value[..range.start].matches('\n').count();
        let line_start = e.value[..range.start].rfind('\n').map_or(0, |i| i + 1);
        let script_line = e.value[line_start..].split('\n').next().unwrap_or_default();
        let mut offset = 0;
        for (i, fl) in file_part.split('\n').enumerate() {
            if i == k {
                if !fl.ends_with(script_line) {
                    return fallback;
                }
                let indent = fl.len() - script_line.len();
                let start = e.range.start + offset + indent + (range.start - line_start);
                let end = start + range.len();
                if self.text.get(start..end) != Some(raw.as_str()) {
                    return fallback;
                }
                let col = if k == 0 { e.col } else { 1 }
                    + self.text[start - (indent + range.start - line_start)..start]
                        .chars()
                        .count();
                return Definition {
                    file: self.path.to_path_buf(),
                    line: e.line + k,
                    col,
                    range: start..end,
                    text: raw.clone(),
                    form: classify(&raw),
                };
            }
            offset += fl.len() + 1;
        }
        fallback
    }

    /// Where in the raw matrix a value is written (for its definition).
    fn matrix_definition(&self, job: usize, key: &str, value: &str) -> Option<Definition> {
        let id = &self.wf.jobs[job].id;
        let m = self
            .doc?
            .get("jobs")?
            .get(id)?
            .get("strategy")?
            .get("matrix")?;
        let node = find_scalar(m, key, value)?;
        let raw = self.text.get(node.range.clone())?.to_string();
        Some(Definition {
            file: self.path.to_path_buf(),
            line: node.line,
            col: node.col,
            range: node.range.clone(),
            form: DefinitionForm::MatrixValue,
            text: raw,
        })
    }

    fn input_default(&self, name: &str) -> Option<Value> {
        let on = self.doc?.get("on").or_else(|| self.doc?.get("true"))?;
        for event in ["workflow_dispatch", "workflow_call"] {
            if let Some(input) = on
                .get(event)
                .and_then(|e| e.get("inputs"))
                .and_then(|i| i.get(name))
            {
                return Some(match input.get("default").and_then(Node::as_str) {
                    Some(d) => Value::Str(Text::lit(d)),
                    None => Value::Null,
                });
            }
        }
        None
    }

    /// Merges pushes into images.
    fn merge(&self) -> Vec<PublishedImage> {
        let mut images: Vec<PublishedImage> = Vec::new();
        // Name and flavor suffix of every manifest list: a variant's direct push is not a
        // leg of another variant's list.
        let mut merged_names: Vec<(String, Option<String>)> = Vec::new();
        for p in &self.pushes {
            if p.merged {
                let suffix = p.flavor.iter().find_map(|l| flavor_suffix(l));
                merged_names.push((p.name.text.clone(), suffix));
            }
        }
        // Group primaries: in each group, the first reference on the repository owner's
        // GHCR (else the first) is primary, the others mirrors.
        let mut groups: HashMap<usize, Vec<&Push>> = HashMap::new();
        let mut order = Vec::new();
        for p in &self.pushes {
            if !p.name.is_known() {
                continue;
            }
            if !groups.contains_key(&p.group) {
                order.push(p.group);
            }
            groups.entry(p.group).or_default().push(p);
        }
        let owner = self.ctx.owner.to_lowercase();
        for g in order {
            // One member per name: the tags of several pushes of one name add up.
            let mut members: Vec<Push> = Vec::new();
            for m in &groups[&g] {
                match members.iter_mut().find(|x| x.name.text == m.name.text) {
                    Some(x) => {
                        add_all(&mut x.rules, &m.rules);
                        x.name.defs.extend(m.name.defs.iter().cloned());
                        x.name.raw_github |= m.name.raw_github;
                    }
                    None => members.push((*m).clone()),
                }
            }
            let members: Vec<&Push> = members.iter().collect();
            let primary = members
                .iter()
                .position(|p| {
                    let (reg, path, _) = split_reference(&p.name.text);
                    reg == "ghcr.io" && path.to_lowercase().starts_with(&format!("{owner}/"))
                })
                .or_else(|| {
                    members
                        .iter()
                        .position(|p| split_reference(&p.name.text).0 == "ghcr.io")
                })
                .unwrap_or(0);
            let p = members[primary];
            let (registry, path, _) = split_reference(&p.name.text);
            let variant = p
                .flavor
                .iter()
                .find_map(|l| flavor_suffix(l))
                .map(|s| s.trim_start_matches(['-', '_', '.']).to_string())
                .filter(|s| !s.is_empty());
            let also: Vec<String> = members
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != primary)
                .map(|(_, m)| {
                    let (r, p, _) = split_reference(&m.name.text);
                    format!("{r}/{p}")
                })
                .collect();
            // Legs of a manifest merged later keep their platforms and build inputs, not
            // their intermediate tags.
            let suffix = p.flavor.iter().find_map(|l| flavor_suffix(l));
            let is_leg = !p.merged && merged_names.contains(&(p.name.text.clone(), suffix));
            let rules = if is_leg { Vec::new() } else { p.rules.clone() };
            let defs = relevant(&p.name, &p.site, &path, &members);
            let existing = images
                .iter_mut()
                .find(|i| i.registry == registry && i.path == path && i.variant == variant);
            let img = match existing {
                Some(i) => i,
                None => {
                    images.push(PublishedImage {
                        registry: registry.clone(),
                        path: path.clone(),
                        platforms: Vec::new(),
                        context: None,
                        dockerfile: None,
                        target: None,
                        build_args: Vec::new(),
                        tag_rules: Vec::new(),
                        flavor: Vec::new(),
                        variant: variant.clone(),
                        also: Vec::new(),
                        definitions: Vec::new(),
                        may_be_uppercase: false,
                        workflow: self.path.to_path_buf(),
                    });
                    images.last_mut().expect("just pushed")
                }
            };
            add_all(&mut img.platforms, &p.platforms);
            img.context = img.context.take().or_else(|| p.context.clone());
            img.dockerfile = img.dockerfile.take().or_else(|| p.dockerfile.clone());
            img.target = img.target.take().or_else(|| p.target.clone());
            for a in &p.build_args {
                if !img.build_args.iter().any(|(k, _)| *k == a.0) {
                    img.build_args.push(a.clone());
                }
            }
            add_all(&mut img.tag_rules, &rules);
            add_all(&mut img.flavor, &p.flavor);
            add_all(&mut img.also, &also);
            for d in defs {
                if !img
                    .definitions
                    .iter()
                    .any(|x| x.file == d.file && x.range == d.range)
                {
                    img.definitions.push(d);
                }
            }
            img.may_be_uppercase |= p.name.raw_github && p.name.text != p.name.text.to_lowercase();
            let _ = p.by_digest;
        }
        // Legs from images assembled by imagetools lend platforms and inputs to them.
        images
    }
}

/// The definitions of a push that define its name, outermost first: the site, then every
/// env entry, script assignment or matrix value whose value is part of the path.
fn relevant(name: &Text, site: &Definition, path: &str, members: &[&Push]) -> Vec<Definition> {
    let path_lc = path.to_lowercase();
    let leaf = path_lc.rsplit('/').next().unwrap_or_default().to_string();
    let mut out = vec![site.clone()];
    let _ = members;
    for (d, value) in &name.defs {
        let v = value.to_lowercase();
        let v = v.trim_matches(UNKNOWN);
        if v.is_empty() {
            continue;
        }
        let (_, vpath, _) = split_reference(v);
        let hit = path_lc.contains(v)
            || v.contains(&path_lc)
            || (!leaf.is_empty() && (v.contains(&leaf) || leaf.contains(v) && v.len() > 1))
            || vpath.contains(&leaf);
        let only_host = v.split('/').count() == 1 && v.contains('.');
        if hit && !only_host && !out.iter().any(|x| x.file == d.file && x.range == d.range) {
            out.push(d.clone());
        }
    }
    out
}

fn add_all(into: &mut Vec<String>, from: &[String]) {
    for x in from {
        if !into.contains(x) {
            into.push(x.clone());
        }
    }
}

/// `suffix=-web,onlatest=true` → `-web`.
fn flavor_suffix(line: &str) -> Option<String> {
    line.split(',')
        .find_map(|f| f.trim().strip_prefix("suffix="))
        .map(str::to_string)
}

/// The first scalar `value` under key `key` in a matrix node (list values, include
/// entries).
fn find_scalar<'n>(m: &'n Node, key: &str, value: &str) -> Option<&'n Node> {
    for (k, v) in m.as_map()? {
        let ks = k.as_str()?;
        match (&v.kind, ks) {
            (Kind::Seq(items), "include") => {
                for it in items {
                    if let Some(n) = it.get(key).filter(|n| n.as_str() == Some(value)) {
                        return Some(n);
                    }
                }
            }
            (Kind::Seq(items), _) if ks == key => {
                if let Some(n) = items.iter().find(|n| n.as_str() == Some(value)) {
                    return Some(n);
                }
            }
            _ => {}
        }
    }
    None
}

/// Lines of an action input list: one per line, or comma-separated when `comma`.
fn input_list(value: &str, comma: bool) -> Vec<String> {
    value
        .lines()
        .flat_map(|l| {
            if comma {
                l.split(',').map(str::to_string).collect::<Vec<_>>()
            } else {
                vec![l.to_string()]
            }
        })
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && !s.starts_with('#'))
        .collect()
}

/// A tag as a metadata-action rule, or `None` when it cannot be one.
fn tag_rule(tag: &Text) -> Option<Vec<String>> {
    if tag.is_known() {
        return Some(vec![format!("type=raw,value={}", tag.text)]);
    }
    let unknown: Vec<String> = tag.unknown.iter().map(|u| u.trim().to_string()).collect();
    let whole = tag.text == UNKNOWN.to_string();
    match unknown.as_slice() {
        [u] if whole && u == "github.sha" => Some(vec!["type=sha,prefix=,format=long".into()]),
        [u] if whole && u == "github.ref_name" => Some(vec![
            "type=ref,event=branch".into(),
            "type=ref,event=tag".into(),
        ]),
        [u] if u == "github.sha" && tag.text.starts_with(UNKNOWN) => Some(vec![format!(
            "type=sha,prefix=,suffix={},format=long",
            tag.text.trim_start_matches(UNKNOWN)
        )]),
        [u] if u == "github.sha" && tag.text.ends_with(UNKNOWN) => Some(vec![format!(
            "type=sha,prefix={},format=long",
            tag.text.trim_end_matches(UNKNOWN)
        )]),
        _ => None,
    }
}

impl<'a> JobRun<'a> {
    fn meta(&self, images: Option<&Entry>, tags: Option<&Entry>, flavor: Option<&Entry>) -> Meta {
        // Lines as written; an input that is one whole expression (`${{ matrix.flavor }}`)
        // is evaluated when every part of it is known.
        let lines = |e: &Entry| {
            let v = e.value.trim();
            if v.starts_with("${{") && v.ends_with("}}") && v.matches("${{").count() == 1 {
                let t = self.eval_entry(e);
                if t.is_known() {
                    return input_list(&t.text, false);
                }
            }
            input_list(&e.value, false)
        };
        let mut out = Meta {
            images: Vec::new(),
            rules: tags.map(lines).unwrap_or_default(),
            flavor: flavor.map(lines).unwrap_or_default(),
        };
        if out.rules.is_empty() {
            // metadata-action's default tags.
            out.rules = vec![
                "type=schedule".into(),
                "type=ref,event=branch".into(),
                "type=ref,event=tag".into(),
                "type=ref,event=pr".into(),
            ];
        }
        let Some(images) = images else { return out };
        let value = self.eval_entry(images);
        let site = self.f.definition(images);
        for line in input_list(&value.text, true) {
            let fields: Vec<&str> = line.split(',').collect();
            let mut name = None;
            let mut enable = true;
            for f in fields {
                match f.split_once('=') {
                    Some(("name", v)) => name = Some(v.trim().to_string()),
                    Some(("enable", v)) => enable = v.trim() != "false",
                    Some(_) => {}
                    None => name = Some(f.trim().to_string()),
                }
            }
            let Some(name) = name.filter(|_| enable) else {
                continue;
            };
            let mut t = value.clone();
            // metadata-action lowercases image names.
            t.text = name.to_lowercase();
            t.raw_github = false;
            if !t.is_known() {
                self.f.unexpressed(
                    site.line,
                    site.col,
                    format!("image `{}` depends on {}", show(&t.text), unknowns(&t)),
                );
                continue;
            }
            t.defs.insert(0, (site.clone(), t.text.clone()));
            out.images.push(t);
        }
        out
    }

    fn build_push(&mut self, step: &super::Step, group: usize) -> Vec<Push> {
        let with = |k: &str| step.with.iter().find(|e| e.key == k);
        let get = |k: &str| with(k).map(|e| self.eval_entry(e));
        let build = Build {
            platforms: get("platforms")
                .map(|t| input_list(&t.text, true))
                .unwrap_or_default(),
            context: get("context").map(|t| t.text).filter(|c| !c.is_empty()),
            // `target: ${{ matrix.target }}` with `target: ""` builds the last stage.
            dockerfile: get("file").map(|t| t.text).filter(|f| !f.is_empty()),
            target: get("target").map(|t| t.text).filter(|t| !t.is_empty()),
            build_args: get("build-args")
                .map(|t| {
                    input_list(&t.text, false)
                        .into_iter()
                        .filter_map(|l| {
                            l.split_once('=')
                                .map(|(k, v)| (k.to_string(), v.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            defs: Vec::new(),
        };
        let outputs = get("outputs").map(|t| t.text).unwrap_or_default();
        // `push=${{ env.PUBLISH }}` (unknown here) pushes on the runs that publish.
        let pushes_output = outputs.split(',').any(|f| {
            f.trim()
                .strip_prefix("push=")
                .is_some_and(|v| v == "true" || v.contains(UNKNOWN))
        });
        let by_digest = outputs.contains("push-by-digest=true") && pushes_output;
        let push_input = with("push").map(|e| self.eval_entry(e));
        let push = match &push_input {
            Some(t) if t.is_known() => t.text.trim() == "true",
            Some(_) => true, // `${{ github.event_name != 'pull_request' }}`
            // `outputs: type=image,push=true` (or `type=registry`) pushes as `push: true`.
            None => pushes_output || outputs.split(',').any(|f| f.trim() == "type=registry"),
        };
        let mut pushes = Vec::new();
        let site_of = |e: &Entry| self.f.definition(e);
        if by_digest {
            // `outputs: type=image,name=X,push-by-digest=true,...`: a per-arch leg, named
            // by `name=` or else by `tags`; it carries the flavor of its job's one
            // metadata-action step (a variant's legs belong to the variant).
            let flavor = match self.metas.values().collect::<Vec<_>>().as_slice() {
                [m] => m.flavor.clone(),
                _ => Vec::new(),
            };
            let e = with("outputs").expect("outputs read above");
            let value = self.eval_entry(e);
            let mut names: Vec<Text> = Vec::new();
            for field in value.text.split(',') {
                if let Some(list) = field.trim().strip_prefix("name=") {
                    for n in list.split(['\n', ' ']).filter(|n| !n.is_empty()) {
                        let mut t = value.clone();
                        t.text = n.trim_matches('"').to_string();
                        names.push(t);
                    }
                }
            }
            let mut site = site_of(e);
            if names.is_empty()
                && let Some(tags) = with("tags")
            {
                let t = self.eval_entry(tags);
                for item in input_list(&t.text, true) {
                    let mut n = t.clone();
                    n.text = item;
                    names.push(n);
                }
                site = site_of(tags);
            }
            for t in names.into_iter().filter(Text::is_known) {
                pushes.push(self.push(
                    t,
                    Vec::new(),
                    flavor.clone(),
                    &build,
                    group,
                    site.clone(),
                    false,
                    true,
                ));
            }
            return pushes;
        }
        let Some(tags) = with("tags") else {
            return pushes;
        };
        let site = site_of(tags);
        if let Some(meta) = self.meta_ref(&tags.value, "tags") {
            if push {
                for img in meta.images {
                    pushes.push(self.push(
                        img,
                        meta.rules.clone(),
                        meta.flavor.clone(),
                        &build,
                        group,
                        site.clone(),
                        false,
                        false,
                    ));
                }
            } else {
                for img in meta.images {
                    self.local.insert(img.text, build.clone());
                }
            }
            return pushes;
        }
        let value = self.eval_entry(tags);
        for item in input_list(&value.text, true) {
            let mut t = value.clone();
            t.text = item.clone();
            if !push {
                let (r, p, _) = split_reference(&t.text);
                self.local.insert(format!("{r}/{p}"), build.clone());
                continue;
            }
            pushes.extend(self.tagged_push(t, &build, group, site.clone(), false));
        }
        pushes
    }

    /// A push of `reference` (name and tag): the name's push with the tag as a rule.
    fn tagged_push(
        &self,
        reference: Text,
        build: &Build,
        group: usize,
        site: Definition,
        merged: bool,
    ) -> Option<Push> {
        let (registry, path, tag) = split_reference(&reference.text);
        let mut name = reference.clone();
        name.text = format!("{registry}/{path}");
        if !name.is_known() {
            self.f.unexpressed(
                site.line,
                site.col,
                format!(
                    "image `{}` depends on {}",
                    show(&reference.text),
                    unknowns(&reference)
                ),
            );
            return None;
        }
        let mut rules = Vec::new();
        if let Some(tag) = tag {
            let mut t = reference.clone();
            t.text = tag;
            match tag_rule(&t) {
                Some(r) => rules = r,
                None => self.f.unexpressed(
                    site.line,
                    site.col,
                    format!(
                        "tag `{}` of {} depends on {}",
                        show(&t.text),
                        name.text,
                        unknowns(&t)
                    ),
                ),
            }
        }
        Some(self.push(name, rules, Vec::new(), build, group, site, merged, false))
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        name: Text,
        rules: Vec<String>,
        flavor: Vec<String>,
        build: &Build,
        group: usize,
        site: Definition,
        merged: bool,
        by_digest: bool,
    ) -> Push {
        let mut name = name;
        let (r, p, _) = split_reference(&name.text);
        name.text = format!("{r}/{p}");
        let build = self
            .local
            .get(&name.text)
            .filter(|_| build.context.is_none() && build.platforms.is_empty())
            .unwrap_or(build);
        name.defs.extend(build.defs.iter().cloned());
        Push {
            name,
            rules,
            flavor,
            platforms: build.platforms.clone(),
            context: build.context.clone(),
            dockerfile: build.dockerfile.clone(),
            target: build.target.clone(),
            build_args: build.build_args.clone(),
            group,
            merged,
            by_digest,
            site,
        }
    }

    /// The metadata-action step a `${{ steps.ID.outputs.OUTPUT }}` value refers to.
    fn meta_ref(&self, raw: &str, output: &str) -> Option<Meta> {
        let needle = format!(".outputs.{output}");
        let at = raw.find(&needle)?;
        let before = &raw[..at];
        let id = before.rsplit("steps.").next()?.trim();
        self.metas.get(id).cloned()
    }

    /// The pushes of a bake step: one group per target.
    fn bake(&mut self, step: &super::Step, group: &mut usize) -> Vec<Push> {
        let with = |k: &str| step.with.iter().find(|e| e.key == k);
        let push = with("push")
            .map(|e| self.eval_entry(e))
            .is_some_and(|t| !t.is_known() || t.text.trim() == "true");
        let files_raw = with("files").map(|e| e.value.clone()).unwrap_or_default();
        let meta = self.meta_ref(&files_raw, "bake-file");
        let mut files: Vec<String> = input_list(&files_raw, true)
            .into_iter()
            .filter(|f| !f.contains("${{"))
            .map(|f| f.trim_start_matches("./").to_string())
            .collect();
        if files.is_empty() {
            files = vec!["docker-bake.hcl".into(), "docker-bake.json".into()];
        }
        let targets: Vec<String> = with("targets")
            .map(|e| input_list(&self.eval_entry(e).text, true))
            .unwrap_or_default();
        let site = with("files")
            .or(with("targets"))
            .map(|e| self.f.definition(e))
            .unwrap_or(Definition {
                file: self.f.path.to_path_buf(),
                line: step.line,
                col: step.col,
                range: 0..0,
                text: String::new(),
                form: DefinitionForm::Literal,
            });
        let Some(root) = self.f.root else {
            self.f.unexpressed(
                site.line,
                site.col,
                "bake file not read (no repository)".into(),
            );
            return Vec::new();
        };
        let mut pushes = Vec::new();
        let mut any = false;
        for file in files {
            let Ok(Some(bytes)) = crate::fsafe::read(root, Path::new(&file)) else {
                continue;
            };
            let Ok(file_text) = String::from_utf8(bytes) else {
                continue;
            };
            any = true;
            let bake = super::bake::parse(&file_text, file.ends_with(".json"));
            for t in bake.resolve(&targets) {
                *group += 1;
                let group = *group;
                let build = Build {
                    platforms: t.platforms.clone(),
                    context: t.context.clone(),
                    dockerfile: t.dockerfile.as_ref().map(|d| match t.context.as_deref() {
                        Some(c) if c != "." && !d.starts_with(c) => {
                            format!("{}/{d}", c.trim_end_matches('/'))
                        }
                        _ => d.clone(),
                    }),
                    target: t.target.clone(),
                    build_args: t.args.clone(),
                    defs: Vec::new(),
                };
                if !push {
                    continue;
                }
                let bake_site = |line: usize, col: usize, range: Range<usize>, value: &str| {
                    let raw = file_text.get(range.clone()).unwrap_or(value).to_string();
                    Definition {
                        file: PathBuf::from(&file),
                        line,
                        col,
                        range,
                        form: classify(&raw),
                        text: raw,
                    }
                };
                if t.inherits_meta
                    && let Some(meta) = &meta
                {
                    for img in &meta.images {
                        pushes.push(self.push(
                            img.clone(),
                            meta.rules.clone(),
                            meta.flavor.clone(),
                            &build,
                            group,
                            site.clone(),
                            false,
                            false,
                        ));
                    }
                    continue;
                }
                for tag in &t.tags {
                    let mut text = Text::lit(&tag.value);
                    let d = bake_site(tag.line, tag.col, tag.range.clone(), &tag.value);
                    text.defs.push((d.clone(), tag.value.clone()));
                    if let Some(p) = self.tagged_push(text, &build, group, d, false) {
                        pushes.push(p);
                    }
                }
            }
        }
        if !any {
            self.f
                .unexpressed(site.line, site.col, "bake file not found".into());
        }
        pushes
    }

    fn script(
        &mut self,
        id: Option<&str>,
        script: &Entry,
        pushes: &mut Vec<Push>,
        group: &mut usize,
    ) {
        let fx = shell::read(&script.value, &ShellEnv { run: self, script });
        for (k, v) in fx.env {
            self.github_env.insert(k, v);
        }
        if let Some(id) = id {
            for (k, v) in fx.outputs {
                self.outputs.insert((id.to_string(), k), v);
            }
        }
        let mut sources: HashMap<String, Vec<String>> = HashMap::new();
        for d in fx.docker {
            let docker = self.f.script_definition(script, d.offset..d.offset + 6);
            // A reference's own word is where it is pushed.
            let at = |t: &Text| {
                t.defs
                    .first()
                    .map_or_else(|| docker.clone(), |d| d.0.clone())
            };
            let site = docker.clone();
            match d.kind {
                DockerKind::Build {
                    tags,
                    platforms,
                    context,
                    file,
                    target,
                    build_args,
                    push,
                } => {
                    let mut build = Build {
                        platforms,
                        context,
                        dockerfile: file,
                        target,
                        build_args,
                        defs: Vec::new(),
                    };
                    if !push {
                        for t in &tags {
                            build.defs.extend(t.defs.iter().cloned());
                        }
                    }
                    *group += 1;
                    for t in tags {
                        if push {
                            let site = at(&t);
                            pushes.extend(self.tagged_push(t, &build, *group, site, false));
                        } else {
                            let (r, p, _) = split_reference(&t.text);
                            self.local.insert(format!("{r}/{p}"), build.clone());
                        }
                    }
                }
                DockerKind::Tag(from, to) => {
                    let (r, p, _) = split_reference(&from.text);
                    if let Some(mut b) = self.local.get(&format!("{r}/{p}")).cloned() {
                        let (r, p, _) = split_reference(&to.text);
                        b.defs.extend(to.defs.iter().cloned());
                        self.local.insert(format!("{r}/{p}"), b);
                    }
                }
                DockerKind::Push(r) => {
                    *group += 1;
                    let site = at(&r);
                    pushes.extend(self.tagged_push(r, &Build::default(), *group, site, false));
                }
                DockerKind::Imagetools {
                    tags,
                    sources: srcs,
                } => {
                    *group += 1;
                    let src_names: Vec<String> = srcs
                        .iter()
                        .filter(|s| s.is_known())
                        .map(|s| {
                            let (r, p, _) = split_reference(&s.text);
                            format!("{r}/{p}")
                        })
                        .collect();
                    let known: Vec<&expr::Text> = tags.iter().filter(|t| t.is_known()).collect();
                    if known.is_empty() && !self.metas.is_empty() {
                        // Tags from the metadata-action JSON (`jq … DOCKER_METADATA_OUTPUT_JSON`).
                        let metas: Vec<Meta> = self.metas.values().cloned().collect();
                        for meta in metas {
                            for img in meta.images {
                                sources
                                    .entry(img.text.clone())
                                    .or_default()
                                    .extend(src_names.clone());
                                pushes.push(self.push(
                                    img,
                                    meta.rules.clone(),
                                    meta.flavor.clone(),
                                    &Build::default(),
                                    *group,
                                    site.clone(),
                                    true,
                                    false,
                                ));
                            }
                        }
                    } else {
                        for t in tags {
                            let site = at(&t);
                            pushes.extend(self.tagged_push(
                                t,
                                &Build::default(),
                                *group,
                                site,
                                true,
                            ));
                        }
                    }
                }
            }
        }
        let _ = sources;
    }

    /// The job's `outputs:` evaluated at its end.
    fn job_outputs(&self) -> Vec<(String, Text)> {
        let id = &self.f.wf.jobs[self.job].id;
        let Some(outs) = self
            .f
            .doc
            .and_then(|d| d.get("jobs"))
            .and_then(|j| j.get(id))
            .and_then(|j| j.get("outputs"))
        else {
            return Vec::new();
        };
        workflow::entries(Some(outs))
            .iter()
            .map(|e| (e.key.clone(), self.eval_entry(e)))
            .collect()
    }

    /// Evaluates a step input's value, its definition first.
    fn eval_entry(&self, e: &Entry) -> Text {
        self.eval_entry_at(e, Level::All, 0)
    }

    /// Evaluates an entry's value seeing the levels below `level`, its definition first.
    fn eval_entry_at(&self, e: &Entry, level: Level, depth: usize) -> Text {
        let scope = At { run: self, level };
        let mut t = expr::interpolate(&e.value, &scope, depth);
        let d = self.f.definition(e);
        t.defs.insert(0, (d, t.text.clone()));
        t
    }

    fn env(&self, name: &str, below: Level, depth: usize) -> Option<Text> {
        if below > Level::Step
            && let Some(e) = self.step_env.iter().find(|e| e.key == name)
        {
            return Some(self.eval_entry_at(e, Level::Step, depth + 1));
        }
        if below > Level::GithubEnv
            && let Some(t) = self.github_env.get(name)
        {
            return Some(t.clone());
        }
        let job = &self.f.wf.jobs[self.job];
        if below > Level::Job
            && let Some(e) = job.env.iter().find(|e| e.key == name)
        {
            return Some(self.eval_entry_at(e, Level::Job, depth + 1));
        }
        if below > Level::Workflow
            && let Some(e) = self.f.wf.env.iter().find(|e| e.key == name)
        {
            return Some(self.eval_entry_at(e, Level::Workflow, depth + 1));
        }
        None
    }
}

/// Scope levels, innermost last; a value at one level sees only the levels below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Workflow,
    Job,
    GithubEnv,
    Step,
    /// Inside a step's `with`/`run`: everything.
    All,
}

struct At<'r, 'a> {
    run: &'r JobRun<'a>,
    level: Level,
}

impl Scope for At<'_, '_> {
    fn lookup(&self, path: &[String], depth: usize) -> Option<Value> {
        let f = self.run.f;
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let gh = |s: String| {
            Some(Value::Str(Text {
                github: true,
                raw_github: true,
                ..Text::lit(&s)
            }))
        };
        let below = self.level;
        match p.as_slice() {
            ["github", "repository"] | ["github", "event", "repository", "full_name"] => {
                gh(format!("{}/{}", f.ctx.owner, f.ctx.repo))
            }
            ["github", "repository_owner"]
            | ["github", "event", "repository", "owner", "login"] => gh(f.ctx.owner.clone()),
            ["github", "event", "repository", "name"] => gh(f.ctx.repo.clone()),
            ["github", "server_url"] => Some(Value::Str(Text::lit("https://github.com"))),
            ["env", name] => self.run.env(name, below, depth).map(Value::Str),
            ["matrix", key] => {
                let v = self.run.combo.iter().find(|(k, _)| k == key)?;
                // A YAML boolean (`by-digest: false`) is a boolean in expressions: `false`
                // is not truthy as the string "false" would be.
                match v.1.as_str() {
                    "true" => return Some(Value::Bool(true)),
                    "false" => return Some(Value::Bool(false)),
                    _ => {}
                }
                let mut t = Text::lit(&v.1);
                if let Some(d) = f.matrix_definition(self.run.job, key, &v.1) {
                    t.defs.push((d, v.1.clone()));
                }
                Some(Value::Str(t))
            }
            ["steps", id, "outputs", key] => self
                .run
                .outputs
                .get(&(id.to_string(), key.to_string()))
                .cloned()
                .map(Value::Str),
            ["needs", job, "outputs", key] => f
                .needs
                .get(&(job.to_string(), key.to_string()))
                .cloned()
                .map(Value::Str),
            ["inputs", name] | ["github", "event", "inputs", name] => f.input_default(name),
            ["vars", _] => Some(Value::Null),
            _ => None,
        }
    }
}

/// The shell's view of a step: its env, expressions and where script text lies.
struct ShellEnv<'r, 'a> {
    run: &'r JobRun<'a>,
    script: &'r Entry,
}

impl shell::Env for ShellEnv<'_, '_> {
    fn var(&self, name: &str) -> Option<Text> {
        self.run.env(name, Level::All, 0)
    }

    fn expr(&self, src: &str) -> Text {
        let scope = At {
            run: self.run,
            level: Level::All,
        };
        expr::eval(src, &scope, 1).into_text()
    }

    fn define(&self, range: Range<usize>, _raw: &str, value: &Text) -> Text {
        let d = self.run.f.script_definition(self.script, range);
        let mut t = value.clone();
        t.defs.insert(0, (d, value.text.clone()));
        t
    }
}

/// A text with unknown parts shown as `…`.
fn show(s: &str) -> String {
    s.replace(UNKNOWN, "…")
}

fn unknowns(t: &Text) -> String {
    let parts: Vec<String> = t
        .unknown
        .iter()
        .map(|u| format!("`{}`", u.trim()))
        .collect();
    if parts.is_empty() {
        "a value known only at run time".into()
    } else {
        parts.join(", ")
    }
}
