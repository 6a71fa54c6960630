//! [`Matcher`]: the references to old image names in one text, each mapped to its new
//! name. Finding is the grammar's ([`crate::reference::Finder`] over the old images);
//! this module only decides what each reference becomes: host and owner as written unless
//! they change, a changing one written as a variable kept (and flagged), the new path.

use serde::Serialize;

use crate::reference::finder::{Found, has_upper, strip_prefix_ci};
use crate::reference::syntax::{self, Segment};
use crate::reference::{Finder, Image};
pub use crate::reference::{Form, IGNORE_MARKER, Placeholders};

/// One image moving from an old name to a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rename {
    /// Registry host of the old image, e.g. `ghcr.io`.
    pub host: String,
    /// Owner of the old image as configured (any case; matched case-insensitively).
    pub owner: String,
    /// Old package path after the owner; may contain `/`.
    pub path: String,
    /// Registry host of the new image.
    pub new_host: String,
    /// Owner of the new image as configured.
    pub new_owner: String,
    /// New package path after the owner.
    pub new_path: String,
    /// GitHub repository name, for the `${{ github.repository }}` rule (empty: no rule).
    pub repo: String,
}

impl Rename {
    /// The rename `ghcr-gen rename --suffix` makes: same host and owner, `path` + `suffix`.
    pub fn with_suffix(host: &str, owner: &str, repo: &str, path: &str, suffix: &str) -> Rename {
        Rename {
            host: host.into(),
            owner: owner.into(),
            path: path.into(),
            new_host: host.into(),
            new_owner: owner.into(),
            new_path: format!("{path}{suffix}"),
            repo: repo.into(),
        }
    }

    /// The old image, as the grammar's finder looks for it.
    pub fn old(&self) -> Image {
        Image {
            host: self.host.clone(),
            owner: self.owner.clone(),
            path: self.path.clone(),
            repo: self.repo.clone(),
        }
    }

    /// The rename undoing this one.
    pub fn reversed(&self) -> Rename {
        Rename {
            host: self.new_host.clone(),
            owner: self.new_owner.clone(),
            path: self.new_path.clone(),
            new_host: self.host.clone(),
            new_owner: self.owner.clone(),
            new_path: self.path.clone(),
            repo: self.repo.clone(),
        }
    }

    /// The old image without tag, owner lowercased: `ghcr.io/acme-labs/axon-doc-nextjs`.
    pub fn old_image(&self) -> String {
        format!(
            "{}/{}/{}",
            self.host,
            self.owner.to_ascii_lowercase(),
            self.path
        )
    }

    /// The new image without tag, owner lowercased.
    pub fn new_image(&self) -> String {
        format!(
            "{}/{}/{}",
            self.new_host,
            self.new_owner.to_ascii_lowercase(),
            self.new_path
        )
    }
}

/// One place in a text that names an old image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// Byte offset of the first byte to replace.
    pub start: usize,
    /// Byte offset after the last byte to replace.
    pub end: usize,
    /// Index of the rename into the slice given to [`Matcher::new`].
    pub rename: usize,
    /// The text being replaced (`start..end`, lossily decoded).
    pub old: String,
    /// The text replacing it. Tags and digests are outside the range and stay.
    pub replacement: String,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based column of `start`, in characters.
    pub column: usize,
    /// A digest follows: it exists under the new name only after CI pushes it.
    pub digest_pinned: bool,
    /// Host or owner written with uppercase letters (kept as written; Docker refuses
    /// uppercase image references).
    pub uppercase: bool,
    /// How the reference was written.
    pub form: Form,
    /// A host or owner that changes is written as a variable and was kept: the variable's
    /// value must change too.
    pub kept_variable: bool,
    /// The owner is a documentation placeholder (`<owner>`, `your-username`): a probable
    /// reference, rewritten only with `rename --include-placeholders`.
    pub placeholder: bool,
    /// The release version tag written after the path (`:v1.2.3`): it exists under the new
    /// name only after CI pushes it there again.
    pub version_tag: Option<String>,
}

/// Finds references to the old names of a set of renames and maps them to the new ones.
#[derive(Debug, Clone)]
pub struct Matcher {
    originals: Vec<Rename>,
    renames: Vec<Prepared>,
    finder: Finder,
}

