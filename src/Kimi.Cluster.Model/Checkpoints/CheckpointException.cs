namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>A checkpoint cannot be loaded: a file, tensor, dtype or shape is wrong. The message names it.</summary>
public sealed class CheckpointException(string message) : Exception(message);
