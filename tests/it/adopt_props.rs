//! Property: for generated hand-written publishing workflows (random combinations of the
//! forms the reader knows), `adopt` → `render` → `adopt` of the rendered workflow gives
//! the same images: registry, path, platforms, context, Dockerfile, target, build
//! arguments, variant, mirrors and tags. Runs on the library (reader, adopt planner,
//! loader, workflow renderer), no binary, so each case takes milliseconds.

use std::path::Path;

use crate::support::tree::{crate_path, temp_tree};
use ghcr_gen::model::Model;
use ghcr_gen::render::{Templates, workflow};
use ghcr_gen::setup::{self, RepoContext, Setup};
use proptest::prelude::*;

const RENDERED: &str = ".github/workflows/ghcr-publish.yml";

/// One image as the loaded config describes it: what must survive the round trip.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Image {
    image: String,
    registry: String,
    variant: Option<String>,
    platforms: Vec<String>,
    context: String,
    dockerfile: String,
    target: Option<String>,
    build_args: Vec<(String, String)>,
    also: Vec<String>,
    rules: Vec<String>,
    flavor: Vec<String>,
}

fn images(model: &Model) -> Vec<Image> {
    let mut out: Vec<Image> = model
        .services
        .iter()
        .map(|s| Image {
            image: s.image.clone(),
            registry: s.registry.host.clone(),
            variant: s.variant.clone(),
            platforms: s.platforms.iter().map(ToString::to_string).collect(),
            context: s.context.clone(),
            dockerfile: s.dockerfile.clone(),
            target: s.target.clone(),
            build_args: s.build_args.clone(),
            also: s.mirrors.iter().map(|m| m.image.clone()).collect(),
            rules: s.tags.rules.clone(),
            flavor: s.tags.flavor.clone(),
        })
        .collect();
    out.sort();
    out
}

/// Reads the repository at `root` and adopts it: the setup and the loaded model.
fn adopt(root: &Path, ctx: &RepoContext) -> Result<(Setup, Model, String), String> {
    let read = setup::read(root, ctx).map_err(|e| format!("read: {e}"))?;
    if read.images.is_empty() {
        return Err("the reader found no image".into());
    }
    let adopted = ghcr_gen::adopt::plan(&read, ctx, "main");
    let model = ghcr_gen::load::parse(
        adopted.text.as_bytes(),
        "registry.toml",
        root,
        "registry.toml",
    )
    .map_err(|d| format!("adopted config does not load: {d:?}\n{}", adopted.text))?;
    Ok((read, model, adopted.text))
}

/// The round trip on one workflow: the images of both adoptions, or why it broke.
fn round_trip(workflow_text: &str, ctx: &RepoContext) -> Result<(Vec<Image>, Vec<Image>), String> {
    let first = temp_tree(&[(".github/workflows/publish.yml", workflow_text)]);
    let (_, model, text) = adopt(first.path(), ctx)?;
    // Switch the workflow output on, as the user moving to the generated files does.
    let on = text.replace("workflow = false", &format!("workflow = \"{RENDERED}\""));
    let rendering = ghcr_gen::load::parse(
        on.as_bytes(),
        "registry.toml",
        first.path(),
        "registry.toml",
    )
    .map_err(|d| format!("config with the workflow on does not load: {d:?}"))?;
    let templates = Templates::load(None).map_err(|e| e.to_string())?;
    let planned = workflow::render(&rendering, &templates)
        .map_err(|e| e.to_string())?
        .ok_or("no workflow rendered")?;
    let second = temp_tree(&[(RENDERED, planned.contents.as_str())]);
    let (_, model2, text2) = adopt(second.path(), ctx).map_err(|e| {
        format!(
            "{e}\n--- first config ---\n{text}\n--- rendered ---\n{}",
            planned.contents
        )
    })?;
    let (a, b) = (images(&model), images(&model2));
    if a != b {
        return Err(format!(
            "images differ\n--- first config ---\n{text}\n--- rendered ---\n{}\n--- second config ---\n{text2}",
            planned.contents
        ));
    }
    Ok((a, b))
}

fn ctx(owner: &str, repo: &str) -> RepoContext {
    RepoContext {
        owner: owner.into(),
        repo: repo.into(),
    }
}

