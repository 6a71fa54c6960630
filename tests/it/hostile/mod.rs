//! Hostile input: each attack of the hardening issue built in a temporary tree at test time
//! (tokens generated at run time, never committed), with the exact behaviour asserted.
//! One module per kind of promise.

mod locations;
mod paths;
pub(crate) mod tokens;
