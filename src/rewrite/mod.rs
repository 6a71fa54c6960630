//! Repository-wide reference rewriting for `rename` and `check`.