#[derive(Debug, Clone)]
struct Prepared {
    owner_configured: String,
    new_host: String,
    new_owner: String,
    new_owner_lc: String,
    new_path: String,
    host_changed: bool,
    owner_changed: bool,
    /// With the owner unchanged and the new path spelled `repo` + suffix: that suffix.
    new_repo_suffix: Option<String>,
}

impl Matcher {
    /// A matcher for these renames; a [`Reference::rename`] indexes into `renames`.
    pub fn new(renames: &[Rename]) -> Matcher {
        Matcher::with_placeholders(renames, Placeholders::Skip)
    }

    /// A matcher that treats documentation placeholders for the owner as `placeholders`
    /// says: skipped ([`Matcher::new`]), included (`rename --include-placeholders`), or
    /// only them (the probable references `rename` reports).
    pub fn with_placeholders(renames: &[Rename], placeholders: Placeholders) -> Matcher {
        let images: Vec<Image> = renames.iter().map(Rename::old).collect();
        Matcher {
            originals: renames.to_vec(),
            renames: renames.iter().map(prepare).collect(),
            finder: Finder::with_placeholders(&images, placeholders),
        }
    }

    /// The renames this matcher looks for.
    pub fn renames(&self) -> &[Rename] {
        &self.originals
    }

    /// Whether `text` holds a candidate at all: the one search a file without references
    /// costs.
    pub fn has_candidate(&self, text: &[u8]) -> bool {
        self.finder.has_candidate(text)
    }

    /// References in `text`, in order, none overlapping.
    pub fn find(&self, text: &str) -> Vec<Reference> {
        self.find_bytes(text.as_bytes())
    }

    /// References in `text`, which need not be UTF-8 (the rules only look at ASCII bytes).
    pub fn find_bytes(&self, text: &[u8]) -> Vec<Reference> {
        self.finder
            .find(text)
            .into_iter()
            .filter_map(|f| self.map(text, f))
            // A placeholder stays one when only the owner changes: nothing to edit.
            .filter(|r| !(r.placeholder && r.old == r.replacement))
            .collect()
    }

    /// What one found reference becomes.
    fn map(&self, t: &[u8], f: Found) -> Option<Reference> {
        let rename = &self.renames[f.image];
        let mut replacement = String::new();
        let mut kept_variable = false;
        let mut uppercase = false;
        // A written host (images, repository expressions after `HOST/`) comes first, with
        // what separates it from the owner or expression as written (`/`, `\/`, `/v2/`).
        if let Some((host, slash)) = f.host {
            kept_variable |= push_host(&mut replacement, t, host, slash, rename);
            uppercase |= has_upper(t, host, slash);
            let next = f
                .owner
                .map(|(o, _)| o.start())
                .or(f.expression.as_ref().map(|e| e.start))
                .unwrap_or(slash + 1);
            replacement.push_str(&String::from_utf8_lossy(&t[slash..next]));
        }
        let owner = |out: &mut String, kept: &mut bool, upper: &mut bool| {
            if let Some((owner, slash)) = f.owner {
                if f.placeholder {
                    out.push_str(&String::from_utf8_lossy(&t[owner.start()..slash]));
                } else {
                    *kept |= push_owner(out, t, owner, slash, rename);
                    *upper |= has_upper(t, owner, slash);
                }
                out.push_str(&String::from_utf8_lossy(&t[slash..f.path.start]));
            }
        };
        match f.form {
            Form::Image | Form::RegistryApi | Form::ImageName | Form::Definition => {
                owner(&mut replacement, &mut kept_variable, &mut uppercase);
                replacement.push_str(&rename.new_path);
            }
            Form::LoopVariable => {
                owner(&mut replacement, &mut kept_variable, &mut uppercase);
                replacement.push_str(&self.loop_path(t, &f)?);
            }
            Form::Escaped => {
                owner(&mut replacement, &mut kept_variable, &mut uppercase);
                replacement.push_str(&rename.new_path.replace('/', "\\/"));
            }
            Form::PackageLink | Form::PackagesApi => {
                let lead = f.owner.map_or(f.path.start, |(o, _)| o.start());
                replacement.push_str(&String::from_utf8_lossy(&t[f.start..lead]));
                owner(&mut replacement, &mut kept_variable, &mut uppercase);
                let written = &t[f.path.clone()];
                if written.windows(3).any(|w| w.eq_ignore_ascii_case(b"%2f")) {
                    let escape = if written.windows(3).any(|w| w == b"%2f") {
                        "%2f"
                    } else {
                        "%2F"
                    };
                    replacement.push_str(&rename.new_path.replace('/', escape));
                } else {
                    replacement.push_str(&rename.new_path);
                }
            }
            Form::RepositoryExpression => {
                let expression = f.expression.clone().expect("the form has an expression");
                match &rename.new_repo_suffix {
                    Some(new_suffix) => {
                        replacement.push_str(&String::from_utf8_lossy(&t[expression]));
                        replacement.push_str(new_suffix);
                    }
                    None => {
                        replacement.push_str(&rename.new_owner_lc);
                        replacement.push('/');
                        replacement.push_str(&rename.new_path);
                    }
                }
            }
        }
        let tag = f.tail.tag.clone().map(|r| &t[r]);
        Some(Reference {
            start: f.start,
            end: f.end,
            rename: f.image,
            old: String::from_utf8_lossy(&t[f.start..f.end]).into_owned(),
            replacement,
            line: f.line,
            column: f.column,
            digest_pinned: f.tail.digest_pinned(),
            uppercase,
            form: f.form,
            kept_variable,
            placeholder: f.placeholder,
            version_tag: tag
                .filter(|tag| syntax::is_version_tag(tag))
                .map(|tag| String::from_utf8_lossy(tag).into_owned()),
        })
    }

