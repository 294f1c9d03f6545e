//! ryker-smol adapter (filled in by the actor-executor issue).
