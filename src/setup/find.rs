//! The image finder: what each workflow pushes.

use std::path::Path;

use super::{RepoContext, SetupError, WorkflowRead};

/// Reads one workflow; `root` (when given) lets bake files be read.
pub(super) fn read_workflow(
    _root: Option<&Path>,
    path: &Path,
    text: &str,
    _ctx: &RepoContext,
) -> Result<WorkflowRead, SetupError> {
    let mut unexpressed = Vec::new();
    let workflow = super::workflow::parse(path, text, &mut unexpressed)?;
    Ok(WorkflowRead {
        workflow,
        images: Vec::new(),
        unexpressed,
    })
}
