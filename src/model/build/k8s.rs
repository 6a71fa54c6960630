//! The `[k8s]` section: pull secret, namespace, replicas and deployed tag of the Kubernetes
//! manifests.

use super::Builder;
use crate::config::raw::RawConfig;
use crate::model::{K8s, naming};

impl Builder<'_> {
    pub(super) fn k8s(&mut self, raw: &RawConfig) -> K8s {
        let k = raw.k8s.clone().unwrap_or_default();
        let pull_secret = match &k.pull_secret {
            Some(s) => {
                self.check(s, "pull secret name", naming::check_dns_subdomain);
                s.value.clone()
            }
            None => "ghcr-pull".to_string(),
        };
        let namespace = k.namespace.as_ref().map(|n| {
            self.check(n, "namespace", naming::check_dns_label);
            n.value.clone()
        });
        let replicas = match &k.replicas {
            Some(r) if (0..=1000).contains(&r.value) => r.value as u32,
            Some(r) => {
                self.error(
                    r.span.clone(),
                    format!("replicas {} is out of range", r.value),
                    "0-1000",
                );
                1
            }
            None => 1,
        };
        let tag = match &k.tag {
            Some(t) => {
                self.check(t, "tag", naming::check_deploy_tag);
                t.value.clone()
            }
            None => "latest".to_string(),
        };
        K8s {
            pull_secret,
            namespace,
            replicas,
            tag,
        }
    }
}
