//! See the module's issue; filled in by its own work.
