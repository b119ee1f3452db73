namespace Kimi.Cluster.Constraints;

/// <summary>A declared object property: its name, its value's schema, and whether it must appear.</summary>
internal sealed record PropertyRule(string Name, SchemaNode Schema, bool Required);