    /// The loop form's new path: the text before the variable and the variable as
    /// written, then the part after it that every value's new name shares. `None` when the
    /// values' images do not all change the same way after the variable (one template
    /// cannot name them all) or change before it.
    fn loop_path(&self, t: &[u8], f: &Found) -> Option<String> {
        let (var, images) = f.loop_images.as_ref()?;
        let before = &t[f.path.start..var.start];
        let mut after: Option<&str> = None;
        for &(image, value_len) in images {
            let old = &self.originals[image].path;
            let new = &self.renames[image].new_path;
            let fixed = before.len() + value_len;
            if new.len() < fixed || old.as_bytes()[..fixed] != new.as_bytes()[..fixed] {
                return None;
            }
            let rest = new.get(fixed..)?;
            if after.is_some_and(|a| a != rest) {
                return None;
            }
            after = Some(rest);
        }
        Some(format!(
            "{}{}{}",
            String::from_utf8_lossy(before),
            String::from_utf8_lossy(&t[var.clone()]),
            after?
        ))
    }
}

fn prepare(r: &Rename) -> Prepared {
    let owner_changed = !r.owner.eq_ignore_ascii_case(&r.new_owner);
    Prepared {
        owner_configured: r.owner.clone(),
        new_host: r.new_host.clone(),
        new_owner: r.new_owner.clone(),
        new_owner_lc: r.new_owner.to_ascii_lowercase(),
        new_path: r.new_path.clone(),
        host_changed: !r.host.eq_ignore_ascii_case(&r.new_host),
        owner_changed,
        new_repo_suffix: if owner_changed {
            None
        } else {
            strip_prefix_ci(&r.new_path, &r.repo).map(str::to_owned)
        },
    }
}

/// Appends the host as it should read after the rename; true when a changing host is a
/// variable and was kept.
fn push_host(out: &mut String, t: &[u8], host: Segment, end: usize, r: &Prepared) -> bool {
    let written = String::from_utf8_lossy(&t[host.start()..end]);
    match host {
        Segment::Variable(_) => {
            out.push_str(&written);
            r.host_changed
        }
        Segment::Literal(_) if r.host_changed => {
            out.push_str(&r.new_host);
            false
        }
        Segment::Literal(_) => {
            out.push_str(&written);
            false
        }
    }
}

/// Appends the owner as it should read after the rename: as written unless the owner
/// changes; a changing owner written with capitals exactly as configured becomes the new
/// owner as configured (so renaming back restores it), otherwise the new owner in
/// lowercase. True when a changing owner is a
/// variable and was kept.
fn push_owner(out: &mut String, t: &[u8], owner: Segment, end: usize, r: &Prepared) -> bool {
    let written = String::from_utf8_lossy(&t[owner.start()..end]);
    match owner {
        Segment::Variable(_) => {
            out.push_str(&written);
            r.owner_changed
        }
        Segment::Literal(_) if !r.owner_changed => {
            out.push_str(&written);
            false
        }
        Segment::Literal(_)
            if written == r.owner_configured && written.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            out.push_str(&r.new_owner);
            false
        }
        Segment::Literal(_) => {
            out.push_str(&r.new_owner_lc);
            false
        }
    }
}
