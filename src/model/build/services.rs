//! The `[services]` section (or the implicit single image): names, package names from the
//! image template, build context and Dockerfile, port, env, health and `renamed_from`; the
//! build inputs, variant and own tag policy of each service are read by `variants`.

use std::collections::BTreeSet;
use std::ops::Range;

use super::Builder;
use super::variants::Origin;
use crate::config::raw::{RawConfig, RawService, Sp};
use crate::model::placeholder::expand;
use crate::model::registry::{self, Registry, RegistryKind};
use crate::model::{Mirror, Platform, RunAs, Service, ServiceKind, TagPolicy, naming, paths};

/// Largest user or group id Kubernetes accepts.
const MAX_ID: i64 = 2_147_483_647;

impl Builder<'_> {
    pub(super) fn services(
        &mut self,
        raw: &RawConfig,
        owner_lc: &str,
        repo: &str,
        suffix: &str,
        platforms: &[Platform],
        tags: &TagPolicy,
    ) -> Vec<Service> {
        let implicit;
        let empty_name;
        let entries: Vec<(&Sp<String>, &RawService)> = match &raw.services {
            Some(s) => {
                if s.value.is_empty() {
                    self.error_help(
                        s.span.clone(),
                        "[services] is empty",
                        "no service defined",
                        "add a [services.NAME] table, or remove [services] for one image built from \".\"",
                    );
                }
                if let Some(rf) = &raw.renamed_from {
                    self.error_help(
                        rf.span.clone(),
                        "top-level `renamed_from` is only for the implicit single image",
                        "there is a [services] table",
                        "move it into the [services.NAME] table it belongs to",
                    );
                }
                s.value.iter().map(|(n, s)| (n, s)).collect()
            }
            None => {
                empty_name = Sp {
                    value: naming::dns_label(repo),
                    span: 0..0,
                };
                implicit = RawService {
                    renamed_from: raw.renamed_from.clone(),
                    ..RawService::default()
                };
                vec![(&empty_name, &implicit)]
            }
        };
        let default_template = if entries.len() == 1 {
            "{repo}"
        } else {
            "{repo}-{service}"
        };
        let global_registry = match &raw.registry {
            Some(r) => self.registry(r),
            None => Some(Registry::ghcr()),
        };
        let global_also = raw.also.as_ref().map(|list| self.registry_list(list));
        let namespace = raw.namespace.as_ref().and_then(|n| {
            self.check(n, "namespace", |s| {
                naming::check_oci_path(s).and_then(|()| {
                    if s.contains('/') {
                        Err(naming::NameError::OciSeparator {
                            separator: "/".into(),
                            segment: s.into(),
                        })
                    } else {
                        Ok(())
                    }
                })
            })
            .then(|| n.value.clone())
        });
        // Problems with top-level values are reported once, not once per service.
        let mut reported: BTreeSet<(usize, String)> = BTreeSet::new();
        // Each service's name and variant spans, for the shared-image rules.
        let mut origins: Vec<Origin> = Vec::new();
        let mut out = Vec::new();
        for (name, svc) in entries {
            let name_ok = raw.services.is_none()
                || self.check(name, "service name", naming::check_service_name);
            let template = svc.image.as_ref().or(raw.image.as_ref());
            let before = self.diags.len();
            let package = self.package(
                template,
                default_template,
                &raw.repo,
                &raw.suffix,
                owner_lc,
                repo,
                &name.value,
                suffix,
            );
            if !name_ok && svc.image.is_none() {
                // The package name is wrong because the service name is: one error, at the
                // service's key, not a second one at `repo` or the shared template.
                self.diags.truncate(before);
            }
            let (registry, registry_span) = match &svc.registry {
                Some(r) => (self.registry(r), r.span.clone()),
                None => (
                    global_registry.clone(),
                    raw.registry.as_ref().map_or(0..0, |r| r.span.clone()),
                ),
            };
            let registry = registry.unwrap_or_else(Registry::ghcr);
            let also = match &svc.also {
                Some(list) => self.registry_list(list),
                None => global_also.clone().unwrap_or_default(),
            };
            let namespace_of = |r: &Registry| {
                if r.is_ghcr() {
                    owner_lc.to_string()
                } else {
                    namespace.clone().unwrap_or_else(|| owner_lc.to_string())
                }
            };
            let ready = !repo.is_empty() && !owner_lc.is_empty();
            let image = registry.image(&namespace_of(&registry), &package);
            if ready {
                self.registry_rules(
                    &registry,
                    &registry_span,
                    &namespace_of(&registry),
                    &package,
                    &mut reported,
                );
            }
            let mut mirrors: Vec<Mirror> = Vec::new();
            for (mirror, span) in also {
                let problem = if mirror == registry {
                    Some((
                        "mirror is the primary registry",
                        "already pushed there as the primary",
                    ))
                } else if mirrors.iter().any(|m| m.registry == mirror) {
                    Some(("duplicate mirror", "listed twice"))
                } else {
                    None
                };
                if let Some((message, label)) = problem {
                    if reported.insert((span.start, message.to_string())) {
                        self.error(
                            span.clone(),
                            format!("{message} `{}`", mirror.prefix),
                            label,
                        );
                    }
                    continue;
                }
                if ready {
                    self.registry_rules(
                        &mirror,
                        &span,
                        &namespace_of(&mirror),
                        &package,
                        &mut reported,
                    );
                }
                mirrors.push(Mirror {
                    image: mirror.image(&namespace_of(&mirror), &package),
                    registry: mirror,
                });
            }
            origins.push(Origin {
                name: name.clone(),
                variant: svc.variant.clone(),
                template: template.cloned(),
            });
            let context = match &svc.context {
                Some(c) => self.rel_path(c, "build context").unwrap_or_default(),
                None => ".".to_string(),
            };
            let dockerfile = match &svc.dockerfile {
                Some(d) => self.rel_path(d, "Dockerfile path").unwrap_or_default(),
                None => paths::join_rel(&context, "Dockerfile"),
            };
            let port = svc.port.as_ref().and_then(|p| {
                if (1..=65535).contains(&p.value) {
                    Some(p.value as u16)
                } else {
                    self.error(
                        p.span.clone(),
                        format!("port {} is out of range", p.value),
                        "ports are 1-65535",
                    );
                    None
                }
            });
            let env = svc
                .env
                .as_ref()
                .map(|list| {
                    let mut names = Vec::new();
                    for v in &list.value {
                        if self.check(v, "environment variable name", naming::check_env_name) {
                            if names.contains(&v.value) {
                                self.error(
                                    v.span.clone(),
                                    format!("duplicate variable `{}`", v.value),
                                    "listed twice",
                                );
                            } else {
                                names.push(v.value.clone());
                            }
                        }
                    }
                    names
                })
                .unwrap_or_default();
            let health = svc.health.as_ref().and_then(|h| {
                let ok = h.value.starts_with('/')
                    && !h.value.chars().any(|c| c.is_whitespace() || c.is_control());
                if ok {
                    Some(h.value.clone())
                } else {
                    self.error(
                        h.span.clone(),
                        "invalid health path",
                        "an HTTP path starting with '/', without spaces",
                    );
                    None
                }
            });
            if let (Some(h), None, true) = (&svc.health, &port, svc.port.is_none()) {
                self.error_help(
                    h.span.clone(),
                    "health check without a port",
                    "needs `port` in the same service",
                    "health checks are HTTP requests to the service's port; add `port = ...`",
                );
            }
            let platforms = match &svc.platforms {
                Some(list) => self.platforms(list),
                None => platforms.to_vec(),
            };
            let renamed_from = svc
                .renamed_from
                .as_ref()
                .map(|list| {
                    list.value
                        .iter()
                        .filter(|r| self.check(r, "image reference", naming::check_image_ref))
                        .map(|r| r.value.clone())
                        .collect()
                })
                .unwrap_or_default();
            let kind = self.kind(svc.kind.as_ref());
            if let (ServiceKind::Job, Some(h)) = (kind, &svc.health) {
                self.error_help(
                    h.span.clone(),
                    "health check on a one-shot job",
                    "jobs run to completion and get no probes or healthcheck",
                    "remove `health`, or make it a long-running service (kind = \"service\")",
                );
            }
            let run_as = self.run_as(svc);
            let read_only_root = svc.read_only_root.as_ref().is_none_or(|r| r.value);
            let extras = self.service_extras(raw, svc, tags);
            out.push(Service {
                name: name.value.clone(),
                package,
                image,
                registry,
                mirrors,
                context,
                dockerfile,
                platforms,
                port,
                env,
                health,
                renamed_from,
                kind,
                run_as,
                read_only_root,
                target: extras.target,
                build_args: extras.build_args,
                variant: extras.variant,
                tags: extras.tags,
            });
        }
        let default_branch = raw
            .default_branch
            .as_ref()
            .map_or("main", |b| b.value.as_str());
        self.check_variants(&out, &origins, default_branch, &tags.branches);
        out
    }

    /// An `also` list: each registry with the span it came from.
    fn registry_list(&mut self, list: &Sp<Vec<Sp<String>>>) -> Vec<(Registry, Range<usize>)> {
        list.value
            .iter()
            .filter_map(|v| self.registry(v).map(|r| (r, v.span.clone())))
            .collect()
    }

    /// The naming rules of a registry other than GHCR for one image: Docker Hub and Quay
    /// repositories are exactly `<namespace>/<name>`, Docker Hub namespaces are 4-30
    /// lowercase letters and digits.
    fn registry_rules(
        &mut self,
        registry: &Registry,
        span: &Range<usize>,
        namespace: &str,
        package: &str,
        reported: &mut BTreeSet<(usize, String)>,
    ) {
        if registry.flat() && package.contains('/') {
            let message = format!("{} has no nested repositories", registry.label());
            if reported.insert((span.start, message.clone())) {
                self.error_help(
                    span.clone(),
                    message,
                    format!("the package `{package}` contains '/'"),
                    "repositories there are <namespace>/<name>; set `image` to a name without '/'",
                );
            }
        }
        if registry.kind == RegistryKind::DockerHub
            && let Err(why) = registry::check_docker_hub_namespace(namespace)
        {
            let message = "invalid Docker Hub namespace".to_string();
            if reported.insert((span.start, message.clone())) {
                self.error_help(
                    span.clone(),
                    message,
                    why,
                    "set `namespace = \"<your Docker Hub user or organisation>\"` at the top of the file",
                );
            }
        }
    }

    /// `kind = "service" | "job"`.
    fn kind(&mut self, kind: Option<&Sp<String>>) -> ServiceKind {
        match kind.map(|k| k.value.as_str()) {
            None | Some("service") => ServiceKind::Service,
            Some("job") => ServiceKind::Job,
            Some(other) => {
                let k = kind.expect("matched Some");
                self.error_help(
                    k.span.clone(),
                    format!("unknown service kind `{other}`"),
                    "not \"service\" or \"job\"",
                    "kind = \"service\" runs for good (a Deployment); kind = \"job\" runs once to completion (a Job), e.g. migrations",
                );
                ServiceKind::Service
            }
        }
    }

    /// `user` and `group`: numeric ids, the user not root (the pod runs with runAsNonRoot).
    fn run_as(&mut self, svc: &RawService) -> Option<RunAs> {
        let user = svc.user.as_ref().and_then(|u| match u.value {
            1..=MAX_ID => Some(u.value as u32),
            0 => {
                self.error_help(
                    u.span.clone(),
                    "user 0 is root",
                    "the pod runs with runAsNonRoot",
                    "use a non-root uid such as 65532, and `USER 65532` in the Dockerfile",
                );
                None
            }
            _ => {
                self.error(
                    u.span.clone(),
                    format!("user {} is out of range", u.value),
                    "user ids are 1-2147483647",
                );
                None
            }
        });
        let group = svc.group.as_ref().and_then(|g| {
            if (0..=MAX_ID).contains(&g.value) {
                Some(g.value as u32)
            } else {
                self.error(
                    g.span.clone(),
                    format!("group {} is out of range", g.value),
                    "group ids are 0-2147483647",
                );
                None
            }
        });
        if let (Some(g), None) = (&svc.group, &svc.user) {
            self.error_help(
                g.span.clone(),
                "`group` without `user`",
                "needs `user` in the same service",
                "set `user = <uid>` too (the group defaults to the user's id)",
            );
        }
        let user = user?;
        Some(RunAs {
            user,
            group: group.unwrap_or(user),
        })
    }

    /// Expands a package-name template, reporting problems at the span that caused them.
    #[allow(clippy::too_many_arguments)]
    fn package(
        &mut self,
        template: Option<&Sp<String>>,
        default: &str,
        repo_span: &Option<Sp<String>>,
        suffix_span: &Option<Sp<String>>,
        owner_lc: &str,
        repo: &str,
        service: &str,
        suffix: &str,
    ) -> String {
        let text = template.map_or(default, |t| t.value.as_str());
        let expanded = match expand(
            text,
            &[
                ("repo", &repo.to_ascii_lowercase()),
                ("service", service),
                ("owner", owner_lc),
            ],
        ) {
            Ok(e) => e,
            Err(why) => {
                if let Some(t) = template {
                    self.error_help(
                        t.span.clone(),
                        "invalid image template",
                        why,
                        "placeholders are {repo}, {service} and {owner}",
                    );
                }
                return String::new();
            }
        };
        if repo.is_empty() || owner_lc.is_empty() {
            return expanded + suffix;
        }
        if let Err(why) = naming::check_oci_path(&expanded) {
            let span = template
                .map(|t| t.span.clone())
                .or_else(|| repo_span.as_ref().map(|r| r.span.clone()))
                .unwrap_or(0..0);
            self.error_help(
                span,
                format!("image path `{expanded}` is not a valid package name"),
                why,
                "package names are lowercase letters and digits joined by '.', '_', '__' or '-'; set `image` to choose one",
            );
            return expanded + suffix;
        }
        let full = format!("{expanded}{suffix}");
        if let Err(why) = naming::check_oci_path(&full)
            .and_then(|()| naming::check_oci_path(&format!("{owner_lc}/{full}")))
        {
            let span = suffix_span
                .as_ref()
                .map(|s| s.span.clone())
                .or_else(|| template.map(|t| t.span.clone()))
                .unwrap_or(0..0);
            self.error(
                span,
                format!("image path `{full}` is not a valid package name"),
                why,
            );
        }
        full
    }
}
