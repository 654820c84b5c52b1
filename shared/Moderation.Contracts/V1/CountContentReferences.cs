namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by results with <see cref="ContentReferences"/>): how many media results holds whose original is
/// still kept (not erased, retention not applied) have this content. Ingest asks it while it holds the content's lock,
/// just before deleting content-addressed bytes, so the answer includes every erasure and retention already committed.
/// </summary>
public sealed record CountContentReferences(string Sha256);

/// <summary>Response to <see cref="CountContentReferences"/>.</summary>
public sealed record ContentReferences(string Sha256, int Media);
