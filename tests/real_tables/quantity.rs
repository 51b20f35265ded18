//! apimachinery quantity parsing table (to be ported).
