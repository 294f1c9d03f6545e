//! ryker-asyncstd adapter (filled in by the actor-executor issue).
