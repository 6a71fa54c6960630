//! The one reference grammar: how an image reference is written in any text.
//!
//! [`syntax`] reads the pieces around a path (host and owner segments, variable and
//! expression forms, the tag and digest after it, the byte that ends it); [`finder`] finds
//! the references to a set of images with it; [`hosts`] finds a registry host in any letter
//! case; [`text`] turns offsets into lines and columns. `rename` maps the references found with it
//! ([`crate::rewrite`]); `check` inspects them ([`crate::check`]).

pub(crate) mod finder;
pub(crate) mod hosts;
pub(crate) mod syntax;
pub mod text;

pub(crate) use finder::Literals;
pub use finder::{Finder, Form, Found, IGNORE_MARKER, Image, LoopImages, Placeholders};
pub use hosts::HostFinder;
pub use syntax::{Tail, tail_at};
