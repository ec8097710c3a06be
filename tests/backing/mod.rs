//! The screen-backing check of the lessons: what a note cites, playing a
//! lesson as a teacher does, and the check on a synthetic lesson.
#![allow(dead_code)]

pub mod cite;
pub mod cuts;
pub mod label;
pub mod names;
pub mod pages;
pub mod panes;
pub mod pauses;
pub mod play;
pub mod screens;
pub mod synthetic;
