//! Changing accounts: bootstrap and upload of the bundled code (and, on top, apply, destroy,
//! rollout).

pub mod assets;