#[test]
fn fixtures_survive_adopt_render_adopt() {
    for (name, owner, repo) in [
        ("env-suffix", "Acme-Labs", "shop"),
        ("tr-env", "Acme-Labs", "Web-App"),
        ("param-output", "Acme-Labs", "notes"),
        ("format-call", "Acme-Labs", "store"),
        ("matrix-include", "acme", "shop"),
        ("per-arch", "acme", "edge-proxy"),
        ("variants", "Otel-Labs", "telemetry"),
        ("mirror", "acme", "relay"),
    ] {
        let dir = crate_path(&format!("fixtures/adopt/{name}/.github/workflows"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            if let Err(e) = round_trip(&text, &ctx(owner, repo)) {
                panic!("{name}: {e}");
            }
        }
    }
}

/// How a generated job spells its image name and builds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Workflow `env: IMAGE_NAME_N: ${{ github.repository }}-PKG`.
    EnvSuffix,
    /// `echo "IMAGE_N=$(echo ghcr.io/${{ github.repository }}-PKG | tr ...)" >> $GITHUB_ENV`.
    TrEnv,
    /// `repo_name=...; echo "image=ghcr.io/${repo_name,,}" >> "$GITHUB_OUTPUT"`.
    ParamOutput,
    /// Job `env: IMAGE: ${{ format('ghcr.io/{0}/{1}-PKG', ...) }}`.
    Format,
    /// The name written out.
    Literal,
    /// A matrix of two services completed by `include`.
    MatrixInclude,
    /// One leg per platform pushed by digest, merged by `imagetools create`.
    PerArch,
    /// Two jobs publishing one package, told apart by a flavor suffix.
    Variants,
}

/// One generated publishing job (two for variants and per-arch legs).
#[derive(Debug, Clone)]
struct Spec {
    form: Form,
    platforms: Vec<&'static str>,
    context: Option<&'static str>,
    dockerfile: bool,
    target: Option<&'static str>,
    build_args: Vec<(&'static str, &'static str)>,
    rules: Vec<&'static str>,
    latest_false: bool,
    mirror: bool,
}

const PLATFORMS: &[&str] = &[
    "linux/amd64",
    "linux/arm64",
    "linux/arm",
    "linux/arm/v6",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/riscv64",
];
const RULES: &[&str] = &[
    "type=ref,event=branch",
    "type=semver,pattern={{version}}",
    "type=sha",
    "type=raw,value=latest,enable={{is_default_branch}}",
];
const ARGS: &[(&str, &str)] = &[
    ("NODE_ENV", "production"),
    ("VERSION", "1.2.3"),
    ("GO_FLAGS", "-trimpath"),
];
const PACKAGES: &[&str] = &["api", "web", "worker"];

/// A non-empty subset of `items`, in their order.
fn subset<T: Clone + std::fmt::Debug + 'static>(
    items: &'static [T],
) -> impl Strategy<Value = Vec<T>> {
    prop::sample::subsequence(items, 1..=items.len().min(3))
}

fn spec() -> impl Strategy<Value = Spec> {
    let form = prop::sample::select(
        &[
            Form::EnvSuffix,
            Form::TrEnv,
            Form::ParamOutput,
            Form::Format,
            Form::Literal,
            Form::MatrixInclude,
            Form::PerArch,
            Form::Variants,
        ][..],
    );
    (
        form,
        subset(PLATFORMS),
        prop::option::of(prop::sample::select(&[".", "services"][..])),
        any::<bool>(),
        prop::option::of(prop::sample::select(&["runtime", "prod"][..])),
        prop::sample::subsequence(ARGS, 0..=2),
        subset(RULES),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                form,
                platforms,
                context,
                dockerfile,
                target,
                build_args,
                rules,
                latest_false,
                mirror,
            )| {
                Spec {
                    form,
                    platforms,
                    context,
                    dockerfile,
                    target,
                    build_args,
                    rules,
                    latest_false,
                    // Mirrors go with the metadata-action forms.
                    mirror: mirror
                        && !matches!(form, Form::PerArch | Form::Variants | Form::MatrixInclude),
                }
            },
        )
}

/// What a generated job publishes: image, variant, platforms (normalised, sorted), target.
type Expected = (String, Option<String>, Vec<String>, Option<String>);

fn normalised(platforms: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = platforms
        .iter()
        .map(|p| if *p == "linux/arm" { "linux/arm/v7" } else { p }.to_string())
        .collect();
    out.sort();
    out
}

