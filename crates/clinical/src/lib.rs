//! Clinical calculators and decision-support rules. Pure: no I/O; every rule cites its source.

pub mod body;
