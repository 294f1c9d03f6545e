//! ryker-tokio adapter (filled in by the actor-executor issue).