/// The generated workflow and the images it publishes.
fn workflow_text(specs: &[Spec], ctx: &RepoContext) -> (String, Vec<Expected>) {
    let owner_lc = ctx.owner.to_lowercase();
    let repo_lc = ctx.repo.to_lowercase();
    let mut env = String::new();
    let mut jobs = String::new();
    let mut expected = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let pkg = PACKAGES[i];
        let full = format!("{owner_lc}/{repo_lc}-{pkg}");
        let context = s.context.map(|c| {
            if c == "." {
                ".".to_string()
            } else {
                format!("{c}/{pkg}")
            }
        });
        let dockerfile = s.dockerfile.then(|| format!("docker/{pkg}.dockerfile"));
        let build = |platforms: &str, dockerfile: Option<&str>, extra: &str| {
            let mut w = String::new();
            if let Some(c) = &context {
                w.push_str(&format!("          context: {c}\n"));
            }
            if let Some(d) = dockerfile {
                w.push_str(&format!("          file: {d}\n"));
            }
            w.push_str(&format!("          platforms: {platforms}\n"));
            if let Some(t) = s.target {
                w.push_str(&format!("          target: {t}\n"));
            }
            if !s.build_args.is_empty() {
                w.push_str("          build-args: |\n");
                for (k, v) in &s.build_args {
                    w.push_str(&format!("            {k}={v}\n"));
                }
            }
            w.push_str(extra);
            format!("      - uses: docker/build-push-action@v6\n        with:\n{w}")
        };
        let meta = |images: &str, suffix: Option<&str>| {
            let mut m = format!(
                "      - id: meta\n        uses: docker/metadata-action@v5\n        with:\n          images: |\n            {images}\n"
            );
            if s.mirror {
                m.push_str(&format!("            docker.io/acmehub/{repo_lc}-{pkg}\n"));
            }
            m.push_str("          tags: |\n");
            for r in &s.rules {
                m.push_str(&format!("            {r}\n"));
            }
            if s.latest_false || suffix.is_some() {
                m.push_str("          flavor: |\n");
                if s.latest_false {
                    m.push_str("            latest=false\n");
                }
                if let Some(v) = suffix {
                    m.push_str(&format!("            suffix=-{v},onlatest=true\n"));
                }
            }
            m
        };
        let platforms = s.platforms.join(",");
        let push = "          push: ${{ github.event_name != 'pull_request' }}\n          tags: ${{ steps.meta.outputs.tags }}\n";
        let job = |id: &str, head: &str, steps: &str| {
            format!(
                "  {id}:\n    runs-on: ubuntu-latest\n{head}    steps:\n      - uses: actions/checkout@v4\n{steps}"
            )
        };
        match s.form {
            Form::EnvSuffix => {
                env.push_str(&format!(
                    "  IMAGE_NAME_{i}: ${{{{ github.repository }}}}-{pkg}\n"
                ));
                let steps = meta(&format!("ghcr.io/${{{{ env.IMAGE_NAME_{i} }}}}"), None)
                    + &build(&platforms, dockerfile.as_deref(), push);
                jobs.push_str(&job(&format!("j{i}"), "", &steps));
            }
            Form::TrEnv => {
                let set = format!(
                    "      - run: |\n          echo \"IMAGE_{i}=$(echo ghcr.io/${{{{ github.repository }}}}-{pkg} | tr '[:upper:]' '[:lower:]')\" >> $GITHUB_ENV\n"
                );
                let steps = set
                    + &meta(&format!("${{{{ env.IMAGE_{i} }}}}"), None)
                    + &build(&platforms, dockerfile.as_deref(), push);
                jobs.push_str(&job(&format!("j{i}"), "", &steps));
            }
            Form::ParamOutput => {
                let set = format!(
                    "      - id: vars\n        run: |\n          repo_name=\"${{{{ github.repository }}}}-{pkg}\"\n          echo \"image=ghcr.io/${{repo_name,,}}\" >> \"$GITHUB_OUTPUT\"\n"
                );
                let steps = set
                    + &meta("${{ steps.vars.outputs.image }}", None)
                    + &build(&platforms, dockerfile.as_deref(), push);
                jobs.push_str(&job(&format!("j{i}"), "", &steps));
            }
            Form::Format => {
                let head = format!(
                    "    env:\n      IMAGE: ${{{{ format('ghcr.io/{{0}}/{{1}}-{pkg}', github.repository_owner, github.event.repository.name) }}}}\n"
                );
                let steps = meta("${{ env.IMAGE }}", None)
                    + &build(&platforms, dockerfile.as_deref(), push);
                jobs.push_str(&job(&format!("j{i}"), &head, &steps));
            }
            Form::Literal => {
                let steps = meta(&format!("ghcr.io/{full}"), None)
                    + &build(&platforms, dockerfile.as_deref(), push);
                jobs.push_str(&job(&format!("j{i}"), "", &steps));
            }
            Form::MatrixInclude => {
                let mut head = format!(
                    "    strategy:\n      matrix:\n        service: [{pkg}, {pkg}-jobs]\n        include:\n"
                );
                for svc in [pkg.to_string(), format!("{pkg}-jobs")] {
                    head.push_str(&format!(
                        "          - service: {svc}\n            context: services/{svc}\n            dockerfile: services/{svc}/Dockerfile\n"
                    ));
                    expected.push((
                        format!("ghcr.io/{owner_lc}/{repo_lc}-{svc}"),
                        None,
                        normalised(&s.platforms),
                        s.target.map(str::to_string),
                    ));
                }
                let m = meta(
                    "ghcr.io/${{ github.repository }}-${{ matrix.service }}",
                    None,
                );
                let mut b = format!(
                    "      - uses: docker/build-push-action@v6\n        with:\n          context: ${{{{ matrix.context }}}}\n          file: ${{{{ matrix.dockerfile }}}}\n          platforms: {platforms}\n"
                );
                if let Some(t) = s.target {
                    b.push_str(&format!("          target: {t}\n"));
                }
                b.push_str(push);
                jobs.push_str(&job(&format!("j{i}"), &head, &(m + &b)));
                continue;
            }
            Form::PerArch => {
                env.push_str(&format!("  REGISTRY_IMAGE_{i}: ghcr.io/{full}\n"));
                let mut head = "    strategy:\n      matrix:\n        include:\n".to_string();
                for p in &s.platforms {
                    head.push_str(&format!("          - platform: {p}\n"));
                }
                let out = format!(
                    "          outputs: type=image,name=${{{{ env.REGISTRY_IMAGE_{i} }}}},push-by-digest=true,name-canonical=true,push=true\n"
                );
                let steps = build("${{ matrix.platform }}", dockerfile.as_deref(), &out);
                jobs.push_str(&job(&format!("j{i}-build"), &head, &steps));
                let merge = meta(&format!("${{{{ env.REGISTRY_IMAGE_{i} }}}}"), None)
                    + &format!(
                        "      - working-directory: /tmp/digests\n        run: |\n          docker buildx imagetools create $(jq -cr '.tags | map(\"-t \" + .) | join(\" \")' <<< \"$DOCKER_METADATA_OUTPUT_JSON\") \\\n            $(printf '${{{{ env.REGISTRY_IMAGE_{i} }}}}@sha256:%s ' *)\n"
                    );
                jobs.push_str(&job(
                    &format!("j{i}-merge"),
                    &format!("    needs: j{i}-build\n"),
                    &merge,
                ));
            }
            Form::Variants => {
                for (v, plats, file) in [
                    ("full", &s.platforms[..], dockerfile.clone()),
                    (
                        "slim",
                        &s.platforms[..1],
                        Some(format!("docker/{pkg}-slim.dockerfile")),
                    ),
                ] {
                    let steps = meta(
                        &format!("ghcr.io/${{{{ github.repository }}}}-{pkg}"),
                        Some(v),
                    ) + &build(&plats.join(","), file.as_deref(), push);
                    jobs.push_str(&job(&format!("j{i}-{v}"), "", &steps));
                    expected.push((
                        format!("ghcr.io/{full}"),
                        Some(v.to_string()),
                        normalised(plats),
                        s.target.map(str::to_string),
                    ));
                }
                continue;
            }
        }
        expected.push((
            format!("ghcr.io/{full}"),
            None,
            normalised(&s.platforms),
            s.target.map(str::to_string),
        ));
    }
    let env = if env.is_empty() {
        String::new()
    } else {
        format!("env:\n{env}")
    };
    let text = format!(
        "name: publish\non:\n  push:\n    branches: [main]\n    tags: [\"v*\"]\n{env}jobs:\n{jobs}"
    );
    expected.sort();
    (text, expected)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The generated workflow's images are adopted as written, and adopting the workflow
    /// `render` makes of that config gives the same images again.
    #[test]
    fn adopt_render_adopt_keeps_every_image(
        specs in prop::collection::vec(spec(), 1..=3),
        owner in prop::sample::select(&["acme", "Acme-Labs"][..]),
        repo in prop::sample::select(&["shop", "Web-App"][..]),
    ) {
        let ctx = ctx(owner, repo);
        let (text, expected) = workflow_text(&specs, &ctx);
        let (first, _) = round_trip(&text, &ctx).map_err(|e| {
            TestCaseError::fail(format!("{e}\n--- generated workflow ---\n{text}"))
        })?;
        let mut found: Vec<Expected> = first
            .iter()
            .map(|i| {
                let mut p = i.platforms.clone();
                p.sort();
                (i.image.clone(), i.variant.clone(), p, i.target.clone())
            })
            .collect();
        found.sort();
        prop_assert_eq!(found, expected, "adopt of the generated workflow\n{}", text);
    }
}
