//! Text handling shared by every part of wenzheng that reads a citizen's words: normalisation
//! ([`normalise`]) and segmentation ([`Segmenter`]).
//!
//! The classifier, the search index and the draft-reply composer must all see the same words, so
//! they all go through this module; changing the dictionary or the normalisation changes saved
//! models and indexes (retrain, reindex).

mod mask;
mod normalise;
mod segment;

pub use mask::{mask_personal_data, mask_personal_data_with_names};
pub use normalise::normalise;
pub use segment::{
    MASKED_NUMBER, Segmenter, Token, TokenKind, dictionary_fingerprint, segment_boundary_after,
};
